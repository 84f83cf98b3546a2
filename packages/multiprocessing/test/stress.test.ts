/**
 * The lock matters: two worker threads each add 1 to a shared counter a million times. Under a
 * Lock the total is exact. Without one, `counter.value += 1` is a read and then a write, and an
 * update is lost whenever the other thread writes in between; whether that happens in a given
 * run depends on the scheduler, so the unguarded case makes it happen: the two threads read,
 * meet at a barrier, then write, round after round, and exactly one update of each round is
 * lost on every run.
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
})

describe('a shared counter without a lock, 2 workers reading and writing in step', () => {
  it('loses one update of each round when the two read-modify-writes interleave', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const counter = RawValue('i', 0)
    const turn = new Barrier(2)
    const rounds = 1_000
    const done = await pool.starmap(tasks.readMeetWrite, [
      [counter, rounds, turn],
      [counter, rounds, turn],
    ])
    expect(done).toEqual([rounds, rounds])
    // 2,000 increments were made; each round both wrote the same value, so half are lost.
    expect(counter.value).toBe(rounds)
  }, 120_000)
})
