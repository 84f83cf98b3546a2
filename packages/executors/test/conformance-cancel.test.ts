/**
 * The conformance suite, continued: a future's life in an executor (CPython's test_future
 * cancel cases, run through real executors), how many tasks run at once (`test_saturation`),
 * and the per-task options of `with()` — priority, signal and timeout — and `stats()`.
 *
 * Interrupts here are cooperative (the task listens to its signal); a task that ignores its
 * interrupt is failures.test.ts's business.
 */
import {
  CancelledError,
  TimeoutError,
  type ExecutorStats,
  type Future,
  type PoolExecutor,
} from '@concurrent/executors'
import { executorFactories } from '@concurrent/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  collect,
  maxOverlap,
  saturate,
  tasks,
  timed,
  warmUp,
  whenIdle,
} from './conformance-helpers.js'

describe.each(executorFactories)('$name', ({ create }) => {
  let pool: PoolExecutor
  const delta = (before: ExecutorStats) => {
    const now = pool.stats()
    return {
      completed: now.completed - before.completed,
      failed: now.failed - before.failed,
      cancelled: now.cancelled - before.cancelled,
    }
  }

  beforeAll(async () => {
    // Interrupts here must be heard by the tasks: a lost one would leave its task running for
    // the whole grace period, and `whenIdle` would time out first.
    pool = create({ maxWorkers: 2, gracePeriod: 20_000 })
    await warmUp(pool)
  })

  afterAll(async () => {
    await pool.shutdown()
  })

  describe('a future', () => {
    it('is pending while queued, running while its task runs, then finished', async () => {
      const running = pool.submit(tasks.sleepFor, 60)
      expect(running.state).toBe('running')
      const blockers = saturate(pool, 60)
      const queued = pool.submit(tasks.square, 3)
      expect(queued.state).toBe('pending')
      expect(queued.running()).toBe(false)
      await expect(queued).resolves.toBe(9)
      expect(queued.state).toBe('finished')
      await Promise.all([running, ...blockers])
    })

    it('cancel() returns true while it is queued, and the task never runs (test_cancel)', async () => {
      const before = pool.stats()
      const blockers = saturate(pool, 60)
      const queued = pool.submit(tasks.sleepFor, 10)
      expect(queued.state).toBe('pending')
      const { queued: waiting } = pool.stats()
      expect(queued.cancel()).toBe(true)
      expect(queued.cancelled()).toBe(true)
      expect(queued.done()).toBe(true)
      expect(queued.cancel()).toBe(true)
      expect(pool.stats().queued).toBe(waiting - 1)
      await expect(queued).rejects.toThrow(CancelledError)
      await Promise.all(blockers)
      await whenIdle(pool)
      expect(delta(before)).toEqual({ completed: blockers.length, failed: 0, cancelled: 1 })
    })

    it('cancel() returns false once it is running (Python semantics)', async () => {
      const running = pool.submit(tasks.sleepFor, 50)
      expect(running.running()).toBe(true)
      expect(running.cancel()).toBe(false)
      expect(running.running()).toBe(true)
      expect(running.cancelled()).toBe(false)
      await expect(running).resolves.toBe(50)
    })

    it('cancel({ interrupt: true }) stops running cooperative tasks, even just submitted', async () => {
      // More than the workers can start at once, interrupted before any can have begun.
      const futures = Array.from({ length: 6 }, () => pool.submit(tasks.waitForCancel))
      const running = futures.filter((future) => future.running())
      expect(running.length).toBeGreaterThanOrEqual(2)
      for (const future of futures) expect(future.cancel({ interrupt: true })).toBe(true)
      for (const future of futures) await expect(future).rejects.toThrow(CancelledError)
      await whenIdle(pool)
      await expect(pool.submit(tasks.add, 4, 5)).resolves.toBe(9)
    })

    it('cancel() returns false once it is finished', async () => {
      const finished = pool.submit(tasks.add, 1, 2)
      await expect(finished).resolves.toBe(3)
      expect(finished.cancel()).toBe(false)
      expect(finished.state).toBe('finished')
      await expect(finished.result()).resolves.toBe(3)
    })
  })

  describe('maxWorkers', () => {
    it('bounds how many tasks run at once (test_saturation)', async () => {
      const futures = Array.from({ length: 10 }, () => pool.submit(timed, 40))
      expect(pool.stats()).toMatchObject({ running: 2, queued: 8 })
      let maxRunning = 0
      let maxWorkers = 0
      const all = Promise.all(futures)
      let settled = false
      void all.finally(() => (settled = true))
      while (!settled) {
        const { running, workers } = pool.stats()
        maxRunning = Math.max(maxRunning, running)
        maxWorkers = Math.max(maxWorkers, workers)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      // When each task really ran, by the clock inside it: never more than two at once, and
      // both workers were used.
      expect(maxOverlap(await all)).toBe(2)
      expect(maxRunning).toBeLessThanOrEqual(2)
      expect(maxWorkers).toBeLessThanOrEqual(2)
    })
  })

  describe('with({ signal })', () => {
    it("rejects a queued task with the signal's reason, and it never runs", async () => {
      const before = pool.stats()
      const blockers = saturate(pool, 60)
      const controller = new AbortController()
      const reason = new Error('no longer needed')
      const queued = pool.with({ signal: controller.signal }).submit(tasks.square, 4)
      expect(queued.state).toBe('pending')
      const { queued: waiting } = pool.stats()
      controller.abort(reason)
      await expect(queued).rejects.toBe(reason)
      expect(pool.stats().queued).toBe(waiting - 1)
      await Promise.all(blockers)
      await whenIdle(pool)
      expect(delta(before)).toEqual({ completed: blockers.length, failed: 1, cancelled: 0 })
    })

    it("rejects a running task with the signal's reason and interrupts it", async () => {
      const controller = new AbortController()
      const reason = new Error('stop now')
      const running = pool.with({ signal: controller.signal }).submit(tasks.waitForCancel)
      expect(running.running()).toBe(true)
      controller.abort(reason)
      await expect(running).rejects.toBe(reason)
      // The task heard its own signal and stopped: the worker is free again.
      await whenIdle(pool)
      await expect(pool.submit(tasks.add, 2, 3)).resolves.toBe(5)
    })

    it('rejects at once with the reason of a signal that is already aborted', async () => {
      const reason = new Error('too late')
      const future = pool.with({ signal: AbortSignal.abort(reason) }).submit(tasks.square, 5)
      expect(future.done()).toBe(true)
      await expect(future).rejects.toBe(reason)
      expect(pool.stats()).toMatchObject({ running: 0, queued: 0 })
    })

    it("stops a map with the signal's reason (map's own signal option)", async () => {
      const controller = new AbortController()
      const reason = new Error('map aborted')
      const results = pool.map(tasks.sleepFor, Array<number>(6).fill(30), {
        signal: controller.signal,
        chunksize: 1,
      })
      await expect(results.next()).resolves.toEqual({ done: false, value: 30 })
      controller.abort(reason)
      await expect(results.next()).rejects.toBe(reason)
      await whenIdle(pool)
    })
  })

  describe('with({ timeout })', () => {
    it('rejects with TimeoutError when the task runs longer, and interrupts it', async () => {
      const slow = pool.with({ timeout: 100 }).submit(tasks.waitForCancel)
      await expect(slow).rejects.toThrow(TimeoutError)
      await whenIdle(pool)
      await expect(pool.submit(tasks.add, 3, 4)).resolves.toBe(7)
    })

    it('counts from when the task starts, not while it waits in the queue', async () => {
      const blockers = saturate(pool, 300)
      // Queued for 300 ms or more, longer than its timeout, then runs for 10 ms.
      const queued = pool.with({ timeout: 250 }).submit(tasks.sleepFor, 10)
      await expect(queued).resolves.toBe(10)
      await Promise.all(blockers)
    })

    it('applies to every task of a map through a view', async () => {
      const view = pool.with({ timeout: 10_000 })
      await expect(collect(view.map(tasks.square, [1, 2, 3]))).resolves.toEqual([1, 4, 9])
    })
  })

  describe('with({ priority })', () => {
    let single: PoolExecutor

    beforeAll(async () => {
      single = create({ maxWorkers: 1 })
      await warmUp(single)
    })

    afterAll(async () => {
      await single.shutdown()
    })

    it('runs higher priority queued tasks first, equal priorities in submission order', async () => {
      const order: string[] = []
      const track = (label: string, future: Future<unknown>): Future<unknown> => {
        future.addDoneCallback(() => order.push(label))
        return future
      }
      const blockers = saturate(single, 50)
      const futures = [
        ...blockers,
        track('a', single.submit(tasks.square, 1)),
        track('b', single.with({ priority: 0 }).submit(tasks.square, 2)),
        track('low', single.with({ priority: -1 }).submit(tasks.square, 3)),
        track('high', single.with({ priority: 10 }).submit(tasks.square, 4)),
        track('mid', single.with({ priority: 5 }).submit(tasks.square, 5)),
        track('high 2', single.with({ priority: 10 }).submit(tasks.square, 6)),
      ]
      await Promise.all(futures)
      expect(order).toEqual(['high', 'high 2', 'mid', 'a', 'b', 'low'])
    })
  })

  describe('stats()', () => {
    it('counts completed, failed, cancelled, queued, running and workers', async () => {
      const before = pool.stats()
      const blockers = saturate(pool, 60)
      // Every blocker is running but the last, which waits in the queue.
      const running = blockers.length - 1
      expect(pool.stats()).toMatchObject({ running, queued: 1 })
      const queued = pool.submit(tasks.square, 3)
      const failing = pool.submit(tasks.fail, 'counted')
      expect(pool.stats()).toMatchObject({ running, queued: 3 })
      queued.cancel()
      expect(pool.stats()).toMatchObject({ running, queued: 2 })
      await expect(failing).rejects.toThrow('counted')
      await Promise.all(blockers)
      await whenIdle(pool)
      expect(delta(before)).toEqual({ completed: blockers.length, failed: 1, cancelled: 1 })
      const after = pool.stats()
      expect(after).toMatchObject({ running: 0, queued: 0 })
      expect(after.workers).toBeLessThanOrEqual(2)
      expect(after.idle).toBe(after.workers)
      expect(after.utilization).toBeGreaterThan(0)
      expect(after.utilization).toBeLessThanOrEqual(1)
    })
  })
})
