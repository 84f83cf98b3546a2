/**
 * The base the three executors share: it turns `schedule`/`scheduleChunk` into work items on
 * an {@link ExecutionCore} (the queue, interrupts, timeouts, crash policy, shutdown and
 * stats), and adds `stream()` for async generator tasks. Subclasses supply the runner and how a
 * task becomes a payload for it.
 */
import {
  AbstractExecutor,
  type Executor,
  type ShutdownOptions,
  type Task,
  type TaskOptions,
} from '@concurrent/future'
import type { RunningUnit } from '@concurrent/worker'

import {
  ExecutionCore,
  type CoreOptions,
  type ExecutorStats,
  type Runner,
  type WorkItem,
} from './internal/execution-core.js'
import { TaskStream } from './task-stream.js'
import type { TaskFuture } from './task-future.js'

/**
 * What a runner needs to start one unit of work.
 *
 * @internal
 */
export interface UnitPayload {
  readonly task: unknown
  readonly args: readonly unknown[]
  readonly chunk: boolean
  /** A chunk of single arguments rather than of argument lists. */
  readonly flat?: boolean
  readonly transfer: readonly unknown[]
  readonly callerStack: (() => string | undefined) | undefined
  /** Set for a plain call that may share a batch with calls of the same key (its task). */
  readonly batchKey?: unknown
  onYield: ((value: unknown) => void) | undefined
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
 * Checks a task and its arguments at the call site and turns them into a payload: one call's
 * arguments, a chunk of argument lists, or (`flat`) a chunk of a one-argument task's arguments.
 */
type Prepare = (
  task: unknown,
  args: readonly unknown[],
  chunk: boolean,
  flat?: boolean,
) => UnitPayload

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
  readonly #core: ExecutionCore<UnitPayload>
  readonly #prepare: Prepare
  readonly #maxQueue: number
  /** The number of tasks that can run at once. */
  readonly maxWorkers: number

  /**
   * @param options - the validated policy options.
   * @param parts - the runner, and how a task becomes its payload (checked at the call site).
   * @internal
   */
  protected constructor(
    options: CoreOptions,
    parts: { runner: Runner<UnitPayload>; prepare: Prepare },
  ) {
    super()
    this.maxWorkers = options.maxWorkers
    this.#maxQueue = options.maxQueue
    this.#core = new ExecutionCore(options, parts.runner)
    this.#prepare = parts.prepare
  }

  /**
   * A snapshot of what the executor is doing: workers, queue, running tasks, totals and
   * utilization.
   *
   * @returns the statistics now.
   * @example
   * ```ts
   * console.log(pool.stats()) // { workers: 2, idle: 0, queued: 10, running: 2, ... }
   * ```
   */
  stats(): ExecutorStats {
    return this.#core.stats()
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
    const payload = this.#prepare(task, args, false)
    const stream = new TaskStream<Y, R>()
    payload.onYield = (value) => stream.push(value as Y)
    const future = this.#core.submit<R>(payload, {})
    stream.attach(future)
    return stream
  }

  /**
   * Stops accepting tasks, then releases the workers once the queue is done.
   *
   * - `wait` (default `true`): the promise resolves when every running and queued task has
   *   finished and every worker has exited.
   * - `cancelFutures` (default `false`): cancels the tasks still queued; running ones finish.
   * - A task stuck in an endless loop keeps `shutdown({ wait: true })` waiting, as in Python;
   *   cancel it with `future.cancel({ interrupt: true })` (or give tasks a `timeout`) and the
   *   wait is bounded by `gracePeriod` plus the time to stop a worker.
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
    return this.#core.submit(this.#prepare(task, args, false), options)
  }

  protected scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): TaskFuture<Array<Awaited<R>>> {
    this.#core.checkOpen()
    return this.#core.submit(this.#prepare(task, items, true), options)
  }

  protected override scheduleFlatChunk<T, R>(
    task: Task<[T], R>,
    items: readonly T[],
    options: TaskOptions,
  ): TaskFuture<Array<Awaited<R>>> {
    this.#core.checkOpen()
    return this.#core.submit(this.#prepare(task, items, true, true), options)
  }

  protected override defaultBuffersize(): number | undefined {
    // A map alone never overflows a bounded queue: it reads at most what fits in it plus what
    // the workers are running.
    return this.#maxQueue === Infinity ? undefined : this.#maxQueue + this.maxWorkers
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

/** Runs work items through `start`; shared by the pools' runners. @internal */
export function runnerOf(
  start: (payload: UnitPayload, item: WorkItem<UnitPayload>) => RunningUnit,
  workers: () => number,
  close: () => Promise<void>,
  startBatch?: Runner<UnitPayload>['startBatch'],
): Runner<UnitPayload> {
  return {
    start: (item) => start(item.payload, item),
    get workers() {
      return workers()
    },
    close,
    ...(startBatch === undefined
      ? {}
      : {
          batchKey: (payload: UnitPayload) =>
            payload.onYield === undefined ? payload.batchKey : undefined,
          startBatch,
        }),
  }
}

const ownFrame = /[\\/](?:@concurrent|packages)[\\/](?:future|wait|worker|executors)[\\/]dist[\\/]/

/**
 * How many submissions in one synchronous run capture the caller's stack. Capturing one costs
 * several microseconds and keeps the frames alive until the task ends: for a loop submitting
 * thousands of tasks at once that was a third of the main thread's time, so the tasks past the
 * first of a burst go without it (their errors carry the worker's stack only).
 */
export const CALLER_STACKS_PER_TURN = 32
let capturedThisTurn = 0

/**
 * Captures where a task was submitted; the frames are formatted (without this library's own)
 * only if an error needs them. Past {@link CALLER_STACKS_PER_TURN} captures in one synchronous
 * run, returns `undefined` until the next turn of the event loop.
 *
 * @internal
 */
export function captureCaller(): (() => string | undefined) | undefined {
  if (capturedThisTurn === 0) queueMicrotask(resetCaptures)
  else if (capturedThisTurn >= CALLER_STACKS_PER_TURN) return undefined
  capturedThisTurn++
  const site: { stack?: string } = {}
  Error.captureStackTrace(site, captureCaller)
  return () =>
    site.stack
      ?.split('\n')
      .slice(1)
      .filter((line) => !ownFrame.test(line))
      .join('\n')
}

function resetCaptures(): void {
  capturedThisTurn = 0
}
