/**
 * The worker side of the cluster: a BullMQ `Worker` that takes this queue's jobs and runs each
 * task on a local {@link ThreadPoolExecutor} or {@link ProcessPoolExecutor}, so a task's cancel,
 * interrupt, timeout and progress are the pools' own, and the worker's event loop stays free to
 * renew its jobs' locks while tasks keep the cores busy. With `runtime: 'async'` the tasks run
 * in the worker's own thread instead, as a plain BullMQ worker runs its processor (a call
 * straight through the runtime's `invoke`, a chunk on an {@link AsyncExecutor}): for I/O-bound
 * and tiny tasks, which a hop to another thread would only slow.
 *
 * ```
 * Redis ─▶ BullMQ Worker (concurrency jobs, locks renewed) ─▶ #process(job)
 *            resolve the task under root, decode the arguments
 *            ─▶ pool.submit / pool.map (signal: cancel, timeout, release) ─▶ task
 *            ◀─ value (encoded, the job's return value) or error (encoded in the job's data)
 * cancel channel (pub/sub) ─▶ the job's run ─▶ future.cancel({ interrupt: true }) ─▶ the task's token
 * ```
 *
 * It holds no state of its own worth keeping: a worker that dies loses nothing that BullMQ's
 * stalled-job check does not give to another.
 */
import { availableParallelism, hostname } from 'node:os'

import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'

import { CancelToken, CancelledError } from '@concurrent/cancellation'
import {
  AsyncExecutor,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  type PoolExecutor,
  type TaskRef,
} from '@concurrent/executors'
import { TimeoutError } from '@concurrent/future'

import { CLOSE_BOUND, quit, settlesWithin } from './internal/close.js'
import { connectionOf, keysOf, type ConnectionOptions } from './internal/connection.js'
import {
  cachedTask,
  checkInteger,
  deadlineIn,
  describe,
  encodeError,
  invoke,
  lookupTask,
  setDeadline,
  withoutCallerStacks,
  type Invocation,
  type Work,
} from './internal/internals.js'
import { checkName, programRoot, rootOf } from './internal/options.js'
import { reportProblem } from './internal/report.js'
import {
  decodeValue,
  describeTask,
  encodeValue,
  parseJobData,
  resolveTask,
  workerName,
  type FailureRecord,
  type JobData,
} from './internal/wire.js'

/**
 * Options of {@link startWorker} (and the flags of the `concurrent-worker` bin).
 *
 * The stall settings are BullMQ's: a worker renews the lock of each job it runs every
 * `lockDuration / 2` ms; a job whose lock has expired is found by some worker's check, run
 * every `stalledInterval` ms, and put back in the queue for another worker, up to
 * `maxStalledCount` times; once more and the job fails (the caller gets `WorkerLostError`).
 * So a lost worker's tasks start again elsewhere within about `lockDuration + stalledInterval`.
 * Every worker of a queue should use the same values.
 *
 * @example
 * ```ts
 * import { startWorker } from '@concurrent/distributed'
 *
 * const worker = startWorker({
 *   connection: 'redis://127.0.0.1:6379',
 *   concurrency: 4,
 *   runtime: 'process',
 *   lockDuration: 10_000,
 *   stalledInterval: 5_000,
 * })
 * await worker.ready
 * ```
 * @category Executors
 */
export interface ClusterWorkerOptions {
  /** Where Redis is: a URL or ioredis options, as for {@link ClusterExecutor}. */
  readonly connection: ConnectionOptions
  /**
   * The queue to take tasks from.
   *
   * @defaultValue `'concurrent'`
   */
  readonly queue?: string | undefined
  /**
   * BullMQ's key prefix; the same as the executors'.
   *
   * @defaultValue `'bull'`
   */
  readonly prefix?: string | undefined
  /**
   * The folder task paths are resolved under: this host's copy of the code base the callers
   * name their tasks from. A task path leading outside it is refused.
   *
   * @defaultValue the folder of the nearest `package.json` above the program's main module
   */
  readonly root?: string | URL | undefined
  /**
   * How many tasks run at once: the jobs BullMQ hands this worker at a time, and the local
   * pool's workers.
   *
   * @defaultValue `os.availableParallelism()`
   */
  readonly concurrency?: number | undefined
  /**
   * Where tasks run on this host:
   * - `'thread'`: worker threads (a {@link ThreadPoolExecutor}); for CPU-bound tasks.
   * - `'process'`: child processes (a {@link ProcessPoolExecutor}); for tasks that must not share
   *   the worker's memory, or that load native modules which are not thread-safe.
   * - `'async'`: the worker's own thread, `concurrency` tasks at a time, with the in-task API
   *   of an {@link AsyncExecutor}, as a plain BullMQ worker runs its processor; for I/O-bound async
   *   tasks (requests, queries, files) and tiny ones, where handing each to another thread
   *   costs more than the task. A task must not block: while it computes, the worker renews no
   *   locks (BullMQ then gives its jobs to another worker), and `cancel({ interrupt: true })` and
   *   `timeout` reach it only through its token and signal. A task that ignores them has its job
   *   failed all the same, but keeps running until it returns.
   *
   * @defaultValue `'thread'`
   */
  readonly runtime?: 'thread' | 'process' | 'async' | undefined
  /**
   * Milliseconds a job's lock lasts without renewal (BullMQ's `lockDuration`).
   *
   * @defaultValue `30000`
   */
  readonly lockDuration?: number | undefined
  /**
   * Milliseconds between this worker's checks for stalled jobs (BullMQ's `stalledInterval`).
   *
   * @defaultValue `30000`
   */
  readonly stalledInterval?: number | undefined
  /**
   * How many times a job may be put back after a stall before it fails (BullMQ's
   * `maxStalledCount`); `0` fails it at its first stall.
   *
   * @defaultValue `1`
   */
  readonly maxStalledCount?: number | undefined
  /**
   * Milliseconds `close()` lets running tasks finish. Past it, they are interrupted and their
   * jobs go back to the queue for another worker.
   *
   * @defaultValue `25000` (less than the 30 s most process managers wait before `SIGKILL`)
   */
  readonly closeTimeout?: number | undefined
}

/**
 * A running worker, as {@link startWorker} returns it.
 *
 * @example
 * ```ts
 * const worker = startWorker({ connection: 'redis://127.0.0.1:6379' })
 * await worker.ready
 * console.log(`${worker.name} is taking tasks`)
 * process.once('SIGTERM', () => void worker.close())
 * ```
 * @category Executors
 */
export interface ClusterWorker extends AsyncDisposable {
  /** The worker's name in BullMQ (a job's `processedBy`): `host/pid/slotsxruntime`. */
  readonly name: string
  /**
   * Resolves once the worker is connected and taking tasks. It waits while Redis cannot be
   * reached (the connection is retried, with a warning).
   */
  readonly ready: Promise<void>
  /**
   * Stops taking tasks, lets the running ones finish (at most `closeTimeout` ms, then hands
   * them back to the queue), and closes the connections and the local pool.
   *
   * @returns a promise that resolves once everything is closed; calling it again returns the
   * same promise.
   */
  close(): Promise<void>
}

/** Why a run was stopped before its task ended: its caller cancelled it, or the worker closes. */
type StopReason = { readonly kind: 'cancel' } | { readonly kind: 'release' }

/** A task running on the local pool for a job. */
interface LocalRun {
  /** Settles with the task's value or error. */
  readonly done: Promise<unknown>
  /** Interrupts the task (its token and signal fire); `done` then rejects. */
  stop(reason: StopReason): void
}

/** A call run on the host's own thread (see {@link runHere}). */
interface HereRun extends LocalRun {
  /**
   * Settles when the task itself returns, which may be after `done` (a stopped task that
   * finishes its cleanup, or ignores its signal).
   */
  readonly ran: Promise<unknown>
}

/** How long a worker remembers a cancel for a job it had not started yet. */
const EARLY_CANCEL_MEMORY = 60_000

/**
 * Milliseconds `close()` waits, after the release, for tasks stopped on the host's own thread
 * to return (to run their `finally` blocks): an `AsyncExecutor`'s default `gracePeriod`.
 */
const STOPPED_GRACE = 1_000

/**
 * Starts a worker on this host: it takes the queue's jobs and runs their tasks on a local pool
 * of `concurrency` threads or processes, until {@link ClusterWorker.close}.
 *
 * @param options - where Redis is, the queue, the root, and the pool.
 * @returns the running worker; `await worker.ready` to know it is taking tasks.
 * @throws TypeError/RangeError for invalid options (the message names the option).
 * @example
 * ```ts
 * import { startWorker } from '@concurrent/distributed'
 *
 * const worker = startWorker({ connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
 * await worker.ready
 * for (const signal of ['SIGTERM', 'SIGINT'] as const) {
 *   process.once(signal, () => void worker.close().then(() => process.exit(0)))
 * }
 * ```
 * @category Executors
 */
export function startWorker(options: ClusterWorkerOptions): ClusterWorker {
  return new Host(options)
}

class Host implements ClusterWorker {
  readonly name: string
  readonly ready: Promise<void>
  readonly #root: string
  readonly #closeTimeout: number
  readonly #pool: PoolExecutor
  readonly #worker: Worker
  readonly #subscriber: Redis
  readonly #where: string
  /** Runs in progress, by job id: how to stop each. */
  readonly #runs = new Map<string, (reason: StopReason) => void>()
  /** Tasks found under root, by wire name. */
  readonly #tasks = new Map<string, TaskRef<readonly unknown[], unknown>>()
  /** Cancels that arrived before their job started here, by job id, with when. */
  readonly #cancelledEarly = new Map<string, number>()
  /** Calls running on this thread (runtime 'async') whose task has not returned yet. */
  readonly #here = new Set<Promise<unknown>>()
  #closing: Promise<void> | undefined

  constructor(options: ClusterWorkerOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `Expected startWorker options to be an object with a \`connection\`, got ${describe(options)}`,
      )
    }
    const queue = options.queue ?? 'concurrent'
    const prefix = options.prefix ?? 'bull'
    checkName(queue, 'queue')
    checkName(prefix, 'prefix')
    checkInteger(options.concurrency, 'concurrency', 1)
    checkInteger(options.lockDuration, 'lockDuration', 1)
    checkInteger(options.stalledInterval, 'stalledInterval', 1)
    checkInteger(options.maxStalledCount, 'maxStalledCount', 0)
    checkInteger(options.closeTimeout, 'closeTimeout', 0)
    const runtime = options.runtime ?? 'thread'
    if (runtime !== 'thread' && runtime !== 'process' && runtime !== 'async') {
      throw new TypeError(
        `Expected \`runtime\` to be 'thread', 'process' or 'async', got ${describe(runtime)}`,
      )
    }
    const connection = connectionOf(options.connection)
    this.#root = options.root === undefined ? programRoot() : rootOf(options.root)
    const concurrency = options.concurrency ?? availableParallelism()
    this.#closeTimeout = options.closeTimeout ?? 25_000
    this.name = workerName(hostname(), process.pid, concurrency, runtime)
    this.#where = `worker ${this.name} of queue '${queue}' at ${connection.display}`

    // All the pool's workers stay up while the host does: a host exists to run tasks, so none is
    // left to exit when idle and started again (and its task modules imported again) on the next
    // job, and no idle timer is set and cleared around every job.
    const poolOptions = { maxWorkers: concurrency, minWorkers: concurrency }
    this.#pool =
      runtime === 'thread'
        ? new ThreadPoolExecutor(poolOptions)
        : runtime === 'process'
          ? new ProcessPoolExecutor(poolOptions)
          : new AsyncExecutor({ maxWorkers: concurrency })
    this.#subscriber = connection.client({ maxRetriesPerRequest: null })
    this.#subscriber.on('error', (error: Error) => reportProblem(error, this.#where))
    this.#worker = new Worker(
      queue,
      // Two parameters: BullMQ makes no AbortController per job (cancels come through #runs).
      (job: Job, token?: string) => this.#process(job, token),
      {
        connection: connection.bullmq,
        prefix,
        concurrency,
        name: this.name,
        ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
        ...(options.stalledInterval === undefined
          ? {}
          : { stalledInterval: options.stalledInterval }),
        ...(options.maxStalledCount === undefined
          ? {}
          : { maxStalledCount: options.maxStalledCount }),
      },
    )
    this.#worker.on('error', (error: Error) => reportProblem(error, this.#where))
    const cancel = keysOf(prefix, queue).cancel
    this.#subscriber.on('message', (channel: string, jobId: string) => {
      if (channel === cancel) this.#cancel(jobId)
    })
    this.ready = Promise.all([
      this.#subscriber.subscribe(cancel),
      this.#worker.waitUntilReady(),
    ]).then(() => undefined)
    // A failed start shows in `ready` for whoever awaits it; never an unhandled rejection.
    this.ready.catch(() => undefined)
  }

  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  async #close(): Promise<void> {
    const release = setTimeout(() => {
      for (const stop of this.#runs.values()) stop({ kind: 'release' })
    }, this.#closeTimeout)
    // BullMQ's close waits for the running jobs; bounded, since with Redis gone it could not
    // record their ends.
    const closed = await settlesWithin(this.#worker.close(), this.#closeTimeout + CLOSE_BOUND)
    clearTimeout(release)
    if (!closed) await this.#worker.disconnect().catch(() => undefined)
    // Stopped tasks on this thread get the time an executor would give them to end.
    await settlesWithin(Promise.allSettled([...this.#here]), STOPPED_GRACE)
    await this.#pool.shutdown({ wait: true, cancelFutures: true })
    await quit(this.#subscriber)
  }

  /** A caller cancelled job `id`: stop its task if it runs here, or remember it for a while. */
  #cancel(id: string): void {
    const stop = this.#runs.get(id)
    if (stop !== undefined) {
      stop({ kind: 'cancel' })
      return
    }
    const now = Date.now()
    for (const [old, at] of this.#cancelledEarly) {
      if (now - at < EARLY_CANCEL_MEMORY) break
      this.#cancelledEarly.delete(old)
    }
    this.#cancelledEarly.set(id, now)
  }

  /** Runs one job's task on the local pool; its value or error becomes the job's outcome. */
  async #process(job: Job, token: string | undefined) {
    const id = job.id ?? ''
    const data = parseJobData(job.data)
    if (typeof data === 'string') {
      throw new UnrecoverableError(
        `job ${id} was not added by a ClusterExecutor (${data}): give other producers their own queue`,
      )
    }
    if (this.#cancelledEarly.delete(id)) {
      throw new UnrecoverableError('cancelled by its caller before it started')
    }
    let stopped: StopReason | undefined
    let run: LocalRun | undefined
    const stop = (reason: StopReason): void => {
      if (stopped !== undefined) return
      stopped = reason
      run?.stop(reason)
    }
    this.#runs.set(id, stop)
    const progress = new ProgressSender(job, this.#where)
    try {
      run = this.#start(data, progress)
      if (stopped !== undefined) run.stop(stopped)
      const value = await run.done
      await progress.flush()
      try {
        return encodeValue(value)
      } catch (error) {
        throw new TypeError(
          `The value returned by ${describeTask(data.task)} cannot be sent through the queue (${(error as Error).message}): return plain data (structured clone)`,
          { cause: error },
        )
      }
    } catch (error) {
      await progress.flush()
      if (stopped?.kind === 'release') {
        // Back to the queue for another worker, not a failure and not a stall.
        await job.moveToWait(token)
        throw new WaitingError()
      }
      if (stopped?.kind === 'cancel') {
        throw new UnrecoverableError('cancelled by its caller')
      }
      throw await this.#recordFailure(job, data, error)
    } finally {
      this.#runs.delete(id)
    }
  }

  /**
   * Starts a job's task on the local pool. A call is one `submit` (the pool's own timeout, from
   * when a worker starts it, and its interrupt); a chunk is a `map` stopped through a signal.
   */
  #start(data: JobData, progress: ProgressSender): LocalRun {
    const task = this.#resolve(data.task)
    const decoded = decodeValue(data.args)
    if (!Array.isArray(decoded)) throw new TypeError(`Expected the job's arguments to be an array`)
    const args = decoded as unknown[]
    const { timeout } = data
    if (data.mode === 'call' && this.#pool instanceof AsyncExecutor) {
      const run = runHere(task, args, timeout, progress, data.task)
      const { ran } = run
      const forget = (): boolean => this.#here.delete(ran)
      this.#here.add(ran)
      void ran.then(forget, forget)
      return run
    }
    if (data.mode === 'call') {
      const pool = timeout === undefined ? this.#pool : this.#pool.with({ timeout })
      // A task's error goes back to its caller, who has the stack that matters.
      const future = withoutCallerStacks(() => pool.submit(task, ...args))
      future.onProgress((value) => progress.send(value))
      return { done: future.result(), stop: () => future.cancel({ interrupt: true }) }
    }
    const controller = new AbortController()
    // A deadline, not a bare setTimeout: a timeout above 2^31 - 1 ms would fire at once.
    const clearTimer =
      timeout === undefined
        ? undefined
        : setDeadline(deadlineIn(timeout), () => {
            controller.abort(
              new TimeoutError(
                `the chunk of ${describeTask(data.task)} did not finish within its timeout of ${timeout} ms`,
              ),
            )
          })
    const { signal } = controller
    const collect = async (): Promise<unknown[]> => {
      const results: unknown[] = []
      const items =
        data.mode === 'flat'
          ? this.#pool.map(task, args, { signal })
          : this.#pool.starmap(task, args as never, { signal })
      try {
        for await (const result of items) results.push(result)
      } catch (error) {
        // An item threw: the chunk keeps the results before it (unless the whole run stopped).
        throw signal.aborted ? error : new PartialChunk(results, error)
      }
      return results
    }
    return {
      done: collect().finally(() => clearTimer?.()),
      stop: (reason) =>
        controller.abort(
          new CancelledError(
            reason.kind === 'cancel'
              ? 'the task was cancelled by its caller'
              : 'the worker is closing; the task goes back to the queue',
          ),
        ),
    }
  }

  /** The task a wire name leads to under this worker's root (kept once found). */
  #resolve(wire: string): TaskRef<readonly unknown[], unknown> {
    let task = this.#tasks.get(wire)
    if (task === undefined) {
      task = resolveTask(wire, this.#root, this.name)
      if (this.#tasks.size >= 1_000) this.#tasks.clear()
      this.#tasks.set(wire, task)
    }
    return task
  }

  /**
   * Keeps the task's error in the job's data for the caller (class, own properties, cause and
   * stack, through the pools' codec), and returns the error to fail the job with: readable in
   * dashboards, retried by BullMQ while attempts remain.
   */
  async #recordFailure(job: Job, data: JobData, thrown: unknown): Promise<Error> {
    const partial = thrown instanceof PartialChunk ? thrown : undefined
    const error = partial === undefined ? thrown : partial.error
    const record: FailureRecord = {
      attempt: job.attemptsStarted,
      error: encodeError(error),
      ...(partial === undefined ? {} : { values: partial.values }),
    }
    let encoded: string
    try {
      encoded = encodeValue(record)
    } catch {
      encoded = encodeValue({
        attempt: record.attempt,
        error: encodeError(new Error(String(error))),
      })
    }
    await job.updateData({ ...data, error: encoded })
    const failure = new Error(
      error instanceof Error ? `${error.name}: ${error.message}` : `a thrown ${describe(error)}`,
    )
    if (error instanceof Error && error.stack !== undefined) failure.stack = error.stack
    return failure
  }
}

/**
 * Runs a call on the host's own thread (runtime `'async'`) through the runtime's `invoke`, as a
 * pool's worker runs it, with no local executor in between: BullMQ already queues the jobs and
 * bounds how many run at once, so an executor's queue, future and statistics were only cost
 * (about 20 µs of CPU per job, a tenth of the host's). The task sees its token, signal and
 * progress as on any executor. A timeout or a stop cancels its token and ends the run at once;
 * a task that ignores its signal keeps running, and its outcome is dropped.
 */
function runHere(
  task: TaskRef<readonly unknown[], unknown>,
  args: readonly unknown[],
  timeout: number | undefined,
  progress: ProgressSender,
  wire: string,
): HereRun {
  const token = new CancelToken()
  let stopWith!: (error: unknown) => void
  const stopped = new Promise<never>((_, reject) => (stopWith = reject))
  const end = (error: unknown): void => {
    token.cancel(error)
    stopWith(error)
  }
  const clearTimer =
    timeout === undefined
      ? undefined
      : setDeadline(deadlineIn(timeout), () => {
          end(
            new TimeoutError(
              `${describeTask(wire)} did not finish within its timeout of ${timeout} ms`,
            ),
          )
        })
  // Progress from a task that runs on after its run ended (it ignored its signal) is dropped:
  // its job is finished.
  let over = false
  const how: Invocation = {
    context: {
      token,
      progress: (value: unknown) => {
        if (!over) progress.send(value)
      },
    },
    exclusive: false,
  }
  const work: Work = { kind: 'call', args }
  const spec = { kind: 'module', url: task.moduleUrl, name: task.exportName } as const
  const found = cachedTask(spec)
  // A task whose module is still loading when its run is stopped never starts.
  const ran =
    found === undefined
      ? lookupTask(spec).then((fn) => (token.cancelled ? undefined : invoke(fn, work, how)))
      : invoke(found, work, how)
  return {
    done: Promise.race([ran, stopped]).finally(() => {
      over = true
      clearTimer?.()
    }),
    ran,
    stop: (reason) =>
      end(
        new CancelledError(
          reason.kind === 'cancel'
            ? 'the task was cancelled by its caller'
            : 'the worker is closing; the task goes back to the queue',
        ),
      ),
  }
}

/** A chunk an item of which threw: the results before it, and its error. */
class PartialChunk {
  constructor(
    readonly values: readonly unknown[],
    readonly error: unknown,
  ) {}
}

/**
 * Sends a running task's progress to its job, one update at a time: while one is on its way,
 * only the latest value waits, so a task that reports faster than Redis takes the updates
 * never queues them up (the caller sees the latest).
 */
class ProgressSender {
  readonly #job: Job
  readonly #where: string
  #next: { value: unknown } | undefined
  #inFlight: Promise<void> | undefined

  constructor(job: Job, where: string) {
    this.#job = job
    this.#where = where
  }

  send(value: unknown): void {
    this.#next = { value }
    if (this.#inFlight === undefined) this.#pump()
  }

  /** Resolves once every update sent so far has reached Redis (or failed). */
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight
  }

  #pump(): void {
    const next = this.#next
    if (next === undefined) return
    this.#next = undefined
    let data: string
    try {
      data = encodeValue(next.value)
    } catch (error) {
      reportProblem(error as Error, `${this.#where}: a progress value of job ${this.#job.id ?? ''}`)
      return
    }
    this.#inFlight = this.#job
      .updateProgress(data)
      .catch((error: unknown) => reportProblem(error as Error, this.#where))
      .finally(() => {
        this.#inFlight = undefined
        this.#pump()
      })
  }
}
