/**
 * The conformance suite, continued: CPython's `ExecutorShutdownTest`
 * (Lib/test/test_concurrent_futures/test_shutdown.py) and the shutdown cases of
 * `ThreadPoolExecutorTest`/`ProcessPoolExecutorTest` that hold for every executor. Each case
 * shuts its own executor down, so each has a fresh one (`await using` also cleans up after a
 * failed assertion), running inline tasks so that new workers load no task module.
 */
import {
  CancelledError,
  ShutdownError,
  type Future,
  type PoolExecutor,
} from '@concurrent/executors'
import { executorFactories } from '@concurrent/test-utils'
import { describe, expect, it } from 'vitest'

import { asyncRange, collect, inline, range, tasks } from './conformance-helpers.js'

describe.each(executorFactories)('$name', ({ create }) => {
  it('throws ShutdownError from submit() after shutdown() (test_run_after_shutdown)', async () => {
    await using pool = create({ maxWorkers: 2 })
    await pool.shutdown()
    expect(() => pool.submit(inline.add, 2, 5)).toThrow(ShutdownError)
    expect(() => pool.map(inline.square, [1, 2])).toThrow(ShutdownError)
    expect(() => pool.starmap(inline.add, [[1, 2]])).toThrow(ShutdownError)
    expect(() => pool.stream(tasks.countdown, 1)).toThrow(ShutdownError)
    expect(() => pool.with({ priority: 1 }).submit(inline.add, 1, 1)).toThrow(ShutdownError)
    // An async input is read after the call: the refusal comes from the loop.
    await expect(pool.map(inline.square, asyncRange(2)).next()).rejects.toThrow(ShutdownError)
  })

  it('refuses new tasks as soon as shutdown({ wait: false }) is called', async () => {
    await using pool = create({ maxWorkers: 2 })
    const shutdown = pool.shutdown({ wait: false })
    expect(() => pool.submit(inline.add, 2, 5)).toThrow(ShutdownError)
    await shutdown
  })

  it('waits in shutdown() for running and queued tasks (test_hang_issue12364)', async () => {
    await using pool = create({ maxWorkers: 2 })
    const futures = range(10).map(() => pool.submit(inline.sleepFor, 20))
    await pool.shutdown()
    expect(futures.every((future) => future.done())).toBe(true)
    await expect(Promise.all(futures)).resolves.toEqual(Array<number>(10).fill(20))
    expect(pool.stats()).toMatchObject({ workers: 0, running: 0, queued: 0, completed: 10 })
  })

  it('can be shut down again, and concurrently', async () => {
    await using pool = create({ maxWorkers: 2 })
    const future = pool.submit(inline.sleepFor, 30)
    await Promise.all([
      pool.shutdown(),
      pool.shutdown({ wait: false }),
      pool.shutdown({ cancelFutures: true }),
    ])
    await pool.shutdown()
    await expect(future).resolves.toBe(30)
  })

  it('cancels queued tasks and finishes running ones with cancelFutures (test_cancel_futures)', async () => {
    await using pool = create({ maxWorkers: 2 })
    const futures = range(20).map(() => pool.submit(inline.sleepFor, 50))
    await pool.shutdown({ cancelFutures: true })
    const cancelled = futures.filter((future) => future.cancelled())
    const others = futures.filter((future) => !future.cancelled())
    expect(cancelled.length).toBeGreaterThan(10)
    expect(others.length).toBeGreaterThan(0)
    for (const future of others) {
      expect(future.done()).toBe(true)
      await expect(future.exception()).resolves.toBeUndefined()
    }
    for (const future of cancelled) await expect(future).rejects.toThrow(CancelledError)
    expect(pool.stats()).toMatchObject({ cancelled: cancelled.length, completed: others.length })
  })

  it('shuts down and waits at the end of an `await using` block (test_context_manager_shutdown)', async () => {
    let escaped: PoolExecutor | undefined
    let pending: Future<number> | undefined
    {
      await using pool = create({ maxWorkers: 2 })
      escaped = pool
      const results = await collect(
        pool.map(
          (n: number) => Math.abs(n),
          range(10).map((n) => n - 5),
        ),
      )
      expect(results).toEqual([5, 4, 3, 2, 1, 0, 1, 2, 3, 4])
      pending = pool.submit(inline.sleepFor, 50)
    }
    expect(pending.done()).toBe(true)
    await expect(pending).resolves.toBe(50)
    expect(() => escaped.submit(inline.add, 1, 1)).toThrow(ShutdownError)
    expect(escaped.stats().workers).toBe(0)
  })

  it('returns from shutdown({ wait: false }) at once; queued tasks still complete (test_shutdown_no_wait)', async () => {
    await using pool = create({ maxWorkers: 2 })
    const futures = range(4).map(() => pool.submit(inline.sleepFor, 50))
    await pool.shutdown({ wait: false })
    expect(futures.map((future) => future.done())).toContain(false)
    await expect(Promise.all(futures)).resolves.toEqual([50, 50, 50, 50])
    // The workers go once the queue is done; waiting now only waits for that.
    await pool.shutdown()
    expect(pool.stats().workers).toBe(0)
  })

  it('runs the tasks of a map that is never iterated (test_map_submits_without_iteration, test_shutdown_race_issue12456)', async () => {
    await using pool = create({ maxWorkers: 2 })
    pool.map(inline.square, range(10), { chunksize: 1 })
    await pool.shutdown()
    expect(pool.stats().completed).toBe(10)
  })

  it('reads only buffersize items ahead of an idle consumer (test_map_buffersize_when_buffer_is_full)', async () => {
    await using pool = create({ maxWorkers: 2 })
    const input = range(4)[Symbol.iterator]()
    pool.map(inline.square, input, { buffersize: 2 })
    await pool.shutdown()
    expect(input.next()).toEqual({ done: false, value: 2 })
    expect(pool.stats().completed).toBe(2)
  })

  it('returns from shutdown() when a task was cancelled just before it (test_hang_gh94440)', async () => {
    await using pool = create({ maxWorkers: 1 })
    await expect(pool.submit(inline.add, 0, 0)).resolves.toBe(0)
    pool.submit(inline.add, 1, 1).cancel()
    const blocker = pool.submit(inline.sleepFor, 20)
    expect(pool.submit(inline.add, 2, 2).cancel()).toBe(true)
    await pool.shutdown({ wait: true })
    expect(blocker.done()).toBe(true)
  })

  it('reuses an idle worker rather than starting another (test_idle_thread_reuse)', async () => {
    await using pool = create({ maxWorkers: 2 })
    await expect(pool.submit(inline.add, 21, 21)).resolves.toBe(42)
    await expect(pool.submit(inline.add, 6, 36)).resolves.toBe(42)
    await expect(pool.submit(inline.add, 3, 39)).resolves.toBe(42)
    expect(pool.stats().workers).toBeLessThanOrEqual(1)
  })
})
