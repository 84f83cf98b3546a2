/**
 * The Executor contract and the abstract base that every executor builds on.
 *
 * As in CPython's `_base.Executor`, `map` is written once, here, over the executor's own
 * submission primitive; executors implement only how to run one task (`schedule`), how to run a
 * chunk of items as one unit of work (`scheduleChunk`), and `shutdown`. `with()` views and
 * `[Symbol.asyncDispose]` come for free.
 */

import { anySignal } from '@concurrent/cancellation'

import type { Future } from './future.js'
import { MapIterator, type MapHost } from './internal/map-iterator.js'
import { checkInteger, checkSignal, checkTimeout, describe } from './internal/validate.js'
import type { Task } from './task.js'

/**
 * Per-task options, given through {@link Executor.with}.
 *
 * @example
 * ```ts
 * const controller = new AbortController()
 * const options: TaskOptions = { timeout: 5_000, priority: 1, signal: controller.signal }
 * const future = pool.with(options).submit(tasks.render, scene)
 * ```
 * @category Executors
 */
export interface TaskOptions {
  /**
   * Cancels the task when it aborts: a queued task is cancelled, a running one is interrupted
   * (as `future.cancel({ interrupt: true })`), and its future rejects with `signal.reason`.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
  /**
   * Milliseconds the task may run, counted from when it starts (not while it waits in the
   * queue). When it passes, the task is interrupted and its future rejects with `TimeoutError`.
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
  /**
   * Values to move to the worker instead of copying, for executors that have workers: what
   * `postMessage` can transfer (`ArrayBuffer`s, `MessagePort`s; typed as `object` so these
   * declarations need no `@types/node`). Ignored in-process.
   *
   * @defaultValue `[]`
   */
  readonly transfer?: readonly object[] | undefined
  /**
   * Higher runs first among queued tasks; equal priorities keep submission order.
   *
   * @defaultValue `0`
   */
  readonly priority?: number | undefined
}

/**
 * Options of {@link Executor.map} and {@link Executor.starmap}.
 *
 * @example
 * ```ts
 * const options: MapOptions = { chunksize: 1_000, buffersize: 8, ordered: false, timeout: 60_000 }
 * for await (const size of pool.map(tasks.fileSize, paths, options)) total += size
 * ```
 * @category Executors
 */
export interface MapOptions {
  /**
   * How many items to send to a worker as one unit of work. Bigger chunks cost less per item;
   * smaller ones spread the work more evenly.
   *
   * @defaultValue for an input of known length (an array, typed array, `Set` or `Map`), chosen
   * by the executor as `multiprocessing.Pool` does (about four chunks per worker); for any
   * other input, `1`.
   */
  readonly chunksize?: number | undefined
  /**
   * Milliseconds, counted from the call, within which all results must be ready. When it
   * passes, the loop throws `TimeoutError` and what is still queued is cancelled.
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
  /**
   * How many units of work (tasks, or chunks) may be submitted ahead of the consumer. Bounds
   * memory, and how far an endless input is read. `Infinity` reads the whole input at once, as
   * Python's `Executor.map` does.
   *
   * @defaultValue bounded: for the pools, 32 units per worker (an array input with the
   * automatic `chunksize` is then read whole); {@link DEFAULT_BUFFERSIZE} for other executors
   */
  readonly buffersize?: number | undefined
  /**
   * `true` yields results in input order; `false` yields them as they complete
   * (`imap_unordered`).
   *
   * @defaultValue `true`
   */
  readonly ordered?: boolean | undefined
  /**
   * Aborting stops the map: queued work is cancelled, running tasks are interrupted, and the
   * loop throws `signal.reason`.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * Options of {@link Executor.shutdown}.
 *
 * @example
 * ```ts
 * const options: ShutdownOptions = { wait: true, cancelFutures: true }
 * await pool.shutdown(options) // queued tasks are cancelled; running ones finish
 * ```
 * @category Executors
 */
export interface ShutdownOptions {
  /**
   * Wait until every running and queued task has finished (and workers have exited) before the
   * promise resolves.
   *
   * @defaultValue `true`
   */
  readonly wait?: boolean | undefined
  /**
   * Cancel every task that has not started yet.
   *
   * @defaultValue `false`
   */
  readonly cancelFutures?: boolean | undefined
}

/**
 * What one chunk of a `map` produced, item by item: the results of its items in input order,
 * up to the first item that threw, and that item's error. A chunk never fails as a whole for
 * one item: `map` yields the results before the failing item, then throws its error at its
 * position, whatever the `chunksize`.
 *
 * @typeParam R - an item's result.
 * @example
 * ```ts
 * import { type ChunkResult } from '@concurrent/future'
 *
 * const ok: ChunkResult<number> = { values: [1, 4, 9] }
 * const failed: ChunkResult<number> = { values: [1, 4], failure: { error: new RangeError('3') } }
 * ```
 * @category Executors
 */
export interface ChunkResult<R> {
  /**
   * The results of the chunk's items, in order, up to (not including) the first that threw.
   * An array, or a typed array when every result is a number (read it by index either way).
   */
  readonly values: ArrayLike<R>
  /** Present when an item threw: its error. That item is at index `values.length`. */
  readonly failure?: { readonly error: unknown } | undefined
}

/**
 * The results of one unit of work of a `map`, as {@link MapResults.chunks} yields them: an
 * array, or a typed array when every result was a number. Both index and iterate alike.
 *
 * @typeParam R - an item's result.
 * @example
 * ```ts
 * import type { ResultChunk } from '@concurrent/future'
 *
 * function countTrue(chunk: ResultChunk<boolean>): number {
 *   let count = 0
 *   for (const ok of chunk) if (ok) count++
 *   return count
 * }
 * ```
 * @category Executors
 */
export type ResultChunk<R> = ArrayLike<R> & Iterable<R>

/**
 * What `map` and `starmap` return: the results, item by item, in a `for await` loop — and, with
 * {@link MapResults.chunks}, a unit of work's results at a time.
 *
 * @typeParam R - an item's result.
 * @example
 * ```ts
 * const results: MapResults<boolean> = pool.map(tasks.isPrime, numbers, { chunksize: 10_000 })
 * for await (const ok of results) if (ok) primes++
 * ```
 * @category Executors
 */
export interface MapResults<R> extends AsyncIterableIterator<R> {
  /**
   * The results not yet taken, a chunk (a unit of work) at a time: the same results, in the
   * same order, as the item by item loop, without a promise per item — for maps of many quick
   * items, where the loop's own cost per item is a large share of the work. The first error
   * is thrown after the results before it, as in the item by item loop; leaving the loop early
   * ends the map as `return()` does.
   *
   * @returns an async iterator of {@link ResultChunk}s.
   * @example
   * ```ts
   * let primes = 0
   * for await (const chunk of pool.map(tasks.isPrime, numbers, { chunksize: 10_000 }).chunks()) {
   *   for (const ok of chunk) if (ok) primes++
   * }
   * ```
   */
  chunks(): AsyncIterableIterator<ResultChunk<R>>
}

/**
 * The `buffersize` of a `map` when neither the call nor the executor gives one.
 *
 * @example
 * ```ts
 * import { DEFAULT_BUFFERSIZE } from '@concurrent/future'
 *
 * console.log(DEFAULT_BUFFERSIZE) // 256 units of work read ahead of the consumer
 * ```
 * @category Executors
 */
export const DEFAULT_BUFFERSIZE = 256

/**
 * Runs tasks and hands back {@link Future}s: the shape shared by `ThreadPoolExecutor`,
 * `ProcessPoolExecutor`, `AsyncExecutor` and the cluster executor.
 *
 * @example
 * ```ts
 * import type { Executor } from '@concurrent/future'
 *
 * async function total(executor: Executor, files: string[]): Promise<number> {
 *   let sum = 0
 *   for await (const size of executor.map(tasks.fileSize, files)) sum += size
 *   return sum
 * }
 * ```
 * @category Executors
 */
export interface Executor extends AsyncDisposable {
  /**
   * Schedules `task(...args)` and returns its future at once.
   *
   * @throws `ShutdownError` if the executor is shut down.
   */
  submit<A extends readonly unknown[], R>(task: Task<A, R>, ...args: A): Future<Awaited<R>>
  /**
   * Runs `task` on every item of `iterable` and yields the results (see {@link MapOptions}).
   *
   * @throws `ShutdownError` if the executor is shut down.
   */
  map<T, R>(
    task: Task<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions,
  ): AsyncIterableIterator<Awaited<R>>
  /**
   * Like {@link Executor.map}, with each item spread as the task's arguments.
   *
   * @throws `ShutdownError` if the executor is shut down.
   */
  starmap<A extends readonly unknown[], R>(
    task: Task<A, R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    options?: MapOptions,
  ): AsyncIterableIterator<Awaited<R>>
  /** A view of the same executor whose submissions carry `options`. */
  with(options: TaskOptions): Executor
  /** Stops accepting work and releases the executor's resources (see {@link ShutdownOptions}). */
  shutdown(options?: ShutdownOptions): Promise<void>
}

/**
 * The base every executor extends: implements `submit`, `map`, `starmap`, `with()` and
 * `[Symbol.asyncDispose]` once, over three primitives a subclass provides — `schedule` (run
 * one task), `scheduleChunk` (run a chunk of items as one unit of work) and `shutdown`.
 *
 * @example
 * ```ts
 * import { AbstractExecutor, Future, type ChunkResult, type Task, type TaskOptions } from '@concurrent/future'
 *
 * // Runs plain functions at once, on the calling thread.
 * class InlineExecutor extends AbstractExecutor {
 *   protected schedule<A extends readonly unknown[], R>(task: Task<A, R>, args: A, _options: TaskOptions) {
 *     const future = new Future<Awaited<R>>()
 *     future.setRunningOrNotifyCancel()
 *     Promise.resolve((task as (...args: A) => R)(...args)).then(
 *       (value) => future.setResult(value),
 *       (error: unknown) => future.setException(error),
 *     )
 *     return future
 *   }
 *   protected scheduleChunk<A extends readonly unknown[], R>(task: Task<A, R>, items: readonly A[], options: TaskOptions) {
 *     const fn = task as (...args: A) => R
 *     // Item by item, up to the first that throws: map yields the results before it.
 *     const run = async (): Promise<ChunkResult<Awaited<R>>> => {
 *       const values: Array<Awaited<R>> = []
 *       for (const args of items) {
 *         try {
 *           values.push(await fn(...args))
 *         } catch (error) {
 *           return { values, failure: { error } }
 *         }
 *       }
 *       return { values }
 *     }
 *     return this.schedule(run, [], options)
 *   }
 *   async shutdown() {}
 * }
 * ```
 * @category Executors
 */
export abstract class AbstractExecutor implements Executor {
  /**
   * Runs one task. Called by `submit` and by `map` for chunks of one item.
   *
   * @throws `ShutdownError` when the executor is shut down; validation errors for bad input.
   */
  protected abstract schedule<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: TaskOptions,
  ): Future<Awaited<R>>

  /**
   * Runs a chunk of items as one unit of work, in order, up to the first item that throws:
   * resolves with their results and that item's error ({@link ChunkResult}). The future rejects
   * only when the chunk as a whole could not run (its worker crashed, it was cancelled).
   *
   * @throws `ShutdownError` when the executor is shut down; validation errors for bad input.
   */
  protected abstract scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): Future<ChunkResult<Awaited<R>>>

  /**
   * Runs a chunk of a one-argument task as one unit of work, like `scheduleChunk`, but with
   * `items` the arguments themselves rather than one-element argument lists: `map` over an
   * array hands its slices here. Override it where a flat list is cheaper to send; by default
   * it wraps each item and calls `scheduleChunk`.
   *
   * @throws as `scheduleChunk` does.
   * @example
   * ```ts
   * // In a subclass whose workers can take the arguments as they are:
   * protected override scheduleFlatChunk<T, R>(task: Task<[T], R>, items: readonly T[], options: TaskOptions) {
   *   return this.runChunk(task, items, { ...options, flat: true })
   * }
   * ```
   */
  protected scheduleFlatChunk<T, R>(
    task: Task<[T], R>,
    items: readonly T[],
    options: TaskOptions,
  ): Future<ChunkResult<Awaited<R>>> {
    // Array.from, not map: a hole in a sparse input is a call with `undefined`, as for-of reads it.
    return this.scheduleChunk(
      task,
      Array.from(items, (item): [T] => [item]),
      options,
    )
  }

  /**
   * The `chunksize` that `map` uses for an input of `length` items when none is given.
   *
   * @returns `1` here; pools return about `length / (workers * 4)` (Python's `Pool.map`).
   */
  protected defaultChunksize(_length: number): number {
    return 1
  }

  /**
   * The `buffersize` that `map` uses when none is given: how many units of work (tasks or
   * chunks) it submits ahead of the consumer. Bounded, so that a map over an endless input
   * never reads it to the end.
   *
   * @returns `DEFAULT_BUFFERSIZE` (256) here; pools return a multiple of their workers (and a
   * bound that fits their queue, when it is bounded).
   */
  protected defaultBuffersize(): number {
    return DEFAULT_BUFFERSIZE
  }

  /** See {@link Executor.shutdown}. */
  abstract shutdown(options?: ShutdownOptions): Promise<void>

  /**
   * Schedules `task(...args)` and returns its {@link Future} at once. The future is pending
   * while queued, running once a worker takes it, and settles with the task's (awaited) value
   * or exception.
   *
   * @returns the task's future.
   * @throws `ShutdownError` if the executor is shut down.
   * @example
   * ```ts
   * const future = pool.submit(tasks.isPrime, 97)
   * console.log(await future) // true
   * ```
   */
  submit<A extends readonly unknown[], R>(task: Task<A, R>, ...args: A): Future<Awaited<R>> {
    return this.schedule(task, args, {})
  }

  /**
   * Runs `task` on every item of `iterable`, in parallel, and yields the results — in input
   * order unless `ordered: false`. Work is submitted as soon as `map` is called (as in Python),
   * reading the input lazily when `buffersize` is set.
   *
   * - The first task that fails throws its error from the loop, at its position.
   * - Leaving the loop early (`break`, `return`, a throw) cancels the work still queued.
   * - `timeout` counts from the call; when it passes the loop throws `TimeoutError`.
   * - Shutting the executor down cancels or finishes the remaining work as `shutdown` says.
   *
   * @returns an async iterator of results; each `next()` settles when the next result is ready.
   * @throws `ShutdownError` (from the call) if the executor is shut down.
   * @throws RangeError/TypeError (from the call) for invalid options.
   * @example
   * ```ts
   * for await (const ok of pool.map(tasks.isPrime, numbers, { chunksize: 1_000 })) {
   *   if (ok) primes++
   * }
   * ```
   */
  map<T, R>(
    task: Task<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options: MapOptions = {},
  ): MapResults<Awaited<R>> {
    return this.#mapArgs(task, iterable, options, (item: T): [T] => [item], {
      scheduleFlat: (items, taskOptions) => this.scheduleFlatChunk(task, items, taskOptions),
    })
  }

  /**
   * Like {@link AbstractExecutor.map}, but each item of `iterable` is a tuple of arguments,
   * spread into the task (Python's `Pool.starmap`).
   *
   * @returns an async iterator of results.
   * @throws `ShutdownError` (from the call) if the executor is shut down.
   * @example
   * ```ts
   * for await (const sum of pool.starmap(tasks.add, [[1, 2], [3, 4]])) console.log(sum)
   * ```
   */
  starmap<A extends readonly unknown[], R>(
    task: Task<A, R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    options: MapOptions = {},
  ): MapResults<Awaited<R>> {
    return this.#mapArgs(task, iterable, options, (item: A): A => {
      if (!Array.isArray(item)) {
        throw new TypeError(
          `Expected every item of a starmap input to be an array of arguments, got ${describe(item)}`,
        )
      }
      return item
    })
  }

  /**
   * A view of this executor whose submissions (`submit`, `map`, `starmap`) carry `options`.
   * Views share the executor's workers and queue; shutting a view down shuts the executor down.
   * Options of nested views combine: both signals count, the inner `timeout` and `priority`
   * win, `transfer` lists add up.
   *
   * @returns a view of the same executor.
   * @throws RangeError/TypeError for invalid options.
   * @example
   * ```ts
   * const controller = new AbortController()
   * const urgent = pool.with({ priority: 10, timeout: 5_000, signal: controller.signal })
   * const future = urgent.submit(tasks.resize, image)
   * ```
   */
  with(options: TaskOptions): Executor {
    checkTaskOptions(options)
    return new ExecutorView({
      schedule: (task, args, more) => this.schedule(task, args, mergeTaskOptions(options, more)),
      scheduleChunk: (task, items, more) =>
        this.scheduleChunk(task, items, mergeTaskOptions(options, more)),
      scheduleFlatChunk: (task, items, more) =>
        this.scheduleFlatChunk(task, items, mergeTaskOptions(options, more)),
      defaultChunksize: (length) => this.defaultChunksize(length),
      defaultBuffersize: () => this.defaultBuffersize(),
      shutdown: (shutdownOptions) => this.shutdown(shutdownOptions),
    })
  }

  /** `await using executor = …` shuts the executor down and waits, as Python's `with` does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown({ wait: true })
  }

  #mapArgs<T, A extends readonly unknown[], R>(
    task: Task<A, R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options: MapOptions,
    toArgs: (item: T) => A,
    flat?: Pick<MapHost<A, Awaited<R>, T>, 'scheduleFlat'>,
  ): MapResults<Awaited<R>> {
    checkIterable(iterable, flat === undefined ? 'starmap' : 'map')
    checkMapOptions(options)
    const host: MapHost<A, Awaited<R>, T> = {
      schedule: (args, taskOptions) => this.schedule(task, args, taskOptions),
      scheduleChunk: (items, taskOptions) => this.scheduleChunk(task, items, taskOptions),
      ...flat,
    }
    const length = knownLength(iterable)
    const chunksize =
      options.chunksize ?? (length === undefined ? 1 : Math.max(1, this.defaultChunksize(length)))
    const buffersize = options.buffersize ?? this.defaultBuffersize()
    return MapIterator.start(host, iterable, toArgs, { ...options, chunksize, buffersize })
  }
}

interface ViewTarget {
  schedule<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: TaskOptions,
  ): Future<Awaited<R>>
  scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): Future<ChunkResult<Awaited<R>>>
  scheduleFlatChunk<T, R>(
    task: Task<[T], R>,
    items: readonly T[],
    options: TaskOptions,
  ): Future<ChunkResult<Awaited<R>>>
  defaultChunksize(length: number): number
  defaultBuffersize(): number
  shutdown(options?: ShutdownOptions): Promise<void>
}

/** What {@link AbstractExecutor.with} returns: every call forwarded with the view's options. */
class ExecutorView extends AbstractExecutor {
  readonly #target: ViewTarget

  constructor(target: ViewTarget) {
    super()
    this.#target = target
  }

  protected schedule<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: TaskOptions,
  ): Future<Awaited<R>> {
    return this.#target.schedule(task, args, options)
  }

  protected scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): Future<ChunkResult<Awaited<R>>> {
    return this.#target.scheduleChunk(task, items, options)
  }

  protected override scheduleFlatChunk<T, R>(
    task: Task<[T], R>,
    items: readonly T[],
    options: TaskOptions,
  ): Future<ChunkResult<Awaited<R>>> {
    return this.#target.scheduleFlatChunk(task, items, options)
  }

  protected override defaultChunksize(length: number): number {
    return this.#target.defaultChunksize(length)
  }

  protected override defaultBuffersize(): number {
    return this.#target.defaultBuffersize()
  }

  shutdown(options?: ShutdownOptions): Promise<void> {
    return this.#target.shutdown(options)
  }
}

/**
 * Combines the options of nested views: both signals count, `inner` wins for `timeout` and
 * `priority`, and `transfer` lists add up.
 *
 * @internal
 */
export function mergeTaskOptions(outer: TaskOptions, inner: TaskOptions): TaskOptions {
  const signal = anySignal(outer.signal, inner.signal)
  const transfer =
    outer.transfer === undefined
      ? inner.transfer
      : inner.transfer === undefined
        ? outer.transfer
        : [...outer.transfer, ...inner.transfer]
  return {
    ...outer,
    ...inner,
    ...(signal === undefined ? {} : { signal }),
    ...(transfer === undefined ? {} : { transfer }),
  }
}

/**
 * Throws a TypeError/RangeError naming the first invalid {@link TaskOptions} field.
 *
 * @internal
 */
export function checkTaskOptions(options: TaskOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected task options to be an object, got ${describe(options)}`)
  }
  checkSignal(options.signal)
  checkTimeout(options.timeout)
  if (options.transfer !== undefined && !Array.isArray(options.transfer)) {
    throw new TypeError(`Expected \`transfer\` to be an array, got ${describe(options.transfer)}`)
  }
  if (options.priority !== undefined && !Number.isFinite(options.priority)) {
    throw new RangeError(
      `Expected \`priority\` to be a finite number, got ${describe(options.priority)}`,
    )
  }
}

/** Throws a TypeError naming `iterable` when it is neither iterable nor async iterable. */
function checkIterable(iterable: unknown, method: string): void {
  const ok =
    typeof iterable === 'object' || typeof iterable === 'function'
      ? iterable !== null &&
        (typeof (iterable as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function' ||
          typeof (iterable as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function')
      : typeof iterable === 'string'
  if (!ok) {
    throw new TypeError(
      `Expected the input of \`${method}\` to be an iterable or an async iterable (an array, a Set, a generator), got ${describe(iterable)}`,
    )
  }
}

function checkMapOptions(options: MapOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected map options to be an object, got ${describe(options)}`)
  }
  checkInteger(options.chunksize, 'chunksize', 1)
  checkInteger(options.buffersize, 'buffersize', 1, { infinite: true })
  checkTimeout(options.timeout)
  checkSignal(options.signal)
}

function knownLength(iterable: unknown): number | undefined {
  if (Array.isArray(iterable)) return iterable.length
  if (ArrayBuffer.isView(iterable) && !(iterable instanceof DataView)) {
    return (iterable as unknown as ArrayLike<unknown>).length
  }
  if (iterable instanceof Set || iterable instanceof Map) return iterable.size
  return undefined
}
