/**
 * What the conformance suites (conformance*.test.ts) share: the task module, and small helpers
 * over async iterables and pools.
 */
import { taskModule, type Future, type PoolExecutor } from '@concurrent/executors'
import { range } from '@concurrent/test-utils'
import { vi } from 'vitest'

export { asyncRange, collect, range } from '@concurrent/test-utils'

export const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

/**
 * Inline twins of fixture tasks, for cases that start fresh pools: an inline task needs no
 * module loaded in the new workers (a TypeScript module costs each worker a few hundred ms).
 */
export const inline = {
  add: (a: number, b: number): number => a + b,
  square: (n: number): number => n * n,
  sleepFor: (ms: number): Promise<number> =>
    new Promise((resolve) => setTimeout(() => resolve(ms), ms)),
}

/**
 * Starts `maxWorkers` short tasks at once and waits for them, so every worker of a pool is up
 * before timing-sensitive tests (a worker process takes a while to start).
 */
export async function warmUp(pool: PoolExecutor): Promise<void> {
  await Promise.all(range(pool.maxWorkers).map(() => pool.submit(tasks.sleepFor, 20)))
}

/** Resolves once nothing runs or waits in `pool` (generous bound: workers are real). */
export async function whenIdle(pool: PoolExecutor): Promise<void> {
  await vi.waitFor(
    () => {
      const { running, queued } = pool.stats()
      if (running !== 0 || queued !== 0) throw new Error(`${running} running, ${queued} queued`)
    },
    { timeout: 10_000, interval: 10 },
  )
}

/**
 * Fills every worker (and whatever the executor hands its workers ahead, as CPython's process
 * pool does with `EXTRA_QUEUED_CALLS`) with `sleepFor(ms)` tasks, until one has to wait in the
 * executor's own queue. Tasks submitted next are queued (pending) behind them.
 *
 * @returns the blockers: all running but the last, which is pending.
 */
export function saturate(pool: PoolExecutor, ms: number): Array<Future<number>> {
  const blockers: Array<Future<number>> = []
  do blockers.push(pool.submit(tasks.sleepFor, ms))
  while (blockers.at(-1)?.running() === true && blockers.length < 100)
  return blockers
}

/** Runs for `ms` and reports when it started and ended (wall clock, comparable across workers). */
export const timed = async (ms: number): Promise<[number, number]> => {
  const start = Date.now()
  await new Promise((resolve) => setTimeout(resolve, ms))
  return [start, Date.now()]
}

/** The most intervals `[start, end)` that overlap at any instant. */
export function maxOverlap(intervals: ReadonlyArray<readonly [number, number]>): number {
  let max = 0
  for (const [at] of intervals) {
    const overlapping = intervals.filter(([start, end]) => start <= at && at < end).length
    max = Math.max(max, overlapping)
  }
  return max
}
