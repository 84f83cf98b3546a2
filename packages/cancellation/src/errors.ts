/**
 * Raised when a future, a task or a wait is cancelled by this library's own cancellation path
 * (`future.cancel()`, `token.cancel()`, an executor shutting down with `cancelFutures`).
 *
 * A user's `AbortSignal` rejects with its own `signal.reason`, not with this class, so a
 * caller can tell "I aborted it" from "the library cancelled it". The reason a cancellation was
 * requested, when one was given, travels as `cause`.
 *
 * @example
 * ```ts
 * import { CancelledError } from '@concurrent/cancellation'
 *
 * try {
 *   await future
 * } catch (error) {
 *   if (error instanceof CancelledError) console.log('cancelled:', error.cause)
 * }
 * ```
 * @category Errors
 */
export class CancelledError extends Error {
  override readonly name = 'CancelledError'

  /**
   * @param message - what was cancelled.
   * @param options - `cause` carries the reason the cancellation was requested.
   */
  constructor(message = 'the operation was cancelled', options?: ErrorOptions) {
    super(message, options)
  }
}

// Marked with its id under a global symbol: the worker's error codec recognises a
// CancelledError made by any copy of this module (see `@concurrent/worker`'s class registry).
Object.defineProperty(CancelledError, Symbol.for('concurrent.classId'), { value: 'CancelledError' })
