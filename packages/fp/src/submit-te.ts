/**
 * `submitTE`: submitting a task as an fp-ts `TaskEither`, lazily: nothing is submitted until the
 * `TaskEither` runs, and each run submits anew, as fp-ts users expect of a `TaskEither`.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import type { Executor, Task } from '@concurrent/future'

import { left } from './internal/either.js'
import { toTaskEither } from './to-task-either.js'

/**
 * A `TaskEither` that, each time it runs, submits `task(...args)` to `executor` and resolves
 * with `Right(result)` or `Left(error)`. Every failure is a `Left`, never a rejection or a
 * throw: the task's own error (with its class, fields and cause), `CancelledError`,
 * `TimeoutError` from a per-task timeout, `WorkerCrashedError`, and also what `submit` itself
 * throws — `ShutdownError` after shutdown, `InlineTaskError` or `DataCloneError` for a task or
 * argument that cannot be sent to a worker.
 *
 * A `TaskEither` has no cancel of its own: to cancel or time out, submit through a view,
 * `submitTE(pool.with({ signal, timeout }), task, ...args)`.
 *
 * @param executor - where the task runs (anything with `submit`, such as a `ThreadPoolExecutor`).
 * @param task - a reference from `taskModule`, or a self-contained function.
 * @param args - the task's arguments, typed by the task.
 * @returns a lazy `TaskEither<unknown, R>` for the task's awaited result.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule } from '@concurrent/executors'
 * import { submitTE } from '@concurrent/fp'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as TE from 'fp-ts/lib/TaskEither.js'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * await using pool = new ThreadPoolExecutor()
 *
 * const program = pipe(
 *   submitTE(pool, tasks.parse, source),
 *   TE.chain((ast) => submitTE(pool, tasks.compile, ast)),
 *   TE.mapLeft((error) => `build failed: ${String(error)}`),
 * )
 * const result = await program() // Either<string, Bundle>
 * ```
 * @category Interop
 */
export function submitTE<A extends readonly unknown[], R>(
  executor: Pick<Executor, 'submit'>,
  task: Task<A, R>,
  ...args: A
): TaskEither<unknown, Awaited<R>> {
  return () => {
    try {
      return toTaskEither(executor.submit(task, ...args))()
    } catch (error) {
      return Promise.resolve(left(error))
    }
  }
}
