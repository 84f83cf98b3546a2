/**
 * Cancelling a task that is already running, three ways, on a one-worker pool so that we can
 * see whether the worker survives:
 *
 * 1. cooperative, by token: a CPU-bound loop polls `currentToken()`; `future.cancel()` says no
 *    (Python's rule: a running future cannot be cancelled), `cancel({ interrupt: true })` stops
 *    it, and the same worker runs the next task;
 * 2. cooperative, by signal: an async task passes `currentSignal()` to what it awaits; an
 *    `AbortSignal` given through `pool.with({ signal })` stops it, and so does a per-task
 *    `timeout`;
 * 3. forced: a task that ignores both is stopped by terminating its worker once `gracePeriod`
 *    has passed; a new worker takes its place.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { ThreadPoolExecutor, taskModule, type Future, type TaskFuture } from '@concurrent/executors'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

await using pool = new ThreadPoolExecutor({ maxWorkers: 1, gracePeriod: 200 })

/** Resolves once a future from `pool.with(…)` (a plain `Future`) is running. */
async function running(future: Future<unknown>): Promise<void> {
  while (!future.running() && !future.done()) await sleep(5)
}

/** Resolves once the task has reported that it is running. */
function started(future: TaskFuture<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const remove = future.onProgress(() => {
      remove()
      resolve()
    })
  })
}

/** What the future settled with, as one line. */
async function outcome(future: PromiseLike<unknown>): Promise<string> {
  try {
    return `finished with ${String(await future)}`
  } catch (error) {
    return `rejected with ${(error as Error).name}: ${(error as Error).message}`
  }
}

const firstWorker = await pool.submit(tasks.workerId)

console.log('1. Cooperative, by token')
const counting = pool.submit(tasks.countPrimes, Number.MAX_SAFE_INTEGER)
await started(counting)
console.log(`   cancel() while running returns ${counting.cancel()} (state: ${counting.state})`)
console.log(`   cancel({ interrupt: true }) returns ${counting.cancel({ interrupt: true })}`)
console.log(`   the future ${await outcome(counting)}`)
console.log(
  `   the next task ran on the same worker: ${(await pool.submit(tasks.workerId)) === firstWorker}`,
)

console.log('2. Cooperative, by signal')
const controller = new AbortController()
const call = pool.with({ signal: controller.signal }).submit(tasks.slowCall, 60_000)
await running(call)
controller.abort(new Error('the user clicked Stop'))
console.log(`   after abort(reason), the future ${await outcome(call)}`)
const timed = pool.with({ timeout: 100 }).submit(tasks.slowCall, 60_000)
console.log(`   with a timeout of 100 ms, the future ${await outcome(timed)}`)
console.log(
  `   the next task ran on the same worker: ${(await pool.submit(tasks.workerId)) === firstWorker}`,
)

console.log('3. Forced, after the grace period')
const spinning = pool.submit(tasks.spin, 60_000)
await started(spinning)
spinning.cancel({ interrupt: true })
console.log(`   at once, the future ${await outcome(spinning)}`)
const replacement = await pool.submit(tasks.workerId)
console.log(
  `   200 ms later its worker was terminated; a new one ran the next task: ${replacement !== firstWorker}`,
)
const { workers, completed, failed, cancelled } = pool.stats()
console.log(`   stats: ${JSON.stringify({ workers, completed, failed, cancelled })}`)
