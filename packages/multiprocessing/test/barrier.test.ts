/**
 * Barrier: CPython's _TestBarrier cases (wait return, abort, reset, timeout, n_waiting,
 * broken), with parties in worker threads and on the main thread.
 */
import { describe, expect, it } from 'vitest'

import { Barrier, BrokenBarrierError, Pool, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(condition()).toBe(true)
}

describe('Barrier', () => {
  it('lets everyone go once `parties` wait, giving each index once (test_wait_return)', async () => {
    await using pool = new Pool({ processes: 3, kind: 'thread' })
    const barrier = new Barrier(4)
    expect(barrier.parties).toBe(4)
    const parties = [0, 1, 2].map(() => pool.applyAsync(tasks.waitOnBarrier, [barrier, 20_000]))
    await until(() => barrier.nWaiting === 3)
    const mine = await barrier.waitAsync({ timeout: 20_000 })
    const indices = [mine, ...(await Promise.all(parties.map((party) => party.get())))]
    expect(indices.sort()).toEqual([0, 1, 2, 3])
    expect(barrier.nWaiting).toBe(0)
    expect(barrier.broken).toBe(false)
  })

  it('can be used again after everyone has passed (test_barrier, several cycles)', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const barrier = new Barrier(2)
    for (let cycle = 0; cycle < 3; cycle++) {
      const party = pool.applyAsync(tasks.waitOnBarrier, [barrier, 20_000])
      const mine = await barrier.waitAsync({ timeout: 20_000 })
      expect([mine, await party.get()].sort()).toEqual([0, 1])
    }
  })

  it('breaks for everyone when a wait times out (test_timeout)', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const barrier = new Barrier(3)
    const patient = pool.applyAsync(tasks.barrierOutcome, [barrier, 20_000])
    await until(() => barrier.nWaiting === 1)
    expect(await pool.apply(tasks.barrierOutcome, [barrier, 50])).toBe('BrokenBarrierError')
    expect(await patient.get()).toBe('BrokenBarrierError')
    expect(barrier.broken).toBe(true)
    await expect(barrier.waitAsync()).rejects.toBeInstanceOf(BrokenBarrierError)
  })

  it('uses its own default timeout (test_default_timeout)', async () => {
    const barrier = new Barrier(2, { timeout: 30 })
    await expect(barrier.waitAsync()).rejects.toThrow(/timed out/)
    expect(barrier.broken).toBe(true)
  })

  it('abort() breaks it, reset() mends it (test_abort, test_reset)', async () => {
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    const barrier = new Barrier(2)
    const waiting = pool.applyAsync(tasks.barrierOutcome, [barrier, 20_000])
    await until(() => barrier.nWaiting === 1)
    barrier.abort()
    expect(await waiting.get()).toBe('BrokenBarrierError')
    expect(barrier.broken).toBe(true)
    barrier.reset()
    expect(barrier.broken).toBe(false)
    const again = pool.applyAsync(tasks.waitOnBarrier, [barrier, 20_000])
    expect(await barrier.waitAsync({ timeout: 20_000 })).toBeGreaterThanOrEqual(0)
    expect(await again.get()).toBeGreaterThanOrEqual(0)
  })

  it('reset() while parties wait breaks their waits', async () => {
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    const barrier = new Barrier(2)
    const waiting = pool.applyAsync(tasks.barrierOutcome, [barrier, 20_000])
    await until(() => barrier.nWaiting === 1)
    barrier.reset()
    expect(await waiting.get()).toBe('BrokenBarrierError')
    expect(barrier.broken).toBe(false)
  })

  it('validates parties and timeout', () => {
    expect(() => new Barrier(0)).toThrow(/`parties` to be an integer from 1 and up/)
    expect(() => new Barrier(2, { timeout: -1 })).toThrow(RangeError)
  })
})
