/**
 * `Pool`: Python's `multiprocessing.Pool`, over the executors. A pool is one
 * `ProcessPoolExecutor` (or `ThreadPoolExecutor`, with `kind: 'thread'`) with Python's method
 * names and semantics on top; every submission carries the pool's own abort signal, which
 * `terminate()` aborts.
 *
 * ```
 * map/starmap ─▶ executor.starmap ─▶ collect ─▶ AsyncResult
 * apply        ─▶ executor.submit  ─────────▶ AsyncResult
 * imap         ─▶ executor.starmap ─▶ async iterator
 * terminate()  ─▶ abort signal: queued work cancelled, running workers stopped ─▶ shutdown
 * ```
 *
 * Queues, pipes, locks and shared values among the arguments travel as they do to any
 * executor's tasks: by the codecs their classes registered (see `internal/transport/handles.ts`).
 *
 * What Python's pool gets wrong stays fixed here: a worker that dies fails only the work it was
 * running (with `WorkerCrashedError`) and is replaced, so a pool never hangs on a killed
 * worker; a failing initializer breaks the pool (`BrokenExecutorError`) instead of restarting
 * workers forever.
 */
import { availableParallelism } from 'node:os'

import { CancelledError } from '@concurrent/cancellation'
import {
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  type PoolExecutor,
  type ProcessPoolExecutorOptions,
} from '@concurrent/executors'
import { InvalidStateError, ShutdownError, type Executor, type Task } from '@concurrent/future'
import { checkInteger, describe } from '@concurrent/future/internal'

import { AsyncResult, type AsyncResultCallbacks } from './async-result.js'
import type { ProcessKind } from './process.js'

/**
 * Options of {@link Pool}, Python's `Pool` arguments.
 *
 * @example
 * ```ts
 * import { Pool } from '@concurrent/multiprocessing'
 *
 * await using pool = new Pool({ processes: 4, maxtasksperchild: 100, kind: 'thread' })
 * ```
 * @category Processes
 */
export interface PoolOptions {
  /**
   * How many workers run tasks at once.
   *
   * @defaultValue `os.availableParallelism()`
   */
  readonly processes?: number | undefined
  /**
   * Runs once in every worker before its first task, with `initargs`: a task reference or a
   * self-contained function. If it throws, the pool breaks: its work fails with
   * `BrokenExecutorError` (Python's pool would restart the worker forever).
   *
   * @defaultValue none
   */
  readonly initializer?: Task<never[], unknown> | undefined
  /**
   * The initializer's arguments; queues and pipes (and, with `kind: 'thread'`, locks and
   * shared memory) reconnect in each worker.
   *
   * @defaultValue `[]`
   */
  readonly initargs?: readonly unknown[] | undefined
  /**
   * Replace a worker after it has run this many tasks (a chunk of `map` counts as one).
   *
   * @defaultValue `Infinity`
   */
  readonly maxtasksperchild?: number | undefined
  /**
   * Child processes, or worker threads (see {@link ProcessKind}).
   *
   * @defaultValue `'process'`
   */
  readonly kind?: ProcessKind | undefined
}

/**
 * Options of {@link Pool.map} and {@link Pool.starmap}.
 *
 * @example
 * ```ts
 * const squares = await pool.map(tasks.square, numbers, { chunksize: 1_000 })
 * ```
 * @category Processes
 */
export interface PoolMapOptions {
  /**
   * How many items go to a worker as one task.
   *
   * @defaultValue chosen as Python does: the input's length divided by four times
   * `processes`, rounded up
   */
  readonly chunksize?: number | undefined
}

/**
 * Options of {@link Pool.mapAsync} and {@link Pool.starmapAsync}.
 *
 * @typeParam T - the result list's type.
 *
 * @example
 * ```ts
 * const result = pool.mapAsync(tasks.square, [1, 2, 3], {
 *   chunksize: 1,
 *   callback: (squares) => console.log(squares),
 * })
 * await result.wait()
 * ```
 * @category Processes
 */
export interface PoolMapAsyncOptions<T> extends PoolMapOptions, AsyncResultCallbacks<T> {}

/**
 * Options of {@link Pool.imap} and {@link Pool.imapUnordered}.
 *
 * @example
 * ```ts
 * for await (const square of pool.imap(tasks.square, numbers, { chunksize: 100, buffersize: 8 })) {
 *   console.log(square)
 * }
 * ```
 * @category Processes
 */
export interface PoolImapOptions {
  /**
   * How many items go to a worker as one task.
   *
   * @defaultValue `1`, as in Python
   */
  readonly chunksize?: number | undefined
  /**
   * How many tasks (chunks) may be submitted ahead of the loop that reads the results: the
   * input is read lazily, so an endless generator works and memory stays flat. `Infinity`
   * submits the whole input at once, as Python's `imap` does without a `buffersize`.
   *
   * @defaultValue twice `processes`
   */
  readonly buffersize?: number | undefined
}

/**
 * The arguments of {@link Pool.apply} after the task: its argument list, required when the
 * task takes arguments.
 *
 * @typeParam A - the task's parameter types.
 *
 * @example
 * ```ts
 * console.log(await pool.apply(tasks.add, [1, 2])) // the args tuple is typed from the task
 * console.log(await pool.apply(tasks.now)) // a task without parameters needs no args
 * ```
 * @category Processes
 */
export type ApplyArguments<A extends readonly unknown[]> = [] extends A ? [args?: A] : [args: A]

/**
 * The arguments of {@link Pool.applyAsync} after the task: its argument list (required when the
 * task takes arguments), then the callbacks.
 *
 * @typeParam A - the task's parameter types.
 * @typeParam R - the task's awaited result type.
 *
 * @example
 * ```ts
 * const result = pool.applyAsync(tasks.add, [1, 2], { callback: (sum) => console.log(sum) })
 * ```
 * @category Processes
 */
export type ApplyAsyncArguments<A extends readonly unknown[], R> = [] extends A
  ? [args?: A, callbacks?: AsyncResultCallbacks<R>]
  : [args: A, callbacks?: AsyncResultCallbacks<R>]

/**
 * Milliseconds a running task gets, after `terminate()` cancels it, to stop by itself before its
 * worker is stopped. A task waiting on a queue, a pipe or a lock stops at once and leaves the
 * queue's items in place; a busy loop is stopped when they pass.
 */
const STOP_GRACE = 100

const knownOptions = ['processes', 'initializer', 'initargs', 'maxtasksperchild', 'kind']

/**
 * A pool of workers that runs a function over many inputs in parallel — Python's
 * `multiprocessing.Pool`, built on `ProcessPoolExecutor` (or, with `kind: 'thread'`,
 * `ThreadPoolExecutor`).
 *
 * Every Python method is here, camel-cased, returning promises where Python blocks: `map`,
 * `starmap`, `apply` resolve with the results; `mapAsync`, `starmapAsync`, `applyAsync`
 * return an {@link AsyncResult} at once; `imap` and `imapUnordered` are async iterables.
 *
 * - **Lifetime**: `close()` then `join()` lets the work finish and the workers exit;
 *   `terminate()` stops at once. `await using pool = new Pool()` terminates at the end of the
 *   block, as Python's `with Pool() as pool:` does, so await the results inside it.
 * - **Terminate**: unfinished work fails with `CancelledError`. A running task is cancelled
 *   (its token and signal fire; a `get` on a queue gives up and leaves the items in place) and
 *   its worker is stopped if it is still busy 100 ms later.
 * - **Crash**: a worker that dies (`process.exit`, a fatal error, `SIGKILL`) fails only the
 *   work it was running, with `WorkerCrashedError`, and is replaced: the pool never hangs.
 * - **Arguments** are copied (structured clone); queues and pipes reconnect in the workers,
 *   and with `kind: 'thread'` so do locks and shared memory (with `kind: 'process'` those throw
 *   `DataCloneError` at the call).
 *
 * @example
 * ```ts
 * import { Pool, taskModule } from '@concurrent/multiprocessing'
 *
 * // tasks.ts: export function square(n: number): number { return n * n }
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 *
 * await using pool = new Pool(5)
 * console.log(await pool.map(tasks.square, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
 * // [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
 * ```
 * @category Processes
 */
export class Pool implements AsyncDisposable {
  /** How many workers run tasks at once. */
  readonly processes: number
  /** Where the tasks run. */
  readonly kind: ProcessKind
  readonly #executor: PoolExecutor
  readonly #view: Executor
  readonly #terminated = new AbortController()
  /** Work whose submission is not over yet: `join()` waits for it. */
  readonly #outstanding = new Set<Promise<void>>()
  #state: 'run' | 'close' | 'terminate' = 'run'
  #shutdown: Promise<void> | undefined

  /**
   * Creates the pool; workers start on demand.
   *
   * @param processesOrOptions - `processes` (Python's `Pool(4)`), or the options.
   * @throws TypeError/RangeError for an invalid option, naming it.
   * @throws `InlineTaskError` for an initializer that uses outer variables, `DataCloneError`
   * for `initargs` that cannot go to the workers.
   */
  constructor(processesOrOptions: number | PoolOptions = {}) {
    const options: PoolOptions =
      typeof processesOrOptions === 'number' || processesOrOptions === undefined
        ? { processes: processesOrOptions }
        : processesOrOptions
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `Expected \`processes\` or Pool options, got ${describe(processesOrOptions)}`,
      )
    }
    for (const key of Object.keys(options)) {
      if (!knownOptions.includes(key)) {
        throw new TypeError(
          `Unknown Pool option \`${key}\`; the options are ${knownOptions.map((k) => `\`${k}\``).join(', ')}`,
        )
      }
    }
    const { processes = availableParallelism(), kind = 'process', maxtasksperchild } = options
    checkInteger(processes, 'processes', 1)
    checkInteger(maxtasksperchild, 'maxtasksperchild', 1, { infinite: true })
    if (kind !== 'process' && kind !== 'thread') {
      throw new TypeError(`Expected \`kind\` to be 'process' or 'thread', got ${describe(kind)}`)
    }
    const initargs = options.initargs ?? []
    if (!Array.isArray(initargs)) {
      throw new TypeError(`Expected \`initargs\` to be an array, got ${describe(initargs)}`)
    }
    const executorOptions: ProcessPoolExecutorOptions = {
      maxWorkers: processes,
      gracePeriod: STOP_GRACE,
      ...(options.initializer === undefined ? {} : { initializer: options.initializer, initargs }),
      ...(maxtasksperchild === undefined ? {} : { maxTasksPerChild: maxtasksperchild }),
    }
    this.processes = processes
    this.kind = kind
    this.#executor =
      kind === 'process'
        ? new ProcessPoolExecutor(executorOptions)
        : new ThreadPoolExecutor(executorOptions)
    this.#view = this.#executor.with({ signal: this.#terminated.signal })
  }

  /**
   * Calls `fn(...args)` in a worker and waits for the result — Python's `apply`.
   *
   * @returns a promise for the result.
   * @throws the task's error; `WorkerCrashedError` if its worker died; `CancelledError` if the
   * pool was terminated first.
   * @throws `ShutdownError` when the pool was closed or terminated.
   * @example
   * ```ts
   * console.log(await pool.apply(tasks.add, [1, 2])) // 3
   * ```
   */
  async apply<A extends readonly unknown[], R>(
    fn: Task<A, R>,
    ...parameters: ApplyArguments<A>
  ): Promise<Awaited<R>> {
    return this.applyAsync(fn, ...(parameters as ApplyAsyncArguments<A, Awaited<R>>)).get()
  }

  /**
   * Calls `fn(...args)` in a worker and returns its {@link AsyncResult} at once — Python's
   * `apply_async`, with its `callback` and `error_callback`.
   *
   * @returns the result, ready once the call has finished.
   * @throws `ShutdownError` (synchronously) when the pool was closed or terminated.
   * @throws `DataCloneError`/`InlineTaskError` (synchronously) for arguments or a task that
   * cannot go to a worker.
   * @example
   * ```ts
   * const result = pool.applyAsync(tasks.square, [7], { callback: (n) => console.log(n) })
   * await result.wait()
   * ```
   */
  applyAsync<A extends readonly unknown[], R>(
    fn: Task<A, R>,
    ...parameters: ApplyAsyncArguments<A, Awaited<R>>
  ): AsyncResult<Awaited<R>> {
    this.#checkRunning()
    const [args, callbacks] = parameters
    const list: readonly unknown[] = args ?? []
    if (!Array.isArray(list)) {
      throw new TypeError(`Expected \`args\` to be an array, got ${describe(list)}`)
    }
    const future = this.#view.submit(
      fn as Task<readonly unknown[], unknown>,
      ...(list as unknown[]),
    )
    this.#track(future)
    return new AsyncResult(Promise.resolve(future as PromiseLike<Awaited<R>>), callbacks)
  }

  /**
   * Calls `fn` on every item of `iterable` in the workers and resolves with the results in
   * order — Python's `map`. The input is read whole first (an async iterable too), and sent in
   * chunks of `chunksize` items, chosen as Python does when not given.
   *
   * @returns a promise for the list of results.
   * @throws the first error among the items (in input order); the rest of the work is
   * cancelled.
   * @throws `ShutdownError` when the pool was closed or terminated.
   * @example
   * ```ts
   * const squares = await pool.map(tasks.square, [1, 2, 3]) // [1, 4, 9]
   * ```
   */
  async map<T, R>(
    fn: Task<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options: PoolMapOptions = {},
  ): Promise<Array<Awaited<R>>> {
    return this.mapAsync(fn, iterable, options).get()
  }

  /**
   * Like {@link Pool.map}, returning an {@link AsyncResult} at once — Python's `map_async`.
   *
   * @returns the result, ready with the list of results once every item is done (or the
   * first failure is known).
   * @throws `ShutdownError` (synchronously) when the pool was closed or terminated.
   * @example
   * ```ts
   * const result = pool.mapAsync(tasks.square, [1, 2, 3], {
   *   callback: (squares) => console.log(squares),
   * })
   * await result.wait()
   * ```
   */
  mapAsync<T, R>(
    fn: Task<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options: PoolMapAsyncOptions<Array<Awaited<R>>> = {},
  ): AsyncResult<Array<Awaited<R>>> {
    return this.#mapAsync(
      fn,
      iterable,
      options as PoolMapAsyncOptions<unknown[]>,
      false,
    ) as AsyncResult<Array<Awaited<R>>>
  }

  /**
   * Like {@link Pool.map}, with each item an array of arguments spread into `fn` — Python's
   * `starmap`.
   *
   * @returns a promise for the list of results.
   * @throws TypeError when an item is not an array.
   * @example
   * ```ts
   * const sums = await pool.starmap(tasks.add, [[1, 2], [3, 4]]) // [3, 7]
   * ```
   */
  async starmap<A extends readonly unknown[], R>(
    fn: Task<A, R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    options: PoolMapOptions = {},
  ): Promise<Array<Awaited<R>>> {
    return this.starmapAsync(fn, iterable, options).get()
  }

  /**
   * Like {@link Pool.starmap}, returning an {@link AsyncResult} at once — Python's
   * `starmap_async`.
   *
   * @returns the result, ready with the list of results.
   * @example
   * ```ts
   * const sums = await pool.starmapAsync(tasks.add, [[1, 2], [3, 4]]).get()
   * ```
   */
  starmapAsync<A extends readonly unknown[], R>(
    fn: Task<A, R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    options: PoolMapAsyncOptions<Array<Awaited<R>>> = {},
  ): AsyncResult<Array<Awaited<R>>> {
    return this.#mapAsync(
      fn,
      iterable,
      options as PoolMapAsyncOptions<unknown[]>,
      true,
    ) as AsyncResult<Array<Awaited<R>>>
  }

  /**
   * Calls `fn` on every item of `iterable` and yields the results in input order as they
   * arrive — Python's `imap`. The input is read lazily, at most `buffersize` tasks ahead of
   * the loop, so it may be endless. Leaving the loop early cancels the work not yet started.
   *
   * @returns an async iterable of the results.
   * @throws `ShutdownError` (synchronously) when the pool was closed or terminated.
   * @throws the first error among the items, from the loop, at its position.
   * @example
   * ```ts
   * for await (const square of pool.imap(tasks.square, naturals(), { chunksize: 100 })) {
   *   if (square > 10_000) break
   * }
   * ```
   */
  imap<T, R>(
    fn: Task<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options: PoolImapOptions = {},
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#imap(fn, iterable, options, false, true) as AsyncIterableIterator<Awaited<R>>
  }

  /**
   * Like {@link Pool.imap}, yielding each result as soon as it is ready, in any order —
   * Python's `imap_unordered`.
   *
   * @returns an async iterable of the results, in completion order.
   * @example
   * ```ts
   * for await (const size of pool.imapUnordered(tasks.fileSize, paths)) total += size
   * ```
   */
  imapUnordered<T, R>(
    fn: Task<[T], R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    options: PoolImapOptions = {},
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#imap(fn, iterable, options, false, false) as AsyncIterableIterator<Awaited<R>>
  }

  /**
   * Stops accepting work; what was submitted still runs — Python's `close()`. Call
   * {@link Pool.join} to wait for it.
   *
   * @example
   * ```ts
   * pool.close()
   * await pool.join()
   * ```
   */
  close(): void {
    if (this.#state === 'run') this.#state = 'close'
  }

  /**
   * Stops now: work not yet finished fails with `CancelledError`, running tasks are cancelled
   * and their workers stopped (after 100 ms at most) — Python's `terminate()`.
   *
   * @returns a promise that resolves once every worker has exited.
   * @example
   * ```ts
   * await pool.terminate()
   * ```
   */
  async terminate(): Promise<void> {
    if (this.#state !== 'terminate') {
      this.#state = 'terminate'
      this.#terminated.abort(new CancelledError('the pool was terminated'))
    }
    await this.#stop()
  }

  /**
   * Waits for the work to finish (after `close()`) or to stop (after `terminate()`) and for
   * the workers to exit — Python's `join()`. A lazy `imap` counts as work until its input has
   * been read to the end or its loop has ended.
   *
   * @returns a promise that resolves once every worker has exited.
   * @throws `InvalidStateError` when neither `close()` nor `terminate()` was called.
   * @example
   * ```ts
   * const result = pool.mapAsync(tasks.square, [1, 2, 3])
   * pool.close()
   * await pool.join()
   * console.log(await result.get())
   * ```
   */
  async join(): Promise<void> {
    if (this.#state === 'run') {
      throw new InvalidStateError(
        'the Pool is still running: call close() or terminate() before join()',
      )
    }
    while (this.#state === 'close' && this.#outstanding.size > 0) {
      await Promise.all(this.#outstanding)
    }
    await this.#stop()
  }

  /**
   * Terminates the pool and waits for its workers (`await using`, like Python's `with`).
   *
   * @returns a promise that resolves once every worker has exited.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate()
  }

  #checkRunning(): void {
    if (this.#state !== 'run') {
      throw new ShutdownError(
        `the Pool is not running: ${this.#state === 'close' ? 'close()' : 'terminate()'} was called`,
      )
    }
  }

  #stop(): Promise<void> {
    this.#shutdown ??= this.#executor.shutdown({ wait: true, cancelFutures: true })
    return this.#shutdown
  }

  /** Counts `work` as outstanding until it settles. */
  #track(work: PromiseLike<unknown>): void {
    const settled = Promise.resolve(work).then(noop, noop)
    this.#outstanding.add(settled)
    void settled.then(() => this.#outstanding.delete(settled))
  }

  #mapAsync(
    fn: unknown,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    options: PoolMapAsyncOptions<unknown[]>,
    spread: boolean,
  ): AsyncResult<unknown[]> {
    this.#checkRunning()
    checkOptions(options)
    const { chunksize } = options
    const run = (items: unknown[]): Promise<unknown[]> => {
      const argLists = items.map((item) => (spread ? argumentList(item) : [item]))
      const results = this.#view.starmap(
        fn as Task<readonly unknown[], unknown>,
        argLists,
        chunksize === undefined ? {} : { chunksize },
      )
      return collect(results)
    }
    let work: Promise<unknown[]>
    if (isIterable(iterable)) {
      // Submitted now, as Python's map_async does.
      work = run(Array.from(iterable))
    } else if (isAsyncIterable(iterable)) {
      work = (async () => {
        const items: unknown[] = []
        for await (const item of iterable) items.push(item)
        return run(items)
      })()
    } else {
      throw new TypeError(`Expected an iterable or async iterable, got ${describe(iterable)}`)
    }
    this.#track(work)
    return new AsyncResult(work, options)
  }

  #imap(
    fn: unknown,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    options: PoolImapOptions,
    spread: boolean,
    ordered: boolean,
  ): AsyncIterableIterator<unknown> {
    this.#checkRunning()
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected imap options to be an object, got ${describe(options)}`)
    }
    const { chunksize = 1, buffersize = 2 * this.processes } = options
    checkInteger(chunksize, 'chunksize', 1)
    checkInteger(buffersize, 'buffersize', 1, { infinite: true })
    if (!isIterable(iterable) && !isAsyncIterable(iterable)) {
      throw new TypeError(`Expected an iterable or async iterable, got ${describe(iterable)}`)
    }
    const toArgs = (item: unknown): readonly unknown[] => (spread ? argumentList(item) : [item])
    const input: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]> = Array.isArray(
      iterable,
    )
      ? iterable.map(toArgs)
      : mapLazily(iterable, toArgs)
    // The input is read to the end, or the loop ends: the submission is over either way.
    let submitted!: () => void
    const submission = new Promise<void>((resolve) => (submitted = resolve))
    this.#track(submission)
    const watched = watchEnd(input, submitted)
    const results = this.#view.starmap(fn as Task<readonly unknown[], unknown>, watched, {
      chunksize,
      ...(buffersize === Infinity ? {} : { buffersize }),
      ordered,
    })
    return tracked(results, submitted)
  }
}

/**
 * A {@link Pool} of worker threads — Python's `multiprocessing.pool.ThreadPool`: `new Pool`
 * with `kind: 'thread'`. Unlike Python's threads, Node's worker threads run JavaScript in
 * parallel, so this is the cheaper pool for CPU-bound work too, and the one whose tasks can
 * share locks, `Value`s and `RawArray`s.
 *
 * @example
 * ```ts
 * import { ThreadPool } from '@concurrent/multiprocessing'
 *
 * await using pool = new ThreadPool(4)
 * console.log(await pool.map((n: number) => n * n, [1, 2, 3])) // [1, 4, 9]
 * ```
 * @category Processes
 */
export class ThreadPool extends Pool {
  /**
   * Creates the pool; threads start on demand.
   *
   * @param processesOrOptions - how many threads (Python's `ThreadPool(4)`), or the options.
   * @throws TypeError/RangeError for an invalid option, naming it.
   */
  constructor(processesOrOptions: number | Omit<PoolOptions, 'kind'> = {}) {
    const options =
      typeof processesOrOptions === 'number' || processesOrOptions === undefined
        ? { processes: processesOrOptions }
        : processesOrOptions
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `Expected \`processes\` or ThreadPool options, got ${describe(processesOrOptions)}`,
      )
    }
    if ('kind' in options) {
      throw new TypeError("A ThreadPool always has kind: 'thread'; use Pool for processes")
    }
    super({ ...options, kind: 'thread' })
  }
}

function checkOptions(options: PoolMapAsyncOptions<unknown[]>): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected map options to be an object, got ${describe(options)}`)
  }
  checkInteger(options.chunksize, 'chunksize', 1)
  for (const name of ['callback', 'errorCallback'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`Expected \`${name}\` to be a function, got ${describe(options[name])}`)
    }
  }
}

function argumentList(item: unknown): readonly unknown[] {
  if (!Array.isArray(item)) {
    throw new TypeError(
      `Expected every item of a starmap input to be an array of arguments, got ${describe(item)}`,
    )
  }
  return item
}

/** `iterable`'s items as argument lists, read as the map reads them. */
function mapLazily<T>(
  iterable: Iterable<T> | AsyncIterable<T>,
  toArgs: (item: T) => readonly unknown[],
): Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]> {
  return Symbol.asyncIterator in iterable
    ? (async function* () {
        for await (const item of iterable) yield toArgs(item)
      })()
    : (function* () {
        for (const item of iterable) yield toArgs(item)
      })()
}

async function collect(results: AsyncIterable<unknown>): Promise<unknown[]> {
  const list: unknown[] = []
  for await (const result of results) list.push(result)
  return list
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    (typeof value === 'object' && value !== null && Symbol.iterator in value) ||
    typeof value === 'string'
  )
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value
}

/** `input`, calling `onEnd` once it has been read to the end. */
function watchEnd<T>(
  input: Iterable<T> | AsyncIterable<T>,
  onEnd: () => void,
): Iterable<T> | AsyncIterable<T> {
  if (isAsyncIterable(input)) {
    return (async function* () {
      yield* input
      onEnd()
    })()
  }
  return (function* () {
    yield* input
    onEnd()
  })()
}

/** `source`, calling `onEnd` once when it is exhausted, fails or is closed. */
function tracked<T>(source: AsyncIterableIterator<T>, onEnd: () => void): AsyncIterableIterator<T> {
  let ended = false
  const end = (): void => {
    if (ended) return
    ended = true
    onEnd()
  }
  return {
    [Symbol.asyncIterator]() {
      return this
    },
    async next() {
      try {
        const step = await source.next()
        if (step.done === true) end()
        return step
      } catch (error) {
        end()
        throw error
      }
    },
    async return(value?: unknown) {
      end()
      await source.return?.()
      return { done: true, value: value as T }
    },
  }
}

function noop(): void {
  // The outcome is the caller's to see.
}
