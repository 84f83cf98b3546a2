/**
 * Small helpers around `AbortSignal` that users would otherwise write by hand. Where the platform
 * already does the job (`AbortSignal.any`, `AbortSignal.timeout`, `signal.throwIfAborted()`),
 * these call it rather than re-implement it; what they add is cleanup that never leaks a
 * listener and tolerance for "maybe no signal" arguments.
 */

/**
 * Combines optional signals into one: aborted when the first of them aborts, with its reason.
 *
 * `undefined` entries are skipped, so option bags can be passed straight through. With no
 * signal at all it returns `undefined`; with exactly one it returns that signal unchanged;
 * otherwise it uses `AbortSignal.any`.
 *
 * @example
 * ```ts
 * import { anySignal } from '@concurrent/cancellation'
 *
 * function download(url: string, options: { signal?: AbortSignal; timeout?: number } = {}) {
 *   const timeout = options.timeout === undefined ? undefined : AbortSignal.timeout(options.timeout)
 *   return fetch(url, { signal: anySignal(options.signal, timeout) ?? null })
 * }
 * ```
 * @category Cancellation
 */
export function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined)
  if (present.length <= 1) return present[0]
  return AbortSignal.any(present)
}

/**
 * An `AbortController` linked to parent signals: it aborts when any parent aborts (with that
 * parent's reason), and can also be aborted on its own without touching the parents.
 *
 * Unlike `AbortSignal.any`, it lets go of its parents deterministically: disposing it (or its
 * aborting) removes every listener it added, so a long-lived parent does not accumulate
 * listeners from short-lived children.
 *
 * @example
 * ```ts
 * import { LinkedAbortController } from '@concurrent/cancellation'
 *
 * async function step(parent: AbortSignal) {
 *   using child = new LinkedAbortController(parent)
 *   setTimeout(() => child.abort(new Error('step took too long')), 5_000)
 *   await fetch('http://localhost:8080/step', { signal: child.signal })
 * } // listener on `parent` removed here
 * ```
 * @category Cancellation
 */
export class LinkedAbortController extends AbortController implements Disposable {
  readonly #unlink: Array<() => void> = []

  /** @param parents - signals that abort this controller; `undefined` entries are skipped. */
  constructor(...parents: Array<AbortSignal | undefined>) {
    super()
    for (const parent of parents) {
      if (parent === undefined) continue
      if (parent.aborted) {
        this.abort(parent.reason)
        return
      }
      const onAbort = (): void => {
        this.abort(parent.reason)
      }
      parent.addEventListener('abort', onAbort, { once: true })
      this.#unlink.push(() => {
        parent.removeEventListener('abort', onAbort)
      })
    }
  }

  /** Aborts this controller (not its parents) and lets go of the parents. */
  override abort(reason?: unknown): void {
    this[Symbol.dispose]()
    super.abort(reason)
  }

  /** Removes the listeners on the parents; the controller itself stays as it is. Idempotent. */
  [Symbol.dispose](): void {
    for (const unlink of this.#unlink.splice(0)) unlink()
  }
}

/**
 * Settles like `promise`, unless `signal` aborts first: then it rejects with `signal.reason`.
 * The promise itself is not cancelled (a promise cannot be); only the wait for it is.
 *
 * The listener on `signal` is removed as soon as either side settles.
 *
 * @returns a promise for `promise`'s value.
 * @throws `signal.reason` when the signal aborts first (or was already aborted).
 * @example
 * ```ts
 * import { raceSignal } from '@concurrent/cancellation'
 *
 * const config = await raceSignal(loadConfig(), AbortSignal.timeout(2_000))
 * ```
 * @category Cancellation
 */
export function raceSignal<T>(
  promise: PromiseLike<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal === undefined) return Promise.resolve(promise)
  // A signal's reason is whatever its owner chose; it is passed on untouched (p-map's rule).
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * A signal that aborts after `ms` milliseconds (with the platform's `TimeoutError`
 * `DOMException`) or when any parent aborts, whichever comes first: a deadline for a whole
 * operation that a caller can still cancel early.
 *
 * @param ms - milliseconds from now; `Infinity` means no deadline (only the parents count).
 * @throws RangeError when `ms` is negative or `NaN`; TypeError when it is not a number.
 * @example
 * ```ts
 * import { deadline } from '@concurrent/cancellation'
 *
 * const signal = deadline(30_000, userSignal)
 * for (const url of urls) await fetch(url, { signal }) // all of them within 30 s
 * ```
 * @category Cancellation
 */
export function deadline(ms: number, ...parents: Array<AbortSignal | undefined>): AbortSignal {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    const ErrorClass = typeof ms === 'number' ? RangeError : TypeError
    throw new ErrorClass(
      `Expected \`ms\` to be a number from 0 and up, got \`${String(ms)}\` (${typeof ms})`,
    )
  }
  const timeout = ms === Infinity ? undefined : timeoutSignal(ms)
  return anySignal(timeout, ...parents) ?? new AbortController().signal
}

/** The longest delay one timer holds; `AbortSignal.timeout` fires at once beyond it. */
const MAX_DELAY = 2 ** 31 - 1

/** `AbortSignal.timeout(ms)`, also for delays longer than one timer can hold (~24.8 days). */
function timeoutSignal(ms: number): AbortSignal {
  if (ms <= MAX_DELAY) return AbortSignal.timeout(ms)
  const controller = new AbortController()
  const end = performance.now() + ms
  const arm = (): void => {
    const remaining = end - performance.now()
    if (remaining <= 0) {
      controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
      return
    }
    // Unreferenced, like AbortSignal.timeout's own timer: a deadline never keeps a program alive.
    setTimeout(arm, Math.min(remaining, MAX_DELAY)).unref()
  }
  arm()
  return controller.signal
}
