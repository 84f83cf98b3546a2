/**
 * `wait`: block (asynchronously) until some or all of a set of futures are done, as CPython's
 * `concurrent.futures.wait` does. One done callback per pending future, all removed before the
 * promise settles; the futures themselves are never changed.
 */
import { type Future } from '@concurrent/future'
import {
  checkSignal,
  checkTimeout,
  deadlineIn,
  describe,
  setDeadline,
} from '@concurrent/future/internal'

/**
 * Return when any future finishes or is cancelled.
 *
 * @example
 * ```ts
 * import { wait, FIRST_COMPLETED } from '@concurrent/wait'
 *
 * const { done } = await wait(futures, { returnWhen: FIRST_COMPLETED })
 * ```
 * @category Waiting
 */
export const FIRST_COMPLETED = 'FIRST_COMPLETED'
/**
 * Return when any future finishes by raising an exception; if none does, when all are done.
 * A cancelled future does not count as an exception (Python's rule).
 *
 * @example
 * ```ts
 * import { wait, FIRST_EXCEPTION } from '@concurrent/wait'
 *
 * const { done, notDone } = await wait(futures, { returnWhen: FIRST_EXCEPTION })
 * for (const future of notDone) future.cancel()
 * ```
 * @category Waiting
 */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION'
/**
 * Return when every future is done.
 *
 * @example
 * ```ts
 * import { wait, ALL_COMPLETED } from '@concurrent/wait'
 *
 * const { notDone } = await wait(futures, { returnWhen: ALL_COMPLETED, timeout: 30_000 })
 * if (notDone.size > 0) console.warn(`${notDone.size} still running`)
 * ```
 * @category Waiting
 */
export const ALL_COMPLETED = 'ALL_COMPLETED'

/**
 * When {@link wait} returns: {@link FIRST_COMPLETED}, {@link FIRST_EXCEPTION} or
 * {@link ALL_COMPLETED}.
 *
 * @example
 * ```ts
 * import { wait, type ReturnWhen } from '@concurrent/wait'
 *
 * const mode: ReturnWhen = failFast ? 'FIRST_EXCEPTION' : 'ALL_COMPLETED'
 * await wait(futures, { returnWhen: mode })
 * ```
 * @category Waiting
 */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED

/**
 * Options of {@link wait}.
 *
 * @example
 * ```ts
 * const { done, notDone } = await wait(futures, { timeout: 5_000, returnWhen: 'FIRST_COMPLETED' })
 * ```
 */
export interface WaitForOptions {
  /**
   * Milliseconds to wait at most. When it passes, `wait` resolves with what is done so far
   * (it does not throw, as in Python).
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
  /**
   * When to return.
   *
   * @defaultValue `'ALL_COMPLETED'`
   */
  readonly returnWhen?: ReturnWhen | undefined
  /**
   * Stops waiting, rejecting with `signal.reason`, when it aborts.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * What {@link wait} resolves with: the futures that are done (finished or cancelled) and the
 * ones that are not.
 *
 * @example
 * ```ts
 * const result: WaitResult<number> = await wait(futures)
 * console.log(result.done.size, result.notDone.size)
 * ```
 * @category Waiting
 */
export interface WaitResult<T> {
  /** Futures that finished or were cancelled. */
  readonly done: Set<Future<T>>
  /** Futures still pending or running. */
  readonly notDone: Set<Future<T>>
}

/**
 * Waits until the futures are done, or the first one completes, or the first one fails — as
 * `returnWhen` says — or until `timeout` passes, whichever comes first. Duplicates count once.
 *
 * @returns a promise for `{ done, notDone }`; it resolves (never rejects) on timeout.
 * @throws `signal.reason` if `signal` aborts first.
 * @throws RangeError/TypeError (as a rejection) for an invalid `timeout`, `signal` or `returnWhen`.
 * @example
 * ```ts
 * import { wait, FIRST_EXCEPTION } from '@concurrent/executors'
 *
 * const { done, notDone } = await wait(futures, { returnWhen: FIRST_EXCEPTION, timeout: 10_000 })
 * for (const future of notDone) future.cancel()
 * ```
 * @category Waiting
 */
export function wait<T>(
  futures: Iterable<Future<T>>,
  options: WaitForOptions = {},
): Promise<WaitResult<T>> {
  const { timeout, signal, returnWhen = ALL_COMPLETED } = options
  try {
    checkTimeout(timeout)
    checkSignal(signal)
    checkReturnWhen(returnWhen)
  } catch (error) {
    // A function that returns a promise reports bad options through it, never by throwing.
    return Promise.reject(error)
  }
  const all = new Set(futures)
  const done = new Set<Future<T>>()
  for (const future of all) if (future.done()) done.add(future)
  // Read each future's state, not only the callbacks seen so far: a future finished inside
  // another future's done callback is done before its own callback to us has run.
  const result = (): WaitResult<T> => {
    const finished = new Set<Future<T>>()
    const unfinished = new Set<Future<T>>()
    for (const future of all) (future.done() ? finished : unfinished).add(future)
    return { done: finished, notDone: unfinished }
  }
  const satisfied = (): boolean => {
    if (done.size === all.size) return true
    if (returnWhen === FIRST_COMPLETED) return done.size > 0
    if (returnWhen === FIRST_EXCEPTION) return [...done].some(failed)
    return false
  }
  if (satisfied()) return Promise.resolve(result())
  if (signal?.aborted === true) return Promise.reject(signal.reason)
  if (timeout === 0) return Promise.resolve(result())

  return new Promise<WaitResult<T>>((resolve, reject) => {
    const removers: Array<() => void> = []
    let clearTimer: (() => void) | undefined
    const cleanup = (): void => {
      for (const remove of removers.splice(0)) remove()
      clearTimer?.()
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      cleanup()
      reject(signal?.reason)
    }
    const onDone = (future: Future<T>): void => {
      done.add(future)
      const stop =
        done.size === all.size ||
        returnWhen === FIRST_COMPLETED ||
        (returnWhen === FIRST_EXCEPTION && failed(future))
      if (!stop) return
      cleanup()
      resolve(result())
    }
    for (const future of all) {
      if (!done.has(future)) removers.push(future.addDoneCallback(onDone))
    }
    if (timeout !== undefined && timeout !== Infinity) {
      clearTimer = setDeadline(deadlineIn(timeout), () => {
        cleanup()
        resolve(result())
      })
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function checkReturnWhen(value: unknown): asserts value is ReturnWhen {
  if (value !== FIRST_COMPLETED && value !== FIRST_EXCEPTION && value !== ALL_COMPLETED) {
    throw new TypeError(
      `Expected \`returnWhen\` to be 'FIRST_COMPLETED', 'FIRST_EXCEPTION' or 'ALL_COMPLETED', got ${describe(value)}`,
    )
  }
}

/** Finished with an exception (a cancelled future is not a failure, as in Python). */
function failed(future: Future<unknown>): boolean {
  return !future.cancelled() && future.outcome?.status === 'rejected'
}
