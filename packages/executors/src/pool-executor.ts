/**
 * The base the three executors share: it turns `schedule`/`scheduleChunk` into work items on
 * an {@link ExecutionCore} (the queue, interrupts, timeouts, crash policy, shutdown and
 * stats), and adds `stream()` for async generator tasks. Subclasses supply the runner and how a
 * task becomes a payload for it.
 */
import {
  AbstractExecutor,
  type ChunkResult,
  type Executor,
  type ShutdownOptions,
  type Task,
  type TaskOptions,
} from '@concurrent/future'
import { describe } from '@concurrent/future/internal'
import type { PreparedCall, Runner } from '@concurrent/worker/internal'

import type { ExecutorInfo } from './diagnostics.js'
import { ExecutionCore, type CoreOptions, type ExecutorStats } from './internal/execution-core.js'
import { TaskStream } from './task-stream.js'
import type { TaskFuture } from './task-future.js'

/**
 * How an executor turns a task and its arguments into a call, checking them at the call site.
 *
 * @internal
 */
export interface Preparer<T> {
  /** One call of `task` with `args`. */
  call(task: unknown, args: readonly unknown[]): PreparedCall<T>
  /**
   * One call running `task` over a slice of a map's input: argument lists, or with `single`
   * the task's only arguments.
   */
  chunk(task: unknown, items: readonly unknown[], single: boolean): PreparedCall<T>
}

/**
 * An {@link Executor} whose futures are {@link TaskFuture}s (with progress): what
 * {@link PoolExecutor.with} returns, so a view keeps `onProgress`.
 *
 * @example
 * ```ts
 * const urgent: TaskExecutor = pool.with({ priority: 10 })
 * urgent.submit(tasks.crunch, items).onProgress((p) => console.log(p))
 * ```
 * @category Executors
 */
export interface TaskExecutor extends Executor {
  /** See {@link PoolExecutor.submit}. */
  submit<A extends readonly unknown[], R>(task: Task<A, R>, ...args: A): TaskFuture<Awaited<R>>
  /** A further view, with these options added. */
  with(options: TaskOptions): TaskExecutor
}

/**
 * Options of {@link PoolExecutor.stats}.
 *
 * @example
 * ```ts
 * const options: StatsOptions = { resetHistograms: true }
 * const { runTime } = pool.stats(options)
 * ```
 * @category Observability
 */
export interface StatsOptions {
  /**
   * Empty the `waitTime` and `runTime` histograms once this snapshot is taken (the counters
   * are never reset).
   *
   * @defaultValue `false`
   */
  readonly resetHistograms?: boolean | undefined
}

/**
 * The base of {@link ThreadPoolExecutor}, {@link ProcessPoolExecutor} and {@link AsyncExecutor}:
 * its own priority queue (so a queued future stays cancellable), interrupts with a grace
 * period, per-task timeouts, the crash policy, `shutdown`, `stats()` and `stream()`.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type PoolExecutor } from '@concurrent/executors'
 *
 * function report(executor: PoolExecutor) {
 *   const { running, queued, utilization } = executor.stats()
 *   console.log(`${running} running, ${queued} queued, ${(utilization * 100).toFixed(0)}% busy`)
 * }
 * report(new ThreadPoolExecutor())
 * ```
 * @category Executors
 */
export abstract class PoolExecutor extends AbstractExecutor {
  readonly #core: ExecutionCore<unknown>
  readonly #prepare: Preparer<unknown>
  readonly #maxQueue: number
  /** The number of tasks that can run at once. */
  readonly maxWorkers: number

  /**
   * @param options - the validated policy options.
   * @param parts - the runner, and how a task becomes its call (checked at the call site).
   * @internal
   */
  protected constructor(
    options: CoreOptions,
    parts: {
      readonly runner: Runner<unknown>
      readonly prepare: Preparer<unknown>
      readonly info: ExecutorInfo
    },
  ) {
    super()
    this.maxWorkers = options.maxWorkers
    this.#maxQueue = options.maxQueue
    this.#core = new ExecutionCore(options, parts.runner, parts.info)
    this.#prepare = parts.prepare
  }

  /**
   * A snapshot of what the executor is doing: workers, queue, running tasks, totals,
   * utilization, and the `waitTime` and `runTime` latency histograms.
   *
   * The counters (`completed`, `failed`, `cancelled`) are totals since the executor was
   * created. The histograms are too, unless `resetHistograms` is `true`: then they start over
   * right after this snapshot is taken, so a reporter that reads them every interval with it
   * gets each interval's latencies, and no sample is counted twice or lost between two reads.
   *
   * @param options - `resetHistograms` (default `false`): empty the histograms after reading.
   * @returns the statistics now.
   * @example
   * ```ts
   * console.log(pool.stats()) // { workers: 2, idle: 0, queued: 10, running: 2, ... }
   * setInterval(() => {
   *   const { waitTime, runTime } = pool.stats({ resetHistograms: true })
   *   console.log(`last minute: p99 wait ${waitTime.p99} ms, p99 run ${runTime.p99} ms`)
   * }, 60_000)
   * ```
   */
  stats(options: StatsOptions = {}): ExecutorStats {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected stats() options to be an object, got ${describe(options)}`)
    }
    const { resetHistograms = false } = options
    if (typeof resetHistograms !== 'boolean') {
      throw new TypeError(
        `Expected \`resetHistograms\` to be a boolean, got ${describe(resetHistograms)}`,
      )
    }
    return this.#core.stats(resetHistograms)
  }

  /**
   * Runs a streaming task — an async generator function — and gives back what it yields as an
   * async iterable, while it runs. Leaving the loop early interrupts the task (its token is
   * cancelled; a task that does not stop within `gracePeriod` has its worker replaced). The
   * values cross from the worker as they are produced; there is no backpressure across the
   * worker boundary, so a task that yields faster than the loop consumes buffers in memory.
   *
   * @returns a {@link TaskStream}: `for await` over it for the values; its `future` settles
   * with the generator's return value, or its error.
   * @throws `ShutdownError` if the executor is shut down.
   * @example
   * ```ts
   * // tasks.ts: export async function* lines(path: string) { ... yield line }
   * for await (const line of pool.stream(tasks.lines, '/var/log/syslog')) console.log(line)
   * ```
   */
  stream<A extends readonly unknown[], Y, R = unknown>(
    task: Task<A, AsyncIterable<Y> | AsyncGenerator<Y, R>>,
    ...args: A
  ): TaskStream<Y, R> {
    this.#core.checkOpen()
    const stream = new TaskStream<Y, R>()
    const future = this.#core.submit<R>(this.#prepare.call(task, args), {}, (value) =>
      stream.push(value as Y),
    )
    stream.attach(future)
    return stream
  }

  /**
   * Stops accepting tasks, then releases the workers once the queue is done.
   *
   * - `wait` (default `true`): the promise resolves when every running and queued task has
   *   finished and every worker has exited.
   * - `cancelFutures` (default `false`): cancels the tasks still queued; the ones already
   *   handed to a worker finish, as in Python.
   * - `wait: false` returns at once. The executor still keeps the program alive until its
   *   remaining tasks have finished (their futures settle), unless `cancelFutures` is `true`
   *   too: then the program may exit while tasks still run, and they are stopped when it does.
   * - A task stuck in an endless loop keeps `shutdown({ wait: true })` waiting, as in Python;
   *   interrupt it (`future.cancel({ interrupt: true })`, a `timeout`), or end every worker
   *   with {@link PoolExecutor.terminateWorkers} or {@link PoolExecutor.killWorkers}.
   *
   * Calling it again is harmless; `submit` afterwards throws `ShutdownError`.
   *
   * @returns a promise that resolves as described above; it never rejects.
   * @example
   * ```ts
   * await pool.shutdown({ cancelFutures: true })
   * ```
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    await this.#core.shutdown(options.wait ?? true, options.cancelFutures ?? false)
  }

  /**
   * Ends every worker now, with `SIGTERM` for a process (Python 3.14's
   * `terminate_workers()`): the executor is shut down, queued tasks are cancelled, and running
   * ones fail with `BrokenExecutorError`. For when a task is stuck and the program must end.
   *
   * @returns a promise that resolves once every worker has exited.
   * @example
   * ```ts
   * const stuck = pool.submit(tasks.spinForever)
   * await pool.terminateWorkers() // stuck rejects with BrokenExecutorError
   * ```
   */
  terminateWorkers(): Promise<void> {
    return this.#core.stopWorkers('SIGTERM', 'terminateWorkers')
  }

  /**
   * Like {@link PoolExecutor.terminateWorkers}, with `SIGKILL` for a process, which no handler
   * can delay (Python 3.14's `kill_workers()`).
   *
   * @returns a promise that resolves once every worker has exited.
   * @example
   * ```ts
   * await pool.killWorkers()
   * ```
   */
  killWorkers(): Promise<void> {
    return this.#core.stopWorkers('SIGKILL', 'killWorkers')
  }

  /**
   * Schedules `task(...args)` and returns its future at once: a {@link TaskFuture}, so the
   * task's `reportProgress` values reach `future.onProgress` listeners.
   *
   * @returns the task's future.
   * @throws `ShutdownError` if the executor is shut down.
   * @example
   * ```ts
   * const future = pool.submit(tasks.crunch, items)
   * future.onProgress((p) => console.log('progress', p))
   * console.log(await future)
   * ```
   */
  override submit<A extends readonly unknown[], R>(
    task: Task<A, R>,
    ...args: A
  ): TaskFuture<Awaited<R>> {
    return this.schedule(task, args, {})
  }

  /**
   * A view of this executor whose submissions carry `options` (see
   * {@link AbstractExecutor.with}); its futures are {@link TaskFuture}s too.
   *
   * @returns a view of the same pool.
   * @example
   * ```ts
   * const view = pool.with({ timeout: 5_000 })
   * view.submit(tasks.crunch, items).onProgress((p) => console.log(p))
   * ```
   */
  override with(options: TaskOptions): TaskExecutor {
    return super.with(options) as TaskExecutor
  }

  protected schedule<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: TaskOptions,
  ): TaskFuture<Awaited<R>> {
    this.#core.checkOpen()
    return this.#core.submit(this.#prepare.call(task, args), options)
  }

  protected scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): TaskFuture<ChunkResult<Awaited<R>>> {
    this.#core.checkOpen()
    return this.#core.submit(this.#prepare.chunk(task, items, false), options)
  }

  protected override scheduleFlatChunk<T, R>(
    task: Task<[T], R>,
    items: readonly T[],
    options: TaskOptions,
  ): TaskFuture<ChunkResult<Awaited<R>>> {
    this.#core.checkOpen()
    return this.#core.submit(this.#prepare.chunk(task, items, true), options)
  }

  protected override defaultBuffersize(): number {
    // A map alone never overflows a bounded queue: it reads at most what fits in it plus what
    // the workers are running.
    return this.#maxQueue === Infinity
      ? this.maxWorkers * READ_AHEAD_PER_WORKER
      : this.#maxQueue + this.maxWorkers
  }

  protected override defaultChunksize(length: number): number {
    // multiprocessing.Pool: divmod(len, workers * 4), rounded up.
    return Math.ceil(length / (this.maxWorkers * 4))
  }

  /**
   * Shuts the executor down and waits (`await using`, like Python's `with`).
   *
   * @returns a promise that resolves once the workers have exited.
   */
  override async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown({ wait: true })
  }
}

/**
 * How many units of work (tasks or chunks) per worker a `map` reads ahead by default: enough
 * to keep every worker busy and let quick calls share batches, bounded so that an endless input
 * is never read to its end.
 */
const READ_AHEAD_PER_WORKER = 32
