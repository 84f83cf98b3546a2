/** Where a class's id for the worker's class registry is kept (see `@concurrent/worker`). */
const classId = Symbol.for('concurrent.classId')

/**
 * Raised when a wait for a future (or for `map`, `asCompleted`, a task's own deadline) runs out
 * of time. Waiting with a timeout never changes the future itself: it keeps running.
 *
 * @example
 * ```ts
 * import { TimeoutError } from '@concurrent/future'
 *
 * try {
 *   await future.result({ timeout: 1_000 })
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.log('still running; try again later')
 * }
 * ```
 * @category Errors
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError'

  /**
   * @param message - what timed out.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message = 'the operation timed out', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * Raised when an operation is not valid in a future's current state, such as setting the
 * result of a future that is already done (Python's `InvalidStateError`).
 *
 * @example
 * ```ts
 * import { Future, InvalidStateError } from '@concurrent/future'
 *
 * const future = new Future<number>()
 * future.setResult(1)
 * try {
 *   future.setResult(2)
 * } catch (error) {
 *   console.log(error instanceof InvalidStateError) // true
 * }
 * ```
 * @category Errors
 */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError'

  /**
   * @param message - the operation and the state that forbids it.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message = 'invalid state for this operation', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * Thrown by `submit` and `map` on an executor that is shutting down or shut down.
 *
 * @example
 * ```ts
 * import { ShutdownError } from '@concurrent/future'
 *
 * await pool.shutdown()
 * try {
 *   pool.submit(task)
 * } catch (error) {
 *   console.log(error instanceof ShutdownError) // true
 * }
 * ```
 * @category Errors
 */
export class ShutdownError extends Error {
  override readonly name = 'ShutdownError'

  /**
   * @param message - what was refused.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message = 'cannot submit after shutdown', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * Raised for every pending and new task once an executor can no longer run work: its
 * `initializer` failed, or a worker died while the executor was created with
 * `onWorkerCrash: 'break'` (Python's `BrokenExecutor` / `BrokenProcessPool`). The first
 * failure travels as `cause`.
 *
 * @example
 * ```ts
 * import { BrokenExecutorError } from '@concurrent/future'
 *
 * try {
 *   await future
 * } catch (error) {
 *   if (error instanceof BrokenExecutorError) console.error('pool is broken:', error.cause)
 * }
 * ```
 * @category Errors
 */
export class BrokenExecutorError extends Error {
  override readonly name = 'BrokenExecutorError'

  /**
   * @param message - why the executor is broken.
   * @param options - `cause` carries the failure that broke it.
   */
  constructor(
    message = 'the executor is broken and can no longer run tasks',
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/**
 * What a {@link WorkerCrashedError} knows about the worker that died.
 *
 * @example
 * ```ts
 * import { WorkerCrashedError } from '@concurrent/future'
 *
 * const error = new WorkerCrashedError('worker 3 was killed', { exitCode: null, signal: 'SIGKILL', workerId: 3 })
 * console.log(error.signal) // 'SIGKILL'
 * ```
 */
export interface WorkerCrashDetails {
  /** The worker's exit code, or `null` when it was killed by a signal or none is known. */
  readonly exitCode?: number | null | undefined
  /**
   * The signal that killed a worker process (`'SIGKILL'`), or `null`. Typed as any `SIG…` name
   * rather than `NodeJS.Signals`, so these declarations need no `@types/node`.
   */
  readonly signal?: `SIG${string}` | null | undefined
  /** The executor's id for the worker (stable for the worker's life, unique in the pool). */
  readonly workerId?: number | undefined
}

/**
 * The worker running a task exited or was killed before the task finished: `process.exit()`
 * in the task, an uncaught error in a timer, running out of memory under `resourceLimits`, or
 * a `SIGKILL`. Only the task that worker was running fails; the pool replaces the worker and
 * goes on (unless it was created with `onWorkerCrash: 'break'`).
 *
 * @example
 * ```ts
 * import { WorkerCrashedError } from '@concurrent/future'
 *
 * try {
 *   await future
 * } catch (error) {
 *   if (error instanceof WorkerCrashedError) console.log(error.exitCode, error.signal)
 * }
 * ```
 * @category Errors
 */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError'
  /** The worker's exit code, or `null` when it was killed by a signal or none is known. */
  readonly exitCode: number | null
  /** The signal that killed a worker process (`'SIGKILL'`), or `null`. */
  readonly signal: `SIG${string}` | null
  /** The executor's id for the worker that crashed, when known. */
  readonly workerId: number | undefined

  /**
   * @param message - what happened to the worker.
   * @param details - exit code, signal and worker id.
   * @param options - `cause` carries the worker's own error when it reported one.
   */
  constructor(
    message = 'the worker running this task crashed',
    details: WorkerCrashDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.exitCode = details.exitCode ?? null
    this.signal = details.signal ?? null
    this.workerId = details.workerId
  }
}

// Each class is marked with its id under a global symbol: the worker's error codec recognises
// an error made by any copy of this module (a bundled worker entry beside `node_modules`).
for (const [ctor, id] of [
  [TimeoutError, 'TimeoutError'],
  [InvalidStateError, 'InvalidStateError'],
  [ShutdownError, 'ShutdownError'],
  [BrokenExecutorError, 'BrokenExecutorError'],
  [WorkerCrashedError, 'WorkerCrashedError'],
] as const) {
  if (!Object.hasOwn(ctor, classId)) Object.defineProperty(ctor, classId, { value: id })
}
