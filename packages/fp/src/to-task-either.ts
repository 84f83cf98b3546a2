/**
 * `toTaskEither`: a future as an fp-ts `TaskEither`. Running it waits for the future through a
 * done callback; the future itself is never changed.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { type Future } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'

import { left, right } from './internal/either.js'

/**
 * A future as a `TaskEither`: running it waits for the future and resolves with `Right(value)`,
 * or `Left(error)` when the task failed — `CancelledError` if the future was cancelled,
 * `WorkerCrashedError` if its worker died, whatever the task threw otherwise. The promise never
 * rejects. Running it again gives the same outcome: the work was submitted once, when the
 * future was made (for a `TaskEither` that submits each time it runs, use {@link submitTE}).
 *
 * The error channel is `unknown`, because a task can throw anything. As with fp-ts'
 * `TE.tryCatch`, pass `onRejected` to map it to your error type (`E.toError` is a common
 * choice); it must not throw.
 *
 * @param future - the future to wait for.
 * @param onRejected - maps the failure to the `Left` value.
 * @returns a `TaskEither` that resolves once the future is done.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule } from '@concurrent/executors'
 * import { toTaskEither } from '@concurrent/fp'
 * import * as E from 'fp-ts/lib/Either.js'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * await using pool = new ThreadPoolExecutor()
 *
 * const parsed = toTaskEither(pool.submit(tasks.parse, text), E.toError) // TaskEither<Error, Ast>
 * const result = await parsed() // Either<Error, Ast>
 * if (E.isLeft(result)) console.error(result.left.message)
 * ```
 * @category Interop
 */
export function toTaskEither<T, E = unknown>(
  future: Future<T>,
  onRejected?: (reason: unknown) => E,
): TaskEither<E, T> {
  // Without onRejected, E is `unknown`: the reason is kept as it is.
  const toLeft = onRejected ?? ((reason: unknown) => reason as E)
  const settle = (outcome: PromiseSettledResult<T>): Either<E, T> =>
    outcome.status === 'fulfilled' ? right(outcome.value) : left(toLeft(outcome.reason))
  return () => {
    if (typeof future?.addDoneCallback !== 'function') {
      const error = new TypeError(`Expected \`future\` to be a Future, got ${describe(future)}`)
      return Promise.resolve(left(toLeft(error)))
    }
    return new Promise((resolve) => {
      future.addDoneCallback((done) => resolve(settle(done.outcome as PromiseSettledResult<T>)))
    })
  }
}
