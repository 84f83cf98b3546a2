/**
 * The lock matters: two worker threads each add 1 to a shared counter a million times. Under a
 * Lock the total is exact; without one, increments are lost (`counter.value += 1` is a read and
 * a write, and the other thread writes in between).
 */
import { describe, expect, it } from 'vitest'

import { Barrier, Lock, Pool, RawValue, Value, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

const TIMES = 1_000_000

describe('a shared counter, 2 workers × 1,000,000 increments', () => {
  it('is exact under a Lock', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const counter = RawValue('i', 0)
    const lock = new Lock()
    const start = new Barrier(2)
    await pool.starmap(tasks.increment, [
      [counter, lock, TIMES, start],
      [counter, lock, TIMES, start],
    ])
    expect(counter.value).toBe(2 * TIMES)
  }, 120_000)

  it('is exact under the value’s own lock (getLock)', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const counter = Value('i', 0)
    const start = new Barrier(2)
    await pool.starmap(tasks.incrementWithGetLock, [
      [counter, TIMES, start],
      [counter, TIMES, start],
    ])
    expect(counter.value).toBe(2 * TIMES)
  }, 120_000)

  it('loses increments without a lock', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const counter = RawValue('i', 0)
    const start = new Barrier(2)
    await pool.starmap(tasks.increment, [
      [counter, null, TIMES, start],
      [counter, null, TIMES, start],
    ])
    expect(counter.value).toBeLessThan(2 * TIMES)
  }, 120_000)
})
