/**
 * `asCompleted`: the futures of a batch, handed out one by one as they finish
 * (CPython's `concurrent.futures.as_completed`).
 *
 * It subscribes a done callback to each pending future when iteration starts and removes every
 * callback it added when the loop ends, however it ends (`break`, throw, timeout), so waiting
 * never leaks listeners onto long-lived futures. It never polls.
 */
import { checkSignal, checkTimeout, TimeoutError, type Future } from '@concurrent/future'

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions {
  /**
   * Milliseconds, counted from the call, within which every future must finish. When it
   * passes, the loop throws `TimeoutError`; the futures themselves are left alone.
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
  /**
   * Stops the loop, throwing `signal.reason`, when it aborts; the futures are left alone.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * What {@link asCompleted} returns: an async iterable of futures.
 *
 * It is its own interface, not `AsyncIterable<Future<T>>`, because TypeScript types a
 * `for await` loop over the global `AsyncIterable<PromiseLike<T>>` as if each element were
 * awaited (to `T`), while at run time the loop hands out the futures themselves.
 *
 * @category Waiting
 */
export interface FutureIterable<T> {
  /** Starts a fresh pass over the futures; callbacks are added now and removed when it ends. */
  [Symbol.asyncIterator](): AsyncIterator<Future<T>, undefined>
}

/**
 * Yields each future as it finishes (or is cancelled): the ones already done first, in input
 * order, then the others in completion order. A future given twice is yielded once.
 *
 * The loop variable is the Future itself, not its value: call `done.result()` (or `await done`)
 * to get the value or the error. Leaving the loop early removes every callback it added.
 *
 * @returns an async iterable of the futures, in completion order.
 * @throws `TimeoutError` (from the loop) when `timeout` passes with futures unfinished.
 * @throws `signal.reason` (from the loop) when `signal` aborts.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, asCompleted } from '@concurrent/executors'
 *
 * const futures = urls.map((url) => pool.submit(tasks.download, url))
 * for await (const done of asCompleted(futures, { timeout: 5_000 })) {
 *   console.log(await done.result())
 * }
 * ```
 * @category Waiting
 */
export function asCompleted<T>(
  futures: Iterable<Future<T>>,
  options: AsCompletedOptions = {},
): FutureIterable<T> {
  checkTimeout(options.timeout)
  checkSignal(options.signal)
  const unique = [...new Set(futures)]
  const deadline =
    options.timeout === undefined || options.timeout === Infinity
      ? undefined
      : Date.now() + options.timeout
  return {
    [Symbol.asyncIterator]: () => new AsCompletedIterator(unique, deadline, options.signal),
  }
}

class AsCompletedIterator<T> implements AsyncIterator<Future<T>, undefined> {
  /** Finished futures not yet handed out, in the order they finished. */
  readonly #finished: Array<Future<T>> = []
  readonly #removers: Array<() => void> = []
  readonly #total: number
  readonly #deadline: number | undefined
  readonly #signal: AbortSignal | undefined
  #yielded = 0
  #closed = false
  #wake: (() => void) | undefined

  constructor(
    futures: Array<Future<T>>,
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ) {
    this.#total = futures.length
    this.#deadline = deadline
    this.#signal = signal
    const pending: Array<Future<T>> = []
    for (const future of futures) (future.done() ? this.#finished : pending).push(future)
    for (const future of pending) {
      this.#removers.push(
        future.addDoneCallback((done) => {
          this.#finished.push(done)
          this.#wake?.()
        }),
      )
    }
  }

  async next(): Promise<IteratorResult<Future<T>, undefined>> {
    if (this.#closed) return { done: true, value: undefined }
    try {
      while (this.#finished.length === 0) {
        if (this.#yielded === this.#total) return this.#finish()
        await this.#waitForOne()
      }
    } catch (error) {
      this.#finish()
      throw error
    }
    this.#yielded++
    return { done: false, value: this.#finished.shift() as Future<T> }
  }

  return(): Promise<IteratorResult<Future<T>, undefined>> {
    return Promise.resolve(this.#finish())
  }

  #waitForOne(): Promise<void> {
    const signal = this.#signal
    const deadline = this.#deadline
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const cleanup = (): void => {
        this.#wake = undefined
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        cleanup()
        reject(signal?.reason)
      }
      if (signal?.aborted === true) {
        onAbort()
        return
      }
      this.#wake = () => {
        cleanup()
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (deadline !== undefined) {
        timer = setTimeout(
          () => {
            cleanup()
            const unfinished = this.#total - this.#yielded
            reject(new TimeoutError(`${unfinished} (of ${this.#total}) futures unfinished`))
          },
          Math.max(0, deadline - Date.now()),
        )
      }
    })
  }

  #finish(): IteratorResult<Future<T>, undefined> {
    this.#closed = true
    for (const remove of this.#removers.splice(0)) remove()
    this.#finished.length = 0
    return { done: true, value: undefined }
  }
}
