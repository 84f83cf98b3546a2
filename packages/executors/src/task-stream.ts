/**
 * What `stream()` returns: the values a streaming task yields, as an async iterable, plus the
 * task's future. Values are buffered from the moment they arrive until the loop takes them.
 */
import type { TaskFuture } from './task-future.js'

/**
 * The values a streaming (async generator) task yields, in order, while it runs; iterate with
 * `for await`. The loop ends when the task returns, and throws the task's error if it fails.
 * Leaving the loop early interrupts the task. Iterate it once.
 *
 * @typeParam Y - the type of the yielded values.
 * @typeParam R - the generator's return value, which {@link TaskStream.future} settles with.
 * @example
 * ```ts
 * const stream = pool.stream(tasks.countdown, 3)
 * for await (const n of stream) console.log(n) // 3, 2, 1
 * console.log(await stream.future) // the generator's return value
 * ```
 * @category Executors
 */
export class TaskStream<Y, R = unknown> implements AsyncIterableIterator<Y, undefined> {
  #future: TaskFuture<R> | undefined
  readonly #buffer: Y[] = []
  #wake: (() => void) | undefined
  #finished = false

  /** The task's future: settles with the generator's return value, or its error. */
  get future(): TaskFuture<R> {
    if (this.#future === undefined) throw new Error('TaskStream has no task yet')
    return this.#future
  }

  /** @internal */
  attach(future: TaskFuture<R>): void {
    this.#future = future
    future.addDoneCallback(() => this.#wakeUp())
  }

  /** @internal */
  push(value: Y): void {
    if (this.#finished) return
    this.#buffer.push(value)
    this.#wakeUp()
  }

  /** Returns this stream: it is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this
  }

  /**
   * The next yielded value.
   *
   * @returns a promise for the next value, or `done` once the task has returned.
   * @throws the task's error (or `CancelledError`) once the values before it are taken.
   */
  async next(): Promise<IteratorResult<Y, undefined>> {
    for (;;) {
      if (this.#buffer.length > 0) return { done: false, value: this.#buffer.shift() as Y }
      const future = this.future
      if (future.done() || this.#finished) {
        this.#finished = true
        if (future.outcome?.status === 'rejected') throw future.outcome.reason
        return { done: true, value: undefined }
      }
      await new Promise<void>((resolve) => (this.#wake = resolve))
    }
  }

  /**
   * Stops iterating: interrupts the task if it is still running and drops buffered values.
   *
   * @returns a promise for `done`.
   */
  return(): Promise<IteratorResult<Y, undefined>> {
    this.#finished = true
    this.#buffer.length = 0
    this.#future?.cancel({ interrupt: true })
    return Promise.resolve({ done: true, value: undefined })
  }

  #wakeUp(): void {
    this.#wake?.()
    this.#wake = undefined
  }
}
