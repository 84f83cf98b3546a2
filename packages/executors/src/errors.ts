/**
 * Thrown by `submit` when the executor's queue already holds `maxQueue` tasks waiting for a
 * worker: the caller is producing work faster than the pool can run it. Wait for some futures
 * (or use `map` with a `buffersize`) and submit again.
 *
 * @example
 * ```ts
 * import { QueueFullError, ThreadPoolExecutor } from '@concurrent/executors'
 *
 * const pool = new ThreadPoolExecutor({ maxQueue: 100 })
 * try {
 *   pool.submit(tasks.work, item)
 * } catch (error) {
 *   if (error instanceof QueueFullError) await waitForRoom()
 * }
 * ```
 * @category Errors
 */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError'
  /** The executor's `maxQueue`. */
  readonly maxQueue: number

  /**
   * @param maxQueue - the limit that was reached.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(maxQueue: number, options?: ErrorOptions) {
    super(
      `the executor's queue is full (maxQueue ${maxQueue}): wait for running tasks to finish, or use map() with a buffersize`,
      options,
    )
    this.maxQueue = maxQueue
  }
}
