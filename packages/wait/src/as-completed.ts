/**
 * `asCompleted`: the futures of a batch, handed out one by one as they finish
 * (CPython's `concurrent.futures.as_completed`).
 *
 * It subscribes a done callback to each pending future when iteration starts and removes every
 * callback it added when the loop ends, however it ends (`break`, throw, timeout), so waiting
 * never leaks listeners onto long-lived futures. It never polls.
 */
import { TimeoutError, type Future } from '@concurrent/future'
import { checkSignal, checkTimeout, deadlineIn, setDeadline } from '@concurrent/future/internal'

/**
 * Options of {@link asCompleted}.
 *
 * @example
 * ```ts
 * for await (const done of asCompleted(futures, { timeout: 10_000, signal: controller.signal })) {
 *   console.log(await done.result())
 * }
 * ```
 */
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
 * A future as {@link asCompleted} hands it out: the {@link Future} itself, typed without `then`.
 *
 * A `for await` loop does not await the values an async iterator hands out, but TypeScript
 * sometimes types them as if it did: as `T` for a `Future<T>`, in every loop over a type it has
 * met before in the program (its cached iteration types are awaited, fresh ones are not). A
 * thenable loop variable would so be typed `Future<T>` in one loop and `T` in the next. Typing
 * `then` as `never` keeps it a `Future<T>` in every loop: `done.result()`, `done.exception()`
 * and `futures.indexOf(done)` compile, and lint rules such as `await-thenable` point
 * `await done` to `done.result()`.
 *
 * @example
 * ```ts
 * for await (const done of asCompleted(futures)) {
 *   const value = await done.result() // `done` is the future itself
 * }
 * ```
 * @category Waiting
 */
export interface CompletedFuture<T> extends Future<T> {
  /** Hidden from the type: read the outcome with `result()` or `exception()` instead. */
  readonly then: never
}

/**
 * What {@link asCompleted} returns: an async iterable of the futures themselves.
 *
 * @example
 * ```ts
 * const finished: FutureIterable<number> = asCompleted(futures)
 * for await (const done of finished) console.log(done.state)
 * ```
 * @category Waiting
 */
export interface FutureIterable<T> {
  /** Starts a fresh pass over the futures; callbacks are added now and removed when it ends. */
  [Symbol.asyncIterator](): AsyncIterator<CompletedFuture<T>, undefined>
}

/**
 * Yields each future as it finishes (or is cancelled): the ones already done first, in input
 * order, then the others in completion order. A future given twice is yielded once.
 *
 * The loop variable is the Future itself, not its value: call `done.result()` to get the value
 * (or the error); it is typed as a {@link CompletedFuture}, a `Future<T>` whose `then` is hidden. Leaving the loop early removes every callback it added.
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
      : deadlineIn(options.timeout)
  return {
    [Symbol.asyncIterator]: () => new AsCompletedIterator(unique, deadline, options.signal),
  }
}

class AsCompletedIterator<T> implements AsyncIterator<CompletedFuture<T>, undefined> {
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

  /** Settles when the last next() call has; a call made before then waits its turn. */
  #turn: Promise<unknown> = Promise.resolve()

  next(): Promise<IteratorResult<CompletedFuture<T>, undefined>> {
    // Called again before the last call settles (by hand, not by `for await`), each call still
    // gets a future of its own: calls queue, as an async generator's do.
    const result = this.#turn.then(() => this.#next())
    this.#turn = result.catch(() => undefined)
    return result
  }

  return(): Promise<IteratorResult<CompletedFuture<T>, undefined>> {
    const result = this.#finish()
    // A next() still waiting ends as done, its timer and signal listener removed.
    this.#wake?.()
    return Promise.resolve(result)
  }

  async #next(): Promise<IteratorResult<CompletedFuture<T>, undefined>> {
    if (this.#closed) return { done: true, value: undefined }
    try {
      while (this.#finished.length === 0) {
        if (this.#closed || this.#yielded === this.#total) return this.#finish()
        await this.#waitForOne()
      }
    } catch (error) {
      this.#finish()
      throw error
    }
    this.#yielded++
    return { done: false, value: this.#finished.shift() as CompletedFuture<T> }
  }

  #waitForOne(): Promise<void> {
    const signal = this.#signal
    const deadline = this.#deadline
    return new Promise<void>((resolve, reject) => {
      let clearTimer: (() => void) | undefined
      const cleanup = (): void => {
        this.#wake = undefined
        clearTimer?.()
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
        clearTimer = setDeadline(deadline, () => {
          cleanup()
          const unfinished = this.#total - this.#yielded
          reject(new TimeoutError(`${unfinished} (of ${this.#total}) futures unfinished`))
        })
      }
    })
  }

  #finish(): IteratorResult<CompletedFuture<T>, undefined> {
    this.#closed = true
    for (const remove of this.#removers.splice(0)) remove()
    this.#finished.length = 0
    return { done: true, value: undefined }
  }
}
