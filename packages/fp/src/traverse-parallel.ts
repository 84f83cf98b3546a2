/**
 * `traverseParallel` and `traverseParallelEither`: fp-ts' `traverseArray`, with the function
 * run on an executor's workers. The first is what `TE.traverseArray` is (one `TaskEither` for
 * the whole array, failing with the first `Left`); the second keeps every outcome as a value.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { Task as FpTask } from 'fp-ts/lib/Task.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { CancelledError, type Executor, type Future, type Task } from '@concurrent/future'
import { checkInteger, checkSignal, describe } from '@concurrent/future/internal'

import { fromSettled, left, right } from './internal/either.js'

/**
 * Options of {@link traverseParallel}.
 *
 * @example
 * ```ts
 * import { traverseParallel } from '@concurrent/fp'
 *
 * const controller = new AbortController()
 * const checkAll = traverseParallel(pool, tasks.check, {
 *   chunksize: 100,
 *   interrupt: true, // the first failure stops the running checks too
 *   signal: controller.signal,
 * })
 * const result = await checkAll(documents)()
 * ```
 * @category Interop
 */
export interface TraverseParallelOptions {
  /**
   * How many inputs are sent to a worker as one task. A failing input fails its whole chunk,
   * which does not matter here: the first failure is the answer.
   *
   * @defaultValue chosen by the executor from the input's length (about `length / (4 × workers)`
   * for the pools), as `multiprocessing.Pool.map` does
   */
  readonly chunksize?: number | undefined
  /**
   * On the first failure, also interrupt the tasks already running after it
   * (`future.cancel({ interrupt: true })`), not only cancel the queued ones. (The tasks before
   * it are done by then: see {@link traverseParallel}.)
   *
   * @defaultValue `false`
   */
  readonly interrupt?: boolean | undefined
  /**
   * Aborting it ends the traversal with `Left(signal.reason)`: queued tasks are cancelled and
   * running ones interrupted.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * `traverseArray` over an executor: returns a function that takes an array of inputs and gives
 * a `TaskEither` which, each time it runs, runs `task` on every input in parallel and resolves
 * with `Right(results)` in input order — or, if any input fails, with `Left` of the first
 * failure by position (the same `Left` fp-ts' `TE.traverseArray` would give), as soon as the
 * inputs before it are done. The work not yet done is then cancelled (queued tasks; running
 * ones too with `interrupt`). The promise never rejects.
 *
 * Inputs go through the executor's `map`, so a large array is sent in chunks automatically
 * (`chunksize` to choose). For an `Either` per input instead of the first failure, use
 * {@link traverseParallelEither}.
 *
 * @param executor - where the tasks run (anything with `map`, such as a `ThreadPoolExecutor`).
 * @param task - a one-argument task: a reference from `taskModule`, or a self-contained function.
 * @param options - see {@link TraverseParallelOptions}.
 * @returns `(inputs) => TaskEither<unknown, ReadonlyArray<R>>`. Invalid options, like every
 * other failure, give a `Left` (a TypeError or RangeError naming the option) when it runs.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule } from '@concurrent/executors'
 * import { traverseParallel } from '@concurrent/fp'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as TE from 'fp-ts/lib/TaskEither.js'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * await using pool = new ThreadPoolExecutor()
 *
 * const total = pipe(
 *   files,
 *   traverseParallel(pool, tasks.countLines), // TaskEither<unknown, ReadonlyArray<number>>
 *   TE.map((counts) => counts.reduce((a, b) => a + b, 0)),
 * )
 * console.log(await total()) // { _tag: 'Right', right: 12345 }
 * ```
 * @category Interop
 */
export function traverseParallel<A, R>(
  executor: Pick<Executor, 'map'>,
  task: Task<[A], R>,
  options: TraverseParallelOptions = {},
): (inputs: ReadonlyArray<A>) => TaskEither<unknown, ReadonlyArray<Awaited<R>>> {
  return (inputs) => async () => {
    try {
      checkTraverseOptions(options)
    } catch (error) {
      return left(error)
    }
    const { chunksize, interrupt = false, signal } = options
    // Our own signal, linked to the caller's: aborting it interrupts the running tasks.
    const controller = new AbortController()
    const forward = (): void => controller.abort(signal?.reason)
    if (signal?.aborted === true) return left(signal.reason)
    signal?.addEventListener('abort', forward, { once: true })
    const mapSignal = interrupt || signal !== undefined ? controller.signal : undefined
    try {
      const results: Array<Awaited<R>> = []
      const iterator = executor.map(task, inputs, {
        ...(chunksize === undefined ? {} : { chunksize }),
        ...(mapSignal === undefined ? {} : { signal: mapSignal }),
      })
      for await (const result of iterator) results.push(result)
      return right(results)
    } catch (error) {
      // The map has already cancelled its queued work; with `interrupt`, stop the running too.
      if (interrupt && !controller.signal.aborted) {
        controller.abort(new CancelledError('another input of traverseParallel failed'))
      }
      return left(error)
    } finally {
      signal?.removeEventListener('abort', forward)
    }
  }
}

/**
 * Like {@link traverseParallel}, but keeps every outcome: returns a function that takes an
 * array of inputs and gives a `Task` which, each time it runs, submits `task` for every input
 * and resolves, once all are done, with an `Either` per input, in input order — `Right(result)`
 * or `Left(error)`. One failure does not stop the others. The promise never rejects: what
 * `submit` throws (`ShutdownError`, a value that cannot be sent) is that input's `Left`.
 *
 * Each input is its own task (no chunks), so that each has its own outcome. To split the
 * outcomes, map the result with fp-ts' `RA.separate`.
 *
 * @param executor - where the tasks run (anything with `submit`, such as a `ThreadPoolExecutor`).
 * @param task - a one-argument task: a reference from `taskModule`, or a self-contained function.
 * @returns `(inputs) => Task<ReadonlyArray<Either<unknown, R>>>`.
 * @example
 * ```ts
 * import { traverseParallelEither } from '@concurrent/fp'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as RA from 'fp-ts/lib/ReadonlyArray.js'
 * import * as T from 'fp-ts/lib/Task.js'
 *
 * const report = pipe(
 *   uploads,
 *   traverseParallelEither(pool, tasks.validate),
 *   T.map(RA.separate), // { left: errors, right: valid records }
 * )
 * const { left: errors, right: records } = await report()
 * ```
 * @category Interop
 */
export function traverseParallelEither<A, R>(
  executor: Pick<Executor, 'submit'>,
  task: Task<[A], R>,
): (inputs: ReadonlyArray<A>) => FpTask<ReadonlyArray<Either<unknown, Awaited<R>>>> {
  return (inputs) => () => {
    const outcomes = inputs.map((input) => {
      let future: Future<Awaited<R>>
      try {
        future = executor.submit(task, input)
      } catch (error) {
        return Promise.resolve(left(error))
      }
      return new Promise<Either<unknown, Awaited<R>>>((resolve) => {
        future.addDoneCallback((done) =>
          resolve(fromSettled(done.outcome as PromiseSettledResult<Awaited<R>>)),
        )
      })
    })
    return Promise.all(outcomes)
  }
}

function checkTraverseOptions(options: TraverseParallelOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `Expected traverseParallel options to be an object, got ${describe(options)}`,
    )
  }
  checkInteger(options.chunksize, 'chunksize', 1)
  if (options.interrupt !== undefined && typeof options.interrupt !== 'boolean') {
    throw new TypeError(
      `Expected \`interrupt\` to be a boolean, got ${describe(options.interrupt)}`,
    )
  }
  checkSignal(options.signal)
}
