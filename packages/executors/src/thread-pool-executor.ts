/**
 * `ThreadPoolExecutor`: tasks run on a pool of worker threads (Node's `worker_threads`
 * runtime), the choice for CPU-bound work in Node, where threads do run in parallel.
 */
import { resolveOptions, type ThreadPoolExecutorOptions } from './options.js'
import { PoolExecutor } from './pool-executor.js'
import { workerPool } from './internal/worker-runner.js'

/**
 * Runs tasks on a pool of worker threads, one task per thread at a time, and hands back
 * futures — Python's `ThreadPoolExecutor`, except that Node's threads run JavaScript truly in
 * parallel, so this is the pool for CPU-bound work.
 *
 * A task is a reference from `taskModule()` (fully typed) or a self-contained function
 * (shipped by source; a closure is rejected at the call site with `InlineTaskError`).
 * Arguments and results are structured-cloned (`transfer()` moves buffers instead).
 *
 * - **Cancel**: `future.cancel()` while queued; `{ interrupt: true }` also stops a running task
 *   — its token flips at once in shared memory, and a task that does not stop within
 *   `gracePeriod` has its thread terminated and replaced.
 * - **Crash**: a thread that exits, throws from a timer or runs out of memory fails only its
 *   task with `WorkerCrashedError` and is replaced (or breaks the pool with
 *   `onWorkerCrash: 'break'`).
 * - **Shutdown**: `await using` or `shutdown()` waits for the queue, then stops the threads.
 *   Idle threads never keep a program alive.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule } from '@concurrent/executors'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 *
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 4 })
 * console.log(await pool.submit(tasks.isPrime, 97)) // true
 * let primes = 0
 * for await (const ok of pool.map(tasks.isPrime, range(1, 100_001), { chunksize: 1000 })) {
 *   if (ok) primes++
 * }
 * ```
 * @category Executors
 */
export class ThreadPoolExecutor extends PoolExecutor {
  /**
   * Creates the pool; threads start on demand, up to `maxWorkers`.
   *
   * @throws TypeError/RangeError for an invalid option, naming it.
   * @throws `InlineTaskError` or `TaskNotFoundError` for a bad `initializer`.
   */
  constructor(options: ThreadPoolExecutorOptions = {}) {
    const resolved = resolveOptions('ThreadPoolExecutor', options)
    super(
      {
        ...resolved,
        name: 'ThreadPoolExecutor',
        runtime: 'thread',
        batch: resolved.maxTasksPerChild === undefined,
      },
      workerPool('ThreadPoolExecutor', 'thread', options, resolved),
    )
  }
}
