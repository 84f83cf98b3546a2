/**
 * A task's job was lost with its worker too many times: every worker that took it stopped
 * renewing its lock (killed, crashed, cut off from Redis) and BullMQ's stalled-job check put
 * it back in the queue, until the job passed the workers' stall limit (`maxStalledCount`) and
 * BullMQ failed it. The task may have run, in part or in full, on each of those workers.
 *
 * @example
 * ```ts
 * import { ClusterExecutor, WorkerLostError } from '@concurrent/distributed'
 *
 * await using cluster = new ClusterExecutor({ connection: 'redis://127.0.0.1:6379' })
 * try {
 *   await cluster.submit(tasks.render, scene)
 * } catch (error) {
 *   if (error instanceof WorkerLostError) console.error(`job ${error.jobId} lost its workers`)
 * }
 * ```
 * @category Errors
 */
export class WorkerLostError extends Error {
  override readonly name = 'WorkerLostError'
  /** The BullMQ job that carried the task. */
  readonly jobId: string
  /** How many times a worker started the job, this last failed start included. */
  readonly attemptsStarted: number

  /**
   * @param message - what was lost, and what to look at.
   * @param details - the job's id and how many times it was started.
   * @param options - `cause` carries BullMQ's own reason.
   */
  constructor(
    message: string,
    details: { jobId: string; attemptsStarted: number },
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.jobId = details.jobId
    this.attemptsStarted = details.attemptsStarted
  }
}

/**
 * A task's job left the queue without an outcome from the task: somebody removed it (`Queue.remove`,
 * `obliterate`, `drain`), Redis lost it (restarted without persistence, evicted under
 * `maxmemory`), or BullMQ itself failed it for a reason of its own (`reason` says which).
 *
 * @example
 * ```ts
 * import { JobLostError } from '@concurrent/distributed'
 *
 * try {
 *   await cluster.submit(tasks.render, scene)
 * } catch (error) {
 *   if (error instanceof JobLostError) console.error(`job ${error.jobId}: ${error.reason}`)
 * }
 * ```
 * @category Errors
 */
export class JobLostError extends Error {
  override readonly name = 'JobLostError'
  /** The BullMQ job that carried the task. */
  readonly jobId: string
  /** What happened to it: `'removed'`, `'missing'`, or BullMQ's `failedReason`. */
  readonly reason: string

  /**
   * @param message - what happened, and what to look at.
   * @param details - the job's id and the reason.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message: string, details: { jobId: string; reason: string }, options?: ErrorOptions) {
    super(message, options)
    this.jobId = details.jobId
    this.reason = details.reason
  }
}
