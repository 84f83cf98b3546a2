/**
 * The future an executor hands back: a {@link Future} that also carries what the task reports
 * while it runs (`reportProgress` inside the task).
 */
import { Future } from '@concurrent/future'
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
