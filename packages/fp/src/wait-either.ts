/**
 * `waitEither`: many futures, each outcome an fp-ts `Either`. Like `wait` with
 * `ALL_COMPLETED`, it never changes the futures; unlike it, it hands back values, not sets.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { Task as FpTask } from 'fp-ts/lib/Task.js'
import type { Future, WaitOptions } from '@concurrent/future'

import { fromSettled, left } from './internal/either.js'

/**
 * The `Either` that {@link waitEither} gives for a future `F`: `Either<unknown, T>` for a
 * `Future<T>`.
 *
 * @example
 * ```ts
 * import type { FutureEither } from '@concurrent/fp'
 * import type { Future } from '@concurrent/future'
 *
 * type Outcome = FutureEither<Future<number>> // Either<unknown, number>
 * ```
 * @category Interop
 */
export type FutureEither<F> = F extends Future<infer T> ? Either<unknown, T> : never

/**
 * A `Task` that waits for every future and resolves with an `Either` per future, in input
 * order (typed per position for a tuple): `Right(value)`, or `Left(error)` for a future that
 * failed — `CancelledError` if it was cancelled. The promise never rejects.
 *
 * With `timeout` (milliseconds, counted from when the `Task` runs), a future not done in time
 * gives `Left(TimeoutError)` and is left running, as Python's `wait` leaves it; with `signal`,
 * those not done when it aborts give `Left(signal.reason)`. Invalid options give a `Left`
 * for every future.
 *
 * @param futures - the futures to wait for.
 * @param options - `timeout` and `signal`, as for `future.result()`.
 * @returns a `Task` of one `Either` per future.
 * @example
 * ```ts
 * import { waitEither } from '@concurrent/fp'
 * import * as E from 'fp-ts/lib/Either.js'
 *
 * const futures = urls.map((url) => pool.submit(tasks.download, url))
 * const outcomes = await waitEither(futures, { timeout: 10_000 })()
 * outcomes.forEach((outcome, i) =>
 *   console.log(urls[i], E.isRight(outcome) ? 'ok' : `failed: ${String(outcome.left)}`),
 * )
 * ```
 * @category Interop
 */
export function waitEither<const F extends ReadonlyArray<Future<unknown>>>(
  futures: F,
  options: WaitOptions = {},
): FpTask<{ -readonly [K in keyof F]: FutureEither<F[K]> }> {
  type Result = { -readonly [K in keyof F]: FutureEither<F[K]> }
  return () => {
    const list = [...futures] as Array<Future<unknown>>
    const unbounded = options.timeout === undefined && options.signal === undefined
    const outcomes = list.map((future): Promise<Either<unknown, unknown>> => {
      if (typeof future?.addDoneCallback !== 'function') {
        return Promise.resolve(left(new TypeError('Expected every item to be a Future')))
      }
      if (unbounded) {
        return new Promise((resolve) => {
          future.addDoneCallback((done) =>
            resolve(fromSettled(done.outcome as PromiseSettledResult<unknown>)),
          )
        })
      }
      return future.result(options).then(
        (value) => fromSettled({ status: 'fulfilled', value }),
        (reason: unknown) => left(reason),
      )
    })
    return Promise.all(outcomes) as Promise<Result>
  }
}
