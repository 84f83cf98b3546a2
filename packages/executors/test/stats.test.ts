/**
 * The latency histograms of `stats()`: `waitTime` (submit → handed to a worker) and `runTime`
 * (the task's own run), in milliseconds, and `resetHistograms`.
 */
import { describe, expect, it } from 'vitest'
import { executorFactories } from '@concurrent/test-utils'
import {
  taskModule,
  WorkerCrashedError,
  type LatencyHistogram,
  type PoolExecutor,
} from '@concurrent/executors'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

const empty: LatencyHistogram = { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 }

/** The ordering every histogram keeps. */
function expectOrdered(h: LatencyHistogram): void {
  expect(h.min).toBeLessThanOrEqual(h.p50)
  expect(h.p50).toBeLessThanOrEqual(h.p90)
  expect(h.p90).toBeLessThanOrEqual(h.p99)
  expect(h.p99).toBeLessThanOrEqual(h.max)
  expect(h.mean).toBeGreaterThanOrEqual(h.min)
  expect(h.mean).toBeLessThanOrEqual(h.max)
}

describe.each(executorFactories)('$name stats() histograms', ({ create }) => {
  it('starts with empty waitTime and runTime histograms', async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    expect(pool.stats()).toMatchObject({ waitTime: empty, runTime: empty })
  })

  it('counts one sample per task, in milliseconds, run time at least what the task slept', async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    // One worker: the second and third tasks wait behind the first (at least its 30 ms).
    await Promise.all([
      pool.submit(tasks.sleepFor, 30),
      pool.submit(tasks.sleepFor, 30),
      pool.submit(tasks.sleepFor, 30),
    ])
    const { waitTime, runTime } = pool.stats()
    expect(waitTime.count).toBe(3)
    expect(runTime.count).toBe(3)
    expectOrdered(waitTime)
    expectOrdered(runTime)
    // Lower bounds only: a timer never fires early, however loaded the machine is.
    expect(runTime.min).toBeGreaterThanOrEqual(25)
    expect(waitTime.max).toBeGreaterThanOrEqual(25)
    expect(waitTime.min).toBeGreaterThanOrEqual(0)
  })

  it('counts a task that threw, and none for a task cancelled while queued', async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const blocker = pool.submit(tasks.sleepFor, 50)
    const cancelled = pool.submit(tasks.add, 1, 1)
    expect(cancelled.cancel()).toBe(true)
    await expect(pool.submit(tasks.fail, 'x')).rejects.toBeInstanceOf(TypeError)
    await blocker
    expect(pool.stats()).toMatchObject({
      waitTime: { count: 2 },
      runTime: { count: 2 },
      completed: 1,
      failed: 1,
      cancelled: 1,
    })
  })

  it('resets the histograms after the snapshot with resetHistograms, and never the counters', async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 2 })
    await Promise.all([pool.submit(tasks.add, 1, 2), pool.submit(tasks.add, 3, 4)])
    const before = pool.stats({ resetHistograms: true })
    expect(before.waitTime.count).toBe(2)
    expect(before.runTime.count).toBe(2)
    const after = pool.stats()
    expect(after).toMatchObject({ waitTime: empty, runTime: empty, completed: 2 })
    await pool.submit(tasks.add, 5, 6)
    expect(pool.stats()).toMatchObject({
      waitTime: { count: 1 },
      runTime: { count: 1 },
      completed: 3,
    })
  })

  it('rejects stats() options that are not what they should be, naming them', async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    expect(() => pool.stats({ resetHistograms: 'yes' as unknown as boolean })).toThrow(
      /Expected `resetHistograms` to be a boolean, got `'yes'` \(string\)/,
    )
    expect(() => pool.stats(null as unknown as object)).toThrow(TypeError)
  })
})

describe.each(executorFactories.filter((f) => f.isolated))(
  '$name runTime of a crash',
  ({ create }) => {
    it('counts the run of a task whose worker crashed', async () => {
      await using pool: PoolExecutor = create({ maxWorkers: 1 })
      await expect(pool.submit(tasks.exitWorker, 3)).rejects.toBeInstanceOf(WorkerCrashedError)
      expect(pool.stats()).toMatchObject({ waitTime: { count: 1 }, runTime: { count: 1 } })
    })
  },
)
