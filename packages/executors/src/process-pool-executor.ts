/**
 * `ProcessPoolExecutor`: tasks run in a pool of child processes (Node's `child_process`
 * runtime), for work that needs full isolation: native code that may crash, memory that must
 * be returned to the system, or a separate heap per worker.
 */
import { resolveOptions, type ProcessPoolExecutorOptions } from './options.js'
import { PoolExecutor } from './pool-executor.js'
import { workerPool } from './internal/worker-runner.js'

/**
 * Runs tasks in a pool of child processes and hands back futures — Python's
 * `ProcessPoolExecutor`. Each task runs in its own process's heap; arguments and results are
 * copied over the IPC channel with structured clone (`transfer()` degrades to a copy).
 *
 * - **Cancel**: `future.cancel()` while queued; `{ interrupt: true }` sends a cancel message
 *   (seen by async tasks, and by synchronous ones when they next yield); a task that does not
 *   stop within `gracePeriod` has its process terminated and replaced.
 * - **Crash**: a process that exits, is killed (`SIGKILL`) or throws from a timer fails only
 *   its task with `WorkerCrashedError` (carrying exit code, signal and the uncaught error as
 *   `cause`) and is replaced — unless `onWorkerCrash: 'break'`.
 * - **Shutdown**: `await using` or `shutdown()` waits for the queue, then stops the processes.
 *   Worker processes never outlive the program: they exit when it exits.
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor, taskModule } from '@concurrent/executors'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 *
 * await using pool = new ProcessPoolExecutor({ maxWorkers: 2 })
 * for await (const total of pool.map(tasks.sumOfSquareRoots, [1e7, 2e7, 3e7])) {
 *   console.log(total)
 * }
 * ```
 * @category Executors
 */
export class ProcessPoolExecutor extends PoolExecutor {
  /**
   * Creates the pool; processes start on demand, up to `maxWorkers`.
   *
   * @throws TypeError/RangeError for an invalid option, naming it.
   * @throws `InlineTaskError` or `TaskNotFoundError` for a bad `initializer`.
   */
  constructor(options: ProcessPoolExecutorOptions = {}) {
    const resolved = resolveOptions('ProcessPoolExecutor', options)
    super(
      {
        ...resolved,
        name: 'ProcessPoolExecutor',
        runtime: 'process',
        batch: resolved.maxTasksPerChild === undefined,
      },
      workerPool('ProcessPoolExecutor', 'process', options, resolved),
    )
  }
}
