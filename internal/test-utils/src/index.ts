/**
 * Helpers the test suites share: deferred promises, `range` and `collect`, canned futures in
 * every state, a way to count a future's waiting callbacks, and a small in-process executor for
 * testing the base.
 */
import {
  type ChunkResult,
  AbstractExecutor,
  CancelledError,
  Future,
  ShutdownError,
  type Task,
  type TaskOptions,
} from '@concurrent/future'

export interface Deferred<T> {
  readonly promise: Promise<T>
  resolve(value: T | PromiseLike<T>): void
  reject(reason?: unknown): void
}

/** `Promise.withResolvers`, which Node 20 lacks. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T | PromiseLike<T>) => void
  let reject!: (reason?: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** `0, 1, …, n - 1`, or with two arguments `start, …, stop - 1`: Python's `range`. */
export function range(start: number, stop?: number): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop]
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i)
}

/** `0, 1, …, n - 1` from an async generator: an input of unknown length. */
export async function* asyncRange(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    await Promise.resolve()
    yield i
  }
}

/**
 * Every value of an iterable or async iterable, in order, pushed to `into` as the loop goes (so
 * a test can look at what came before the loop failed or was stopped).
 */
export async function collect<T>(
  iterable: Iterable<T> | AsyncIterable<T>,
  into: T[] = [],
): Promise<T[]> {
  for await (const value of iterable) into.push(value)
  return into
}

export function pendingFuture<T = number>(): Future<T> {
  return new Future<T>()
}

export function runningFuture<T = number>(): Future<T> {
  const future = new Future<T>()
  future.setRunningOrNotifyCancel()
  return future
}

export function cancelledFuture<T = number>(): Future<T> {
  const future = new Future<T>()
  future.cancel()
  return future
}

export function finishedFuture<T>(value: T): Future<T> {
  const future = new Future<T>()
  future.setRunningOrNotifyCancel()
  future.setResult(value)
  return future
}

export function failedFuture<T = number>(error: unknown = new Error('canned failure')): Future<T> {
  const future = new Future<T>()
  future.setRunningOrNotifyCancel()
  future.setException(error)
  return future
}

/** One future in each state, as CPython's test_future module builds them. */
export function futuresInEveryState(): {
  pending: Future<number>
  running: Future<number>
  cancelled: Future<number>
  finished: Future<number>
  failed: Future<number>
} {
  return {
    pending: pendingFuture(),
    running: runningFuture(),
    cancelled: cancelledFuture(),
    finished: finishedFuture(42),
    failed: failedFuture(new OSError()),
  }
}

/** Stands in for Python's `OSError` in the canned failed future. */
export class OSError extends Error {
  override readonly name = 'OSError'
}

/** How many done callbacks a future holds: proves that waiters remove themselves. */
export function callbackCount(future: Future<unknown>): number {
  return (future as unknown as Record<symbol, number>)[
    Symbol.for('concurrent.future.callbackCount')
  ] as number
}

/**
 * An executor that runs plain functions in-process, `maxWorkers` at a time, with an inspectable
 * queue: enough to test everything `AbstractExecutor` builds over `schedule`.
 */
export class TestExecutor extends AbstractExecutor {
  readonly maxWorkers: number
  /** Every unit of work accepted, in order: its args (or list of args for a chunk). */
  readonly scheduled: Array<{ args: readonly unknown[]; chunk: boolean; options: TaskOptions }> = []
  #queue: Array<{ future: Future<unknown>; start: () => void }> = []
  #running = 0
  #shutdown = false
  /** Settles when nothing is queued or running. */
  #idle = deferred()

  constructor(maxWorkers = 2) {
    super()
    this.maxWorkers = maxWorkers
    this.#idle.resolve()
  }

  get running(): number {
    return this.#running
  }

  get queued(): number {
    return this.#queue.length
  }

  protected override defaultChunksize(length: number): number {
    return Math.ceil(length / (this.maxWorkers * 4))
  }

  protected schedule<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: TaskOptions,
  ): Future<Awaited<R>> {
    const fn = task as (...args: A) => R
    const future = this.#enqueue(async (): Promise<Awaited<R>> => await fn(...args))
    this.scheduled.push({ args, chunk: false, options })
    return future
  }

  protected scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): Future<ChunkResult<Awaited<R>>> {
    const future = this.#enqueue(async (): Promise<ChunkResult<Awaited<R>>> => {
      const values: Array<Awaited<R>> = []
      for (const args of items) {
        try {
          values.push(await (task as (...args: A) => R)(...args))
        } catch (error) {
          return { values, failure: { error } }
        }
      }
      return { values }
    })
    this.scheduled.push({ args: items, chunk: true, options })
    return future
  }

  /** Stops accepting work; with `wait`, settles once every queued and running task is done. */
  async shutdown({ wait = true, cancelFutures = false } = {}): Promise<void> {
    this.#shutdown = true
    if (cancelFutures) for (const { future } of this.#queue.splice(0)) future.cancel()
    this.#settleIdle()
    if (wait) await this.#idle.promise
  }

  #enqueue<R>(run: () => Promise<R>): Future<R> {
    if (this.#shutdown) throw new ShutdownError()
    const future = new Future<R>()
    const start = (): void => {
      if (!future.setRunningOrNotifyCancel()) return
      this.#running++
      run()
        .then(
          (value) => {
            if (!future.done()) future.setResult(value)
          },
          (error: unknown) => {
            if (!future.done()) future.setException(error)
          },
        )
        .finally(() => {
          this.#running--
          this.#next()
        })
    }
    future.setInterruptHandler(() => undefined)
    if (this.#running === 0 && this.#queue.length === 0) this.#idle = deferred()
    this.#queue.push({ future, start })
    queueMicrotask(() => this.#next())
    return future
  }

  #next(): void {
    while (this.#running < this.maxWorkers) {
      const entry = this.#queue.shift()
      if (entry === undefined) break
      entry.start()
    }
    this.#settleIdle()
  }

  #settleIdle(): void {
    if (this.#running === 0 && this.#queue.length === 0) this.#idle.resolve()
  }
}

export { CancelledError }

export { executorFactories, liveBackends, type ExecutorFactory } from './executors.js'
