/**
 * `AsyncResult`: what `Pool.applyAsync`, `mapAsync` and `starmapAsync` return, Python's
 * `multiprocessing.pool.AsyncResult`.
 */
import { InvalidStateError, TimeoutError } from '@concurrent/future'
import {
  checkTimeout,
  deadlineIn,
  reportCallbackError,
  setDeadline,
} from '@concurrent/future/internal'

/**
 * The callbacks of {@link Pool.applyAsync}, {@link Pool.mapAsync} and
 * {@link Pool.starmapAsync}, Python's `callback` and `error_callback`.
 *
 * @typeParam T - the result's type.
 *
 * @example
 * ```ts
 * pool.applyAsync(tasks.square, [7], {
 *   callback: (value) => console.log('got', value),
 *   errorCallback: (error) => console.error('failed', error),
 * })
 * ```
 * @category Processes
 */
export interface AsyncResultCallbacks<T> {
  /**
   * Called with the result once it is ready, if the work succeeded. A callback that throws is
   * reported as a process warning and changes nothing.
   *
   * @defaultValue none
   */
  readonly callback?: ((value: T) => void) | undefined
  /**
   * Called with the error once the work failed.
   *
   * @defaultValue none
   */
  readonly errorCallback?: ((error: unknown) => void) | undefined
}

/**
 * Options of {@link AsyncResult.get} and {@link AsyncResult.wait}.
 *
 * @example
 * ```ts
 * const result = pool.applyAsync(tasks.square, [7])
 * console.log(await result.get({ timeout: 5_000 })) // 49
 * ```
 * @category Processes
 */
export interface AsyncResultWaitOptions {
  /**
   * Milliseconds to wait for the result.
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
}

/**
 * The result of work a {@link Pool} does in the background — Python's `AsyncResult`: check
 * `ready()`, wait for it, or `get()` it. It is also awaitable: `await result` is
 * `await result.get()`.
 *
 * - **Timeout**: `get({ timeout })` rejects with `TimeoutError` and leaves the work running.
 * - **Terminate**: `pool.terminate()` fails unfinished work with `CancelledError`.
 * - **Crash**: a worker that dies fails the work it was running with `WorkerCrashedError`
 *   (a pool never hangs on a dead worker).
 *
 * @typeParam T - the result's type.
 * @example
 * ```ts
 * const result = pool.applyAsync(tasks.square, [12])
 * console.log(result.ready()) // false, most likely
 * console.log(await result.get({ timeout: 5_000 })) // 144
 * console.log(result.successful()) // true
 * ```
 * @category Processes
 */
export class AsyncResult<T> implements PromiseLike<T> {
  readonly #promise: Promise<T>
  #outcome: PromiseSettledResult<T> | undefined

  /**
   * Wraps work that settles with the result.
   *
   * @internal
   */
  constructor(work: PromiseLike<T>, callbacks: AsyncResultCallbacks<T> = {}) {
    this.#promise = Promise.resolve(work)
    this.#promise.then(
      (value) => {
        this.#outcome = { status: 'fulfilled', value }
        if (callbacks.callback !== undefined)
          call(callbacks.callback, value, 'an AsyncResult callback')
      },
      (reason: unknown) => {
        this.#outcome = { status: 'rejected', reason }
        if (callbacks.errorCallback !== undefined) {
          call(callbacks.errorCallback, reason, 'an AsyncResult errorCallback')
        }
      },
    )
  }

  /**
   * Whether the work has finished, successfully or not.
   *
   * @returns `true` once the result (or the error) is in.
   * @example
   * ```ts
   * while (!result.ready()) await result.wait({ timeout: 1_000 })
   * ```
   */
  ready(): boolean {
    return this.#outcome !== undefined
  }

  /**
   * Whether the work finished without an error.
   *
   * @returns `true` if it succeeded.
   * @throws `InvalidStateError` when it has not finished yet (Python raises `ValueError`).
   * @example
   * ```ts
   * await result.wait()
   * if (!result.successful()) console.error('it failed')
   * ```
   */
  successful(): boolean {
    if (this.#outcome === undefined) {
      throw new InvalidStateError('the AsyncResult is not ready yet: wait for it first')
    }
    return this.#outcome.status === 'fulfilled'
  }

  /**
   * Waits until the result is ready, or `timeout` passes; never rejects because of the work.
   *
   * @returns a promise that resolves once the result is ready or the timeout has passed.
   * @throws RangeError/TypeError (as a rejection) for an invalid `timeout`.
   * @example
   * ```ts
   * await result.wait({ timeout: 1_000 })
   * console.log(result.ready())
   * ```
   */
  async wait(options: AsyncResultWaitOptions = {}): Promise<void> {
    await this.#settled(options.timeout).catch(() => undefined)
  }

  /**
   * The result, once ready.
   *
   * @returns a promise for the result.
   * @throws `TimeoutError` when it is not ready within `timeout` (the work goes on).
   * @throws the work's own error when it failed (with the worker's stack joined to yours).
   * @example
   * ```ts
   * const squares = await pool.mapAsync(tasks.square, [1, 2, 3]).get({ timeout: 10_000 })
   * ```
   */
  async get(options: AsyncResultWaitOptions = {}): Promise<T> {
    if (!(await this.#settled(options.timeout))) {
      throw new TimeoutError(`the result was not ready within ${String(options.timeout)} ms`)
    }
    return this.#promise
  }

  /** `await result` is `await result.get()`. */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise.then(onfulfilled, onrejected)
  }

  /** Resolves `true` once settled, `false` when `timeout` passes first. */
  async #settled(timeout: number | undefined): Promise<boolean> {
    checkTimeout(timeout)
    if (this.#outcome !== undefined) return true
    if (timeout === undefined || timeout === Infinity) {
      await this.#promise.catch(() => undefined)
      return true
    }
    let clear: (() => void) | undefined
    try {
      return await Promise.race([
        this.#promise.then(
          () => true,
          () => true,
        ),
        new Promise<false>(
          (resolve) => (clear = setDeadline(deadlineIn(timeout), () => resolve(false))),
        ),
      ])
    } finally {
      clear?.()
    }
  }
}

function call<T>(fn: (value: T) => void, value: T, origin: string): void {
  try {
    fn(value)
  } catch (error) {
    reportCallbackError(error, origin)
  }
}
