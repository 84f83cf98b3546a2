/**
 * `executeMap` and `executeStarmap`: RxJS operators that run a task on an executor for every
 * value of the source, with a bound on the work in flight. The engine (and why it is shaped the
 * way it is) is in `internal/map-run.ts`.
 */
import { availableParallelism } from 'node:os'

import type { OperatorFunction } from 'rxjs'
import { type Executor, type Task } from '@concurrent/future'
import { checkInteger, describe } from '@concurrent/future/internal'

import { checkChoice, checkOptions } from './internal/cancel.js'
import { runMap, type RunOptions } from './internal/map-run.js'

/**
 * What {@link executeMap} and {@link executeStarmap} need from an executor: `submit` and `map`
 * / `starmap` (for chunks). Every executor in `@concurrent/executors` fits, as does a view made
 * with `executor.with({ … })`. An executor that exposes `maxWorkers` sets the default
 * `concurrency`.
 *
 * @example
 * ```ts
 * import { executeMap, type MapExecutor } from '@concurrent/rx'
 *
 * // Any executor, or a view of one with per-task options.
 * function thumbnails(executor: MapExecutor) {
 *   return executeMap(executor, tasks.thumbnail, { concurrency: 4 })
 * }
 * images$.pipe(thumbnails(pool.with({ timeout: 10_000 }))).subscribe(save)
 * ```
 * @category Interop
 */
export type MapExecutor = Pick<Executor, 'submit' | 'map' | 'starmap'> & {
  /** How many tasks the executor runs at once, if it says. */
  readonly maxWorkers?: number | undefined
}

/**
 * Options of {@link executeMap} and {@link executeStarmap}.
 *
 * @example
 * ```ts
 * import { executeMap, type ExecuteMapOptions } from '@concurrent/rx'
 *
 * // A camera's frames: never more than 8 in flight, keep the newest 16 waiting, drop the rest.
 * const live: ExecuteMapOptions = { concurrency: 8, buffersize: 16, overflow: 'drop-oldest' }
 * frames$.pipe(executeMap(pool, tasks.detectFaces, live)).subscribe(draw)
 * ```
 * @category Interop
 */
export interface ExecuteMapOptions {
  /**
   * Emit results in the order of the source values (`true`), or as tasks finish (`false`).
   * Ordered, a finished result waits for those before it, and keeps its slot until it is
   * emitted.
   *
   * @defaultValue `true`
   */
  readonly ordered?: boolean | undefined
  /**
   * The most tasks (units of work: a value, or a chunk of values) in flight at once. Ordered, a
   * task counts until its results are emitted. Raise it above the executor's `maxWorkers`
   * (say to twice as many) to keep the workers busy while an ordered stream waits on a slow
   * task, or to keep a few tasks queued in the pool.
   *
   * @defaultValue the executor's `maxWorkers`, else `os.availableParallelism()`
   */
  readonly concurrency?: number | undefined
  /**
   * The most source values sent to a worker as one task (one message, one result message: what
   * makes tiny tasks cheap). Values are grouped when a slot frees up, from those waiting: a
   * burst fills whole chunks, a trickle is sent on at once rather than held back to fill one.
   * A chunk fails as a whole if one of its values fails.
   *
   * @defaultValue `1`
   */
  readonly chunksize?: number | undefined
  /**
   * The most source values kept waiting for a free slot. RxJS cannot ask a source to slow
   * down, so a source that pushes faster than the tasks run fills this buffer; when it is
   * full, `overflow` decides. `Infinity` keeps every value (lossless, right for a finite
   * source such as an array); bound it for a fast, endless source.
   *
   * @defaultValue `Infinity`
   */
  readonly buffersize?: number | undefined
  /**
   * What happens to a value pushed while `buffersize` values are already waiting:
   *
   * - `'error'`: the Observable errors with {@link BufferOverflowError} (and cancels its work).
   * - `'drop-oldest'`: the longest-waiting value is dropped (keep the latest frames).
   * - `'drop-newest'`: the new value is dropped.
   *
   * Dropped values have no result.
   *
   * @defaultValue `'error'`
   */
  readonly overflow?: 'error' | 'drop-oldest' | 'drop-newest' | undefined
  /**
   * How tasks still queued or running are cancelled when the subscription ends early
   * (unsubscribe, a task's error, the source's error): `'interrupt'` also stops running tasks,
   * `'cancel'` lets them finish (see {@link OnUnsubscribe}).
   *
   * @defaultValue `'interrupt'`
   */
  readonly onUnsubscribe?: 'interrupt' | 'cancel' | undefined
}

/**
 * An RxJS operator that runs `task(value)` on `executor` for every source value and emits the
 * results: `source$.pipe(executeMap(pool, tasks.resize))`.
 *
 * - **Backpressure**: never more than `concurrency` tasks in flight. Source values wait in a
 *   buffer for a free slot; with a bounded `buffersize`, a fast endless source cannot flood
 *   memory (`overflow` says what gives). To pull lazily from an iterable or generator instead
 *   of an Observable, use `executor.map(task, iterable, { buffersize })`, which only reads as
 *   fast as results are taken.
 * - **Order**: results in source order unless `ordered: false`.
 * - **Errors**: the first task that fails errors the Observable with its error, and the work
 *   still in flight is cancelled. Ordered, the error comes at its position: results before it
 *   are emitted first (exactly what a sequential map would emit), while work after it is
 *   cancelled at once. A source error is passed on at once.
 * - **Cancel**: unsubscribing cancels the queued tasks and interrupts the running ones
 *   (`onUnsubscribe`), and stops reading the source.
 * - **Completion**: after the source completes and every result has been emitted.
 * - **Shutdown**: a value arriving after the executor is shut down errors with its
 *   `ShutdownError`; a worker crash errors with `WorkerCrashedError`.
 *
 * @param executor - where the tasks run (see {@link MapExecutor}).
 * @param task - a one-argument task: a reference from `taskModule`, or a self-contained function.
 * @param options - see {@link ExecuteMapOptions}.
 * @returns an operator from the source's values to the task's (awaited) results.
 * @throws TypeError/RangeError (from the call) for invalid options, naming the option.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule, transfer } from '@concurrent/executors'
 * import { executeMap } from '@concurrent/rx'
 * import { from, map } from 'rxjs'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * await using pool = new ThreadPoolExecutor()
 *
 * from(frames)
 *   .pipe(
 *     map((frame) => transfer(frame)), // move each buffer to its worker, no copy
 *     executeMap(pool, tasks.grayscale, { concurrency: pool.maxWorkers * 2 }),
 *   )
 *   .subscribe((gray) => encoder.write(gray))
 * ```
 * @category Interop
 */
export function executeMap<T, R>(
  executor: MapExecutor,
  task: Task<[T], R>,
  options: ExecuteMapOptions = {},
): OperatorFunction<T, Awaited<R>> {
  const run = runOptions(executor, options, 'executeMap')
  return (source) =>
    runMap(
      source,
      {
        one: (value: T) => executor.submit(task, value),
        chunk: (values: T[], signal) =>
          executor.map(task, values, { chunksize: values.length, signal }),
      },
      identity,
      run,
    )
}

/**
 * Like {@link executeMap}, for a task of several arguments: each source value is a tuple of
 * arguments, spread into the task (Python's `starmap`).
 *
 * @param executor - where the tasks run (see {@link MapExecutor}).
 * @param task - the task: a reference from `taskModule`, or a self-contained function.
 * @param options - see {@link ExecuteMapOptions}.
 * @returns an operator from argument tuples to the task's (awaited) results. A source value
 * that is not an array errors the Observable with a TypeError.
 * @throws TypeError/RangeError (from the call) for invalid options, naming the option.
 * @example
 * ```ts
 * import { executeStarmap } from '@concurrent/rx'
 * import { from, map } from 'rxjs'
 *
 * // tasks.ts: export function resize(pixels: Uint8Array, width: number, height: number)
 * images$
 *   .pipe(
 *     map((image) => [image.pixels, 640, 480] as [Uint8Array, number, number]),
 *     executeStarmap(pool, tasks.resize),
 *   )
 *   .subscribe(save)
 * ```
 * @category Interop
 */
export function executeStarmap<A extends readonly unknown[], R>(
  executor: MapExecutor,
  task: Task<A, R>,
  options: ExecuteMapOptions = {},
): OperatorFunction<A, Awaited<R>> {
  const run = runOptions(executor, options, 'executeStarmap')
  return (source) =>
    runMap(
      source,
      {
        one: (args: A) => executor.submit(task, ...args),
        chunk: (values: A[], signal) =>
          executor.starmap(task, values, { chunksize: values.length, signal }),
      },
      (args: A): A => {
        if (!Array.isArray(args)) {
          throw new TypeError(
            `Expected every value given to executeStarmap to be an array of arguments, got ${describe(args)}`,
          )
        }
        return args
      },
      run,
    )
}

function runOptions(executor: MapExecutor, options: ExecuteMapOptions, name: string): RunOptions {
  if (typeof executor?.submit !== 'function') {
    throw new TypeError(`Expected \`executor\` to be an Executor, got ${describe(executor)}`)
  }
  checkOptions(options, name)
  const { ordered = true, concurrency, chunksize = 1, buffersize = Infinity } = options
  if (typeof ordered !== 'boolean') {
    throw new TypeError(`Expected \`ordered\` to be a boolean, got ${describe(ordered)}`)
  }
  checkInteger(concurrency, 'concurrency', 1, { infinite: true })
  checkInteger(chunksize, 'chunksize', 1)
  checkInteger(buffersize, 'buffersize', 0, { infinite: true })
  const maxWorkers = executor.maxWorkers
  return {
    ordered,
    concurrency:
      concurrency ??
      (Number.isInteger(maxWorkers) && (maxWorkers as number) >= 1
        ? (maxWorkers as number)
        : availableParallelism()),
    chunksize,
    buffersize,
    overflow: checkChoice(
      options.overflow,
      'overflow',
      ['error', 'drop-oldest', 'drop-newest'],
      'error',
    ),
    onUnsubscribe: checkChoice(
      options.onUnsubscribe,
      'onUnsubscribe',
      ['interrupt', 'cancel'],
      'interrupt',
    ),
  }
}

function identity<T>(value: T): T {
  return value
}
