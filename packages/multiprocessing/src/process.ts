/**
 * `Process`: Python's `multiprocessing.Process`, one target function run on a worker of its
 * own. It is built on the executors, not beside them: a `Process` is a one-worker
 * `ProcessPoolExecutor` (or `ThreadPoolExecutor`, with `kind: 'thread'`) running a single task,
 * shut down when the task is over.
 *
 * ```
 * start() ─▶ executor (maxWorkers 1) ─▶ worker ─▶ workerPid() ─▶ pid, start() resolves
 *                                             └──▶ target(...args)
 *                                                      │
 * join() ◀── exitCode ◀── outcome (value, error, crash) ┘ ─▶ executor.shutdown()
 * ```
 *
 * The worker first runs a one-line task that returns its pid, then the target itself: the
 * target is the user's function, called as any executor calls a task (its queues, pipes and
 * locks travel by their classes' codecs).
 *
 * Exit codes follow Python: 0 when the target returns, 1 when it throws (the error is printed
 * to stderr as Python prints the traceback, and kept as `error`), the code a worker passed to
 * `process.exit()`, and minus the signal number when the worker was killed by a signal.
 */
import { constants } from 'node:os'

import { CancelledError } from '@concurrent/cancellation'
import {
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  type PoolExecutor,
  type TaskFuture,
} from '@concurrent/executors'
import { InvalidStateError, WorkerCrashedError, type Task } from '@concurrent/future'
import { checkTimeout, deadlineIn, describe, setDeadline } from '@concurrent/future/internal'

import { prepareCall, taskSpecOf } from '@concurrent/worker/internal'

/**
 * Where a {@link Process} or a {@link Pool} runs its tasks: `'process'`, child processes
 * (Python's `multiprocessing`: separate heaps, nothing shared but queues and pipes); or
 * `'thread'`, worker threads (Python's `multiprocessing.dummy` and `ThreadPool`, except that
 * Node's threads run JavaScript in parallel) — cheaper to start, and able to share locks,
 * `Value`s and `RawArray`s.
 *
 * @example
 * ```ts
 * import { Process, type ProcessKind } from '@concurrent/multiprocessing'
 *
 * const kind: ProcessKind = needsSharedMemory ? 'thread' : 'process'
 * const worker = new Process({ target: tasks.work, kind })
 * ```
 * @category Processes
 */
export type ProcessKind = 'process' | 'thread'

/**
 * Options of {@link Process}.
 *
 * @typeParam A - the target's parameter types; `args` is required when the target takes
 * arguments.
 *
 * @example
 * ```ts
 * import { Process } from '@concurrent/multiprocessing'
 *
 * const worker = new Process({ target: tasks.greet, args: ['bob'], name: 'greeter', kind: 'thread' })
 * await worker.start()
 * await worker.join()
 * ```
 * @category Processes
 */
export type ProcessOptions<A extends readonly unknown[]> = {
  /**
   * The function the process runs: a reference from `taskModule()` or a self-contained
   * function (shipped by source, as for the executors).
   */
  readonly target: Task<A, unknown>
  /**
   * The process's name, for messages.
   *
   * @defaultValue `'Process-1'`, `'Process-2'`… as in Python
   */
  readonly name?: string | undefined
  /**
   * A child process, or a worker thread.
   *
   * @defaultValue `'process'`
   */
  readonly kind?: ProcessKind | undefined
} & ([] extends A
  ? {
      /**
       * The target's arguments. Queues, pipes (and, for `kind: 'thread'`, locks and shared
       * memory) reconnect on the other side; everything else is copied.
       *
       * @defaultValue `[]`
       */
      readonly args?: A | undefined
    }
  : {
      /**
       * The target's arguments. Queues, pipes (and, for `kind: 'thread'`, locks and shared
       * memory) reconnect on the other side; everything else is copied.
       */
      readonly args: A
    })

/**
 * Options of {@link Process.join}.
 *
 * @example
 * ```ts
 * await worker.join({ timeout: 2_000 })
 * if (worker.isAlive()) worker.terminate()
 * ```
 * @category Processes
 */
export interface JoinOptions {
  /**
   * Milliseconds to wait. When they pass, `join` resolves and the process goes on running
   * (check `exitCode` or `isAlive()`), as in Python.
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
}

let created = 0

/**
 * Milliseconds a worker thread gets, after `terminate()` or `kill()` cancels its target, to stop
 * by itself (a target waiting on a queue, a pipe or a lock stops at once and leaves the queue's
 * items in place) before the thread is stopped. A process gets a signal instead, as in Python.
 */
const THREAD_STOP_GRACE = 100

/**
 * Runs a function in a child process (or a worker thread) of its own — Python's
 * `multiprocessing.Process`: `start()` it, `join()` it, read its `exitCode`.
 *
 * - **Arguments** are copied (structured clone); a {@link Queue} or a {@link Pipe} end passed
 *   as an argument reconnects in the worker, and with `kind: 'thread'` so do locks and shared
 *   memory. A lock handed to a `kind: 'process'` target throws `DataCloneError` at `start()`.
 * - **Exit code**: `null` while it runs; `0` when the target returns; `1` when it throws (the
 *   error is printed to stderr, as Python prints the traceback, and kept in `error`); the code
 *   given to `process.exit(code)`; minus the signal number when the worker was killed by a
 *   signal (`-15` after `terminate()`, `-9` after `kill()`).
 * - **Stopping**: `terminate()` sends `SIGTERM` and `kill()` `SIGKILL` to the worker process. A
 *   worker thread cannot be signalled: its target is cancelled (its token and signal fire, a
 *   `get` on a queue gives up) and the thread is stopped if it is still busy 100 ms later; its
 *   exit code reports `-15` or `-9` all the same.
 * - **Output**: what the target prints reaches this program's stdout and stderr.
 * - **Lifetime**: a running process keeps the program alive (like Python's non-daemon
 *   processes); its worker never outlives the program.
 *
 * @typeParam A - the target's parameter types.
 * @example
 * ```ts
 * import { Process, taskModule } from '@concurrent/multiprocessing'
 *
 * // tasks.ts: export function worker(num: number) { console.log(`Worker: ${num} (pid ${process.pid})`) }
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 *
 * const jobs = [0, 1, 2, 3, 4].map((i) => new Process({ target: tasks.worker, args: [i] }))
 * for (const job of jobs) void job.start()
 * for (const job of jobs) await job.join()
 * console.log(jobs.map((job) => job.exitCode)) // [0, 0, 0, 0, 0]
 * ```
 * @category Processes
 */
export class Process<A extends readonly unknown[] = readonly unknown[]> implements AsyncDisposable {
  /** Where the target runs. */
  readonly kind: ProcessKind
  readonly #target: Task<A, unknown>
  readonly #args: A
  #name: string
  #state: 'initial' | 'started' | 'stopped' = 'initial'
  #pid: number | undefined
  #exitCode: number | null = null
  #error: unknown
  #future: TaskFuture<unknown> | undefined
  #stopSignal: 'SIGTERM' | 'SIGKILL' | undefined
  #signalled: 'SIGTERM' | 'SIGKILL' | undefined
  readonly #started: Deferred
  readonly #ended: Deferred

  /**
   * Creates a process; it starts with {@link Process.start}.
   *
   * @throws TypeError for a `target` that is not a task, an inline function that uses outer
   * variables (`InlineTaskError`), or other invalid options.
   */
  constructor(options: ProcessOptions<A>) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected Process options to be an object, got ${describe(options)}`)
    }
    const known = ['target', 'args', 'name', 'kind']
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) {
        throw new TypeError(
          `Unknown Process option \`${key}\`; the options are ${known.map((k) => `\`${k}\``).join(', ')}`,
        )
      }
    }
    const { target, name, kind = 'process' } = options
    const args = (options as { args?: A }).args ?? ([] as unknown as A)
    if (kind !== 'process' && kind !== 'thread') {
      throw new TypeError(`Expected \`kind\` to be 'process' or 'thread', got ${describe(kind)}`)
    }
    if (!Array.isArray(args)) {
      throw new TypeError(`Expected \`args\` to be an array, got ${describe(args)}`)
    }
    if (name !== undefined && typeof name !== 'string') {
      throw new TypeError(`Expected \`name\` to be a string, got ${describe(name)}`)
    }
    // Checks the target now (a closure fails here, at the call site).
    taskSpecOf(target)
    this.kind = kind
    this.#target = target
    this.#args = args
    this.#name = name ?? `Process-${++created}`
    this.#started = deferred()
    this.#ended = deferred()
  }

  /** The process's name; settable, as in Python. */
  get name(): string {
    return this.#name
  }

  set name(name: string) {
    if (typeof name !== 'string') {
      throw new TypeError(`Expected \`name\` to be a string, got ${describe(name)}`)
    }
    this.#name = name
  }

  /**
   * The process id of the worker running the target: `undefined` until it has started (await
   * `start()`), and for `kind: 'thread'` this program's own pid.
   */
  get pid(): number | undefined {
    return this.#pid
  }

  /**
   * How the process ended: `null` while it has not; `0` for a target that returned, `1` for
   * one that threw, the code given to `process.exit()`, or minus the number of the signal that
   * killed it (`-15` for `SIGTERM`, `-9` for `SIGKILL`).
   */
  get exitCode(): number | null {
    return this.#exitCode
  }

  /** What the target threw, once it has ended that way; otherwise `undefined`. */
  get error(): unknown {
    return this.#error
  }

  /**
   * Whether the process has started and not ended — Python's `is_alive()`.
   *
   * @returns `true` between `start()` and the end.
   * @example
   * ```ts
   * void worker.start()
   * console.log(worker.isAlive()) // true
   * ```
   */
  isAlive(): boolean {
    return this.#state === 'started'
  }

  /**
   * Starts the target in a new worker. Call it once.
   *
   * Awaiting it is optional (`join()` waits for the start too): the promise resolves once the
   * worker is up and `pid` is known, as the target is handed to it — or once the process has
   * ended, if it ended before that.
   *
   * @returns a promise that resolves once the target is handed to its worker; it never rejects.
   * @throws `InvalidStateError` (synchronously) when the process was started before.
   * @throws `DataCloneError` (synchronously) for an argument that cannot go to the worker — a
   * lock or shared memory with `kind: 'process'`, a function.
   * @example
   * ```ts
   * await worker.start()
   * console.log(`started ${worker.name} as pid ${worker.pid}`)
   * ```
   */
  start(): Promise<void> {
    if (this.#state !== 'initial') throw new InvalidStateError('cannot start a process twice')
    // An argument that cannot reach the worker fails here, before any worker starts.
    prepareCall(this.#target, this.#args, this.kind).release?.()
    const executor: PoolExecutor =
      this.kind === 'process'
        ? new ProcessPoolExecutor({ maxWorkers: 1 })
        : new ThreadPoolExecutor({ maxWorkers: 1, gracePeriod: THREAD_STOP_GRACE })
    let pid: TaskFuture<number>
    let future: TaskFuture<unknown>
    try {
      // Its one worker runs them in turn: first the pid, then the target.
      pid = executor.submit(workerPid)
      future = executor.submit(this.#target, ...this.#args)
    } catch (error) {
      void executor.shutdown({ cancelFutures: true })
      throw error
    }
    this.#state = 'started'
    this.#future = future
    pid.then((value) => {
      this.#pid = value
      this.#started.resolve()
      // A process stopped before its pid was known gets the signal now (a thread is cancelled).
      if (this.kind === 'process' && this.#stopSignal !== undefined) this.#sendSignal()
    }, noop)
    future.addDoneCallback(() => {
      void this.#finish(future, executor)
    })
    return this.#started.promise
  }

  /**
   * Waits until the process has ended, or until `timeout` passes (it then goes on running:
   * check `exitCode`), as Python's `join()`.
   *
   * @returns a promise that resolves once the process has ended (its worker is gone) or the
   * timeout has passed.
   * @throws `InvalidStateError` when the process was never started.
   * @throws RangeError/TypeError for an invalid `timeout`.
   * @example
   * ```ts
   * await worker.join({ timeout: 1_000 })
   * if (worker.exitCode === null) worker.terminate()
   * ```
   */
  async join(options: JoinOptions = {}): Promise<void> {
    if (this.#state === 'initial') throw new InvalidStateError('can only join a started process')
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected join options to be an object, got ${describe(options)}`)
    }
    const { timeout } = options
    checkTimeout(timeout)
    if (timeout === undefined || timeout === Infinity) {
      await this.#ended.promise
      return
    }
    let clear: (() => void) | undefined
    try {
      await Promise.race([
        this.#ended.promise,
        new Promise<void>((resolve) => (clear = setDeadline(deadlineIn(timeout), resolve))),
      ])
    } finally {
      clear?.()
    }
  }

  /**
   * Stops the process: sends `SIGTERM` to its worker process (a worker thread's target is
   * cancelled, and the thread stopped within 100 ms). Its exit code becomes `-15` unless it had
   * ended already. Doing it again, or after the
   * end, does nothing.
   *
   * @throws `InvalidStateError` when the process was never started.
   * @example
   * ```ts
   * worker.terminate()
   * await worker.join()
   * console.log(worker.exitCode) // -15
   * ```
   */
  terminate(): void {
    this.#stop('SIGTERM')
  }

  /**
   * Kills the process: sends `SIGKILL` to its worker process (a worker thread is stopped as by
   * `terminate()`). Its exit code becomes `-9` unless it had ended already.
   *
   * @throws `InvalidStateError` when the process was never started.
   * @example
   * ```ts
   * worker.kill()
   * await worker.join()
   * console.log(worker.exitCode) // -9
   * ```
   */
  kill(): void {
    this.#stop('SIGKILL')
  }

  /**
   * Terminates the process if it is still running and waits for it to end, so
   * `await using worker = new Process(…)` never leaves a worker behind.
   *
   * @returns a promise that resolves once the process has ended.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === 'initial') return
    if (this.#state === 'started') this.terminate()
    await this.#ended.promise
  }

  /** A description for logs, in Python's `repr` form. */
  toString(): string {
    const status =
      this.#state === 'initial'
        ? 'initial'
        : this.#state === 'started'
          ? 'started'
          : this.#exitCode === 0
            ? 'stopped'
            : `stopped[${exitCodeName(this.#exitCode)}]`
    return `<Process name='${this.#name}' ${status}>`
  }

  #stop(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.#state === 'initial') {
      throw new InvalidStateError(
        `cannot ${signal === 'SIGTERM' ? 'terminate' : 'kill'} a process that was not started`,
      )
    }
    if (this.#state === 'stopped' || this.#stopSignal === 'SIGKILL') return
    if (this.#stopSignal === signal) return
    this.#stopSignal = signal
    if (this.kind === 'thread') {
      this.#future?.cancel({ interrupt: true })
    } else if (this.#pid !== undefined) {
      this.#sendSignal()
    }
    // A process whose pid is not known yet gets the signal as soon as it reports it.
  }

  #sendSignal(): void {
    const signal = this.#stopSignal
    if (signal === undefined || this.#pid === undefined || this.#signalled === signal) return
    this.#signalled = signal
    try {
      process.kill(this.#pid, signal)
    } catch {
      // It has exited already.
    }
  }

  async #finish(future: TaskFuture<unknown>, executor: PoolExecutor): Promise<void> {
    const outcome = future.outcome
    let exitCode: number
    if (outcome === undefined || outcome.status === 'fulfilled') {
      exitCode = 0
    } else {
      const error: unknown = outcome.reason
      if (error instanceof WorkerCrashedError && error.signal !== null) {
        // The name came from Node's own exit event, so it is one of Node's signals.
        exitCode = -signalNumber(error.signal as NodeJS.Signals)
      } else if (
        this.#stopSignal !== undefined &&
        (error instanceof CancelledError || error instanceof WorkerCrashedError)
      ) {
        exitCode = -signalNumber(this.#stopSignal)
      } else if (error instanceof WorkerCrashedError) {
        exitCode = error.exitCode ?? 1
      } else {
        exitCode = 1
        this.#error = error
        const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error)
        process.stderr.write(`Process ${this.#name}:\n${detail}\n`)
      }
    }
    await executor.shutdown({ wait: true })
    this.#exitCode = exitCode
    this.#state = 'stopped'
    this.#started.resolve()
    this.#ended.resolve()
  }
}

/** The first task of a process's worker: the pid it runs in. Self-contained, sent by source. */
const workerPid = (): number => process.pid

function noop(): void {
  // A worker that dies before it reports fails the target too, which ends the process.
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal]
}

function exitCodeName(code: number | null): string {
  if (code === null || code >= 0) return String(code)
  const name = Object.entries(constants.signals).find(([, number]) => number === -code)?.[0]
  return name ?? String(code)
}

interface Deferred {
  readonly promise: Promise<void>
  resolve(): void
}

function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((res) => (resolve = res))
  return { promise, resolve }
}
