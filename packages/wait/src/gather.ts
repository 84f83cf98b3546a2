/**
 * `gather`: `Promise.all` for futures, with the cleanup `Promise.all` cannot do — when one
 * future fails, the others are cancelled instead of being left to run for nobody.
 */
import type { Future } from '@concurrent/future'

/**
 * Options of {@link gather}.
 *
 * @example
 * ```ts
 * const values = await gather(futures, { cancelOnError: true, interrupt: true })
 * ```
 */
export interface GatherOptions {
  /**
   * Cancel the other futures when one fails (or is cancelled). Set it to `false` to let them
   * run on, as `Promise.all` would.
   *
   * @defaultValue `true`
   */
  readonly cancelOnError?: boolean | undefined
  /**
   * When cancelling, also interrupt the futures that are already running
   * (`future.cancel({ interrupt: true })`), not only the queued ones.
   *
   * @defaultValue `false`
   */
  readonly interrupt?: boolean | undefined
}

/**
 * The value type of a {@link Future}.
 *
 * @example
 * ```ts
 * import type { Future } from '@concurrent/future'
 * import type { FutureValue } from '@concurrent/wait'
 *
 * type N = FutureValue<Future<number>> // number
 * ```
 * @category Waiting
 */
export type FutureValue<F> = F extends Future<infer T> ? T : never

/**
 * Waits for every future and resolves with their values in input order, like `Promise.all`.
 * When one fails or is cancelled, the returned promise rejects with its error at once and the
 * others are cancelled (pending ones; running ones too with `interrupt: true`), unless
 * `cancelOnError: false`. Every callback it adds is removed before it settles.
 *
 * @returns a promise for the values, typed per position for tuples.
 * @throws the first failure's error (`CancelledError` for a cancelled future).
 * @example
 * ```ts
 * import { gather } from '@concurrent/executors'
 *
 * const [a, b] = await gather([pool.submit(tasks.parse, 'a.json'), pool.submit(tasks.count, 'b.txt')])
 * ```
 * @category Waiting
 */
export function gather<const F extends ReadonlyArray<Future<unknown>>>(
  futures: F,
  options: GatherOptions = {},
): Promise<{ -readonly [K in keyof F]: FutureValue<F[K]> }> {
  const { cancelOnError = true, interrupt = false } = options
  const list = [...futures] as Array<Future<unknown>>
  const values = new Array<unknown>(list.length)
  return new Promise((resolve, reject) => {
    let remaining = list.length
    const removers: Array<() => void> = []
    let settled = false
    const onDone = (index: number, future: Future<unknown>): void => {
      if (settled) return
      const outcome = future.outcome
      if (outcome?.status === 'fulfilled') {
        values[index] = outcome.value
        if (--remaining === 0) {
          settled = true
          resolve(values as { -readonly [K in keyof F]: FutureValue<F[K]> })
        }
        return
      }
      settled = true
      for (const remove of removers.splice(0)) remove()
      if (cancelOnError) for (const other of list) other.cancel({ interrupt })
      reject(outcome?.reason)
    }
    if (remaining === 0) {
      resolve(values as { -readonly [K in keyof F]: FutureValue<F[K]> })
      return
    }
    list.forEach((future, index) => {
      if (!settled) removers.push(future.addDoneCallback((done) => onDone(index, done)))
    })
  })
}
