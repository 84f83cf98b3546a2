/**
 * The future an executor hands back: a {@link Future} that also carries what the task reports
 * while it runs (`reportProgress` inside the task).
 */
import { Future, type CancelOptions } from '@concurrent/future'
import { reportCallbackError } from '@concurrent/future/internal'

/**
 * Receives each value a running task sends with `reportProgress`.
 *
 * @example
 * ```ts
 * import type { ProgressListener } from '@concurrent/executors'
 *
 * const show: ProgressListener = (value) => console.log('progress:', value)
 * pool.submit(tasks.crunch, items).onProgress(show)
 * ```
 * @category Futures
 */
export type ProgressListener = (value: unknown) => void

/**
 * A {@link Future} returned by the executors in this package, with progress reporting: the
 * task calls `reportProgress(value)` and every listener added here receives `value`.
 * Progress that arrives after the future is done is dropped.
 *
 * @typeParam T - the value the task returns.
 * @example
 * ```ts
 * const future = pool.submit(tasks.crunch, items)
 * future.onProgress((p) => console.log('progress', p))
 * console.log(await future)
 * ```
 * @category Futures
 */
export class TaskFuture<T> extends Future<T> {
  #listeners: Set<ProgressListener> | undefined
  #claim: ((context: unknown) => boolean) | undefined
  #claimContext: unknown

  /**
   * Attempts to cancel the future, as {@link Future.cancel} does. A future handed to a worker
   * in a batch with others stays pending until the worker starts it, and cancelling it then
   * takes it back from the worker.
   *
   * @returns `true` if the future is now cancelled; `false` if it is running (and cannot be
   * interrupted) or already finished.
   * @example
   * ```ts
   * const future = pool.submit(tasks.slow)
   * future.cancel() // true while it waits
   * ```
   */
  override cancel(options?: CancelOptions): boolean {
    const claim = this.#claim
    if (claim !== undefined && this.state === 'pending') {
      this.#claim = undefined
      // The worker started it first: it is running, and only an interrupt can stop it.
      if (!claim(this.#claimContext)) this.setRunningOrNotifyCancel()
    }
    return super.cancel(options)
  }

  /**
   * For executor authors: while the future is pending in a worker's batch, `claim(context)`
   * takes it back before the worker starts it, returning `false` if the worker already has.
   * (One `claim` function serves every future; `context` tells them apart.)
   *
   * @internal
   */
  setClaim(claim: ((context: unknown) => boolean) | undefined, context?: unknown): void {
    this.#claim = claim
    this.#claimContext = context
  }

  /**
   * Calls `listener` with each progress value the task reports from now on. A listener that
   * throws is reported as a process warning and does not affect the task.
   *
   * @returns a function that removes the listener.
   */
  onProgress(listener: ProgressListener): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`Expected \`listener\` to be a function, got ${typeof listener}`)
    }
    if (this.done()) return () => undefined
    if (this.#listeners === undefined) {
      this.#listeners = new Set()
      this.addDoneCallback(() => (this.#listeners = undefined))
    }
    const entry: ProgressListener = (value) => listener(value)
    this.#listeners.add(entry)
    return () => {
      this.#listeners?.delete(entry)
    }
  }

  /**
   * For executor authors: hands a progress value to the listeners.
   *
   * @internal
   */
  emitProgress(value: unknown): void {
    if (this.done() || this.#listeners === undefined) return
    for (const listener of this.#listeners) {
      try {
        listener(value)
      } catch (error) {
        reportCallbackError(error, 'a progress listener')
      }
    }
  }
}
