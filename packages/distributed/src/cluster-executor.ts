/**
 * The client side of the cluster: an {@link Executor} whose tasks run on whichever hosts run
 * workers against the same Redis queue.
 *
 * ```
 * submit/map ─▶ Call (buffered) ─▶ Queue.addBulk (one job per call or chunk) ─▶ Redis
 *                                                                                │
 *   worker host: BullMQ Worker ─▶ local Thread/ProcessPoolExecutor ─▶ task ──────┤
 *                                                                                ▼
 * future ◀─ settle ◀─ QueueEvents (active, progress, completed, failed, removed) ◀─ event stream
 * ```
 *
 * BullMQ does the queueing, priorities, retries with backoff and the stalled-job check that
 * gives a lost worker's job to another; this module only turns jobs into futures. Each call is
 * a small state machine ({@link CallState}) changed in one place, so a future settles exactly
 * once whatever order the events, the cancels and the safety check come in:
 *
 * - events are read from BullMQ's stream starting at its last entry before the first job is
 *   added, so none is missed at start;
 * - the stream is capped (about 10,000 events), so a client that falls far behind could miss
 *   one: a slow check asks Redis for the state of each job it has not heard of for a while;
 * - a cancelled future withdraws its job: `Queue.remove` while it waits, and a message on the
 *   cancel channel (Redis pub/sub) to interrupt it where it runs.
 *
 * It is not a broker: without a worker, jobs wait in Redis, and their futures stay pending.
 */
import { randomUUID } from 'node:crypto'

import { Job, Queue, QueueEvents, type JobsOptions } from 'bullmq'
import type { Redis } from 'ioredis'

import { TaskFuture } from '@concurrent/executors'
import {
  AbstractExecutor,
  DEFAULT_BUFFERSIZE,
  ShutdownError,
  type ChunkResult,
  type Executor,
  type ShutdownOptions,
  type Task,
  type TaskOptions,
} from '@concurrent/future'

import { JobLostError, WorkerLostError } from './errors.js'
import { CLOSE_BOUND, quit, settlesWithin } from './internal/close.js'
import {
  connectionOf,
  keysOf,
  type ConnectionOptions,
  type QueueKeys,
} from './internal/connection.js'
import {
  captureCaller,
  checkTaskOptions,
  decodeError,
  mergeTaskOptions,
} from './internal/internals.js'
import {
  checkAttempts,
  checkBackoff,
  checkName,
  checkPriority,
  PRIORITY_LIMIT,
  programRoot,
  rootOf,
  type Backoff,
} from './internal/options.js'
import { reportProblem } from './internal/report.js'
import {
  decodeValue,
  describeTask,
  encodeArgs,
  parseJobData,
  slotsOf,
  splitTask,
  wireTask,
  type FailureRecord,
  type JobData,
  type JobMode,
} from './internal/wire.js'

/**
 * Options of {@link ClusterExecutor}.
 *
 * @example
 * ```ts
 * import { ClusterExecutor } from '@concurrent/distributed'
 *
 * const cluster = new ClusterExecutor({
 *   connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
 *   queue: 'renders',
 *   root: new URL('..', import.meta.url), // the folder every host has the same code in
 *   attempts: 3,
 *   backoff: { type: 'exponential', delay: 1_000 },
 * })
 * ```
 * @category Executors
 */
export interface ClusterExecutorOptions {
  /**
   * Where Redis is: a URL (`redis://user:password@host:6379/0`, `rediss://` for TLS) or
   * ioredis options, handed to BullMQ as they are.
   */
  readonly connection: ConnectionOptions
  /**
   * The BullMQ queue: workers started with the same name (and `prefix`) run these tasks.
   *
   * @defaultValue `'concurrent'`
   */
  readonly queue?: string | undefined
  /**
   * BullMQ's key prefix, for sharing one Redis between separate clusters.
   *
   * @defaultValue `'bull'`
   */
  readonly prefix?: string | undefined
  /**
   * The folder that task modules are named relative to: a task from `root/src/tasks.ts` travels
   * as `src/tasks.ts`, and each worker imports that path under its own `root`. A task module
   * outside it is refused at the call site.
   *
   * @defaultValue the folder of the nearest `package.json` above the program's main module
   */
  readonly root?: string | URL | undefined
  /**
   * How many times a task is tried in all when it throws: `3` runs it up to three times, and
   * its future rejects with the last error. (A run lost with its worker is retried by the
   * workers' stall limit instead, see {@link WorkerLostError}.)
   *
   * @defaultValue `1`
   */
  readonly attempts?: number | undefined
  /**
   * How long to wait before each retry.
   *
   * @defaultValue none: a retry is queued at once
   */
  readonly backoff?: Backoff | undefined
}

/**
 * Per-task options of a {@link ClusterExecutor}, given through {@link ClusterExecutor.with}:
 * the usual `signal`, `timeout` and `priority`, and the retry options. `transfer` means
 * nothing here (values are always copied) and is ignored.
 *
 * - `timeout` counts on the worker, from the start of each run; a run that times out fails
 *   with `TimeoutError` and is retried like any failure.
 * - `priority` is an integer from -1,048,575 to 1,048,575; higher runs first.
 *
 * @example
 * ```ts
 * const careful = cluster.with({ attempts: 5, backoff: 2_000, timeout: 60_000, priority: 10 })
 * await careful.submit(tasks.fetchReport, day)
 * ```
 * @category Executors
 */
export interface ClusterTaskOptions extends TaskOptions {
  /**
   * See {@link ClusterExecutorOptions.attempts}.
   *
   * @defaultValue the executor's `attempts`
   */
  readonly attempts?: number | undefined
  /**
   * See {@link ClusterExecutorOptions.backoff}.
   *
   * @defaultValue the executor's `backoff`
   */
  readonly backoff?: Backoff | undefined
}

/**
 * What {@link ClusterExecutor.with} returns: a view of the same cluster whose futures are
 * {@link TaskFuture}s (with `onProgress`) and whose `with` takes the retry options too.
 *
 * @example
 * ```ts
 * const urgent: ClusterTaskExecutor = cluster.with({ priority: 100 })
 * urgent.submit(tasks.render, scene).onProgress((p) => console.log(p))
 * ```
 * @category Executors
 */
export interface ClusterTaskExecutor extends Executor {
  /** See {@link ClusterExecutor.submit}. */
  submit<A extends readonly unknown[], R>(task: Task<A, R>, ...args: A): TaskFuture<Awaited<R>>
  /** A further view, with these options added. */
  with(options: ClusterTaskOptions): ClusterTaskExecutor
}

/**
 * Where a call's job is, as far as this client knows:
 * - `buffered`: made, waiting for the next bulk add;
 * - `adding`: in a bulk add that has not returned yet;
 * - `queued`: in Redis (waiting, delayed for a retry, or prioritized);
 * - `active`: a worker has started it;
 * - `withdrawn`: its future was cancelled (or its signal aborted) first; the job is being
 *   removed or interrupted, and the call is kept until Redis confirms it is gone;
 * - `settled`: its future has the job's outcome.
 */
type CallState = 'buffered' | 'adding' | 'queued' | 'active' | 'withdrawn' | 'settled'

interface Call {
  readonly id: string
  readonly task: string
  readonly future: TaskFuture<unknown>
  readonly callerStack: (() => string | undefined) | undefined
  readonly signal: AbortSignal | undefined
  /** A chunk's future resolves with a {@link ChunkResult}, a call's with the value. */
  readonly chunk: boolean
  readonly job: { name: string; data: JobData; opts: JobsOptions }
  state: CallState
  /** When the safety check next asks Redis about this job, and how often it has. */
  checkAt: number
  checks: number
}

/**
 * How many events BullMQ keeps in the queue's stream (about; its default is 10,000). A client
 * that adds thousands of jobs at once falls that far behind the stream while it adds them, and
 * an event trimmed before it is read leaves its future to the safety check.
 */
const EVENTS_KEPT = 100_000
/** Jobs per `addBulk`: one Redis transaction each. */
const BULK = 1_000
/** How often the safety check runs, and how long a job may go unheard of before it is asked about. */
const CHECK_INTERVAL = 5_000
/** The most jobs the safety check asks about at once. */
const CHECK_BATCH = 500
/** How long completed and failed jobs stay in Redis (seconds), for the safety check and for people. */
const KEEP_COMPLETED = 3_600
const KEEP_FAILED = 24 * 3_600
/** How often the count of worker slots (for the automatic chunksize) may be refreshed. */
const SLOTS_REFRESH = 10_000
/** Assumed worker slots until the first count arrives. */
const DEFAULT_SLOTS = 4
/** BullMQ's failedReason for a job past its workers' stall limit. */
const STALLED_REASON = 'job stalled more than allowable limit'

/**
 * An {@link Executor} over a cluster: tasks run on every host that runs a worker
 * (`concurrent-worker`, or {@link startWorker}) against the same Redis queue. The futures are
 * the same {@link TaskFuture}s the pools return, so `asCompleted`, `wait`, `gather`,
 * `@concurrent/rx` and `@concurrent/fp` work on them unchanged.
 *
 * - Tasks are task references (`taskModule`), sent as their module path relative to `root`;
 *   inline functions are refused. Arguments and results are copied with structured clone.
 * - At least once: a task whose worker dies (or loses Redis) is run again by another worker
 *   once BullMQ finds its job stalled; after the workers' stall limit its future rejects with
 *   {@link WorkerLostError}. Tasks should be safe to run twice.
 * - A task that throws is retried `attempts` times with `backoff`; then its future rejects
 *   with the task's own error (class, own properties, `cause`, stack).
 * - `cancel()` removes a waiting job (the task never runs); `cancel({ interrupt: true })`
 *   reaches the running task's token and signal on its host. `timeout` counts from the start
 *   of a run, on the worker. `reportProgress` reaches `onProgress`.
 * - Jobs wait in Redis when no worker runs, and their futures stay pending.
 *
 * @example
 * ```ts
 * import { ClusterExecutor, taskModule } from '@concurrent/distributed'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 *
 * await using cluster = new ClusterExecutor({ connection: 'redis://127.0.0.1:6379' })
 * console.log(await cluster.submit(tasks.isPrime, 97)) // true, from whichever host took it
 * for await (const ok of cluster.map(tasks.isPrime, numbers)) if (ok) primes++
 * ```
 * @category Executors
 */
export class ClusterExecutor extends AbstractExecutor {
  /** The queue's name. */
  readonly queue: string
  /** The folder task modules are named relative to. */
  readonly root: string

  readonly #connection: ReturnType<typeof connectionOf>
  readonly #keys: QueueKeys
  readonly #prefix: string
  readonly #attempts: number
  readonly #backoff: Backoff | undefined
  readonly #id = randomUUID().slice(0, 8)
  #sequence = 0
  readonly #bull: Queue
  readonly #redis: Redis
  #events: QueueEvents | undefined
  readonly #ready: Promise<void>

  readonly #calls = new Map<string, Call>()
  #outbox: Call[] = []
  #flushing = false
  /** Futures not yet done. */
  #unsettled = 0
  /** Removals, interrupts and reads in flight. */
  readonly #background = new Set<Promise<void>>()
  #idleWaiters: Array<() => void> = []
  readonly #signalled = new Map<AbortSignal, { calls: Set<Call>; onAbort: () => void }>()
  /** `open`, then `shutdown` (no more tasks), then `closing` (connections going away). */
  #state: 'open' | 'shutdown' | 'closing' = 'open'
  #closed: Promise<void> | undefined
  readonly #checkTimer: NodeJS.Timeout
  #checking = false
  #slots = 0
  #slotsAt = 0

  /**
   * @param options - where Redis is, and the queue and retry options.
   * @throws TypeError/RangeError for invalid options (the message names the option).
   */
  constructor(options: ClusterExecutorOptions) {
    super()
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `Expected ClusterExecutor options to be an object with a \`connection\`, got ${String(options)}`,
      )
    }
    const queue = options.queue ?? 'concurrent'
    const prefix = options.prefix ?? 'bull'
    checkName(queue, 'queue')
    checkName(prefix, 'prefix')
    checkAttempts(options.attempts)
    checkBackoff(options.backoff)
    this.#connection = connectionOf(options.connection)
    this.root = options.root === undefined ? programRoot() : rootOf(options.root)
    this.queue = queue
    this.#prefix = prefix
    this.#keys = keysOf(prefix, queue)
    this.#attempts = options.attempts ?? 1
    this.#backoff = options.backoff
    this.#redis = this.#connection.client({ maxRetriesPerRequest: null })
    this.#redis.on('error', (error: Error) => reportProblem(error, this.#where()))
    this.#bull = new Queue(queue, {
      connection: this.#connection.bullmq,
      prefix,
      streams: { events: { maxLen: EVENTS_KEPT } },
    })
    this.#bull.on('error', (error: Error) => reportProblem(error, this.#where()))
    this.#ready = this.#start()
    // A failed start is reported to each task (its add waits for this); never unhandled.
    this.#ready.catch(() => undefined)
    this.#checkTimer = setInterval(() => void this.#check(), CHECK_INTERVAL)
    this.#checkTimer.unref()
  }

  /**
   * Schedules `task(...args)` on the cluster and returns its future at once: pending while
   * the job waits, running once a worker starts it, then settled with the task's value or
   * error.
   *
   * @returns the task's future, with `onProgress`.
   * @throws `ShutdownError` if the executor is shut down.
   * @throws `InlineTaskError` for a function: pass a reference from `taskModule()`.
   * @throws RangeError for a task module outside `root`.
   * @throws `DataCloneError` for an argument structured clone cannot copy.
   * @example
   * ```ts
   * const future = cluster.submit(tasks.render, scene)
   * future.onProgress((done) => console.log(`${done}%`))
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
   * A view of this executor whose submissions carry `options`: the pools' `signal`, `timeout`
   * and `priority`, plus `attempts` and `backoff` (see {@link ClusterTaskOptions}).
   *
   * @returns a view of the same cluster.
   * @throws TypeError/RangeError for invalid options.
   * @example
   * ```ts
   * const patient = cluster.with({ attempts: 5, backoff: { type: 'exponential', delay: 500 } })
   * await patient.submit(tasks.fetchReport, day)
   * ```
   */
  override with(options: ClusterTaskOptions): ClusterTaskExecutor {
    checkClusterTaskOptions(options)
    return new ClusterView(this, options)
  }

  /**
   * Stops accepting tasks, then closes the connections once every future is done.
   *
   * - `wait` (default `true`): the promise resolves when every task has finished and the
   *   connections are closed. Tasks wait for workers: with none running, it waits.
   * - `cancelFutures` (default `false`): cancels the tasks that have not started (their jobs
   *   are removed from the queue); running ones finish.
   *
   * @returns a promise that resolves as described above; it never rejects.
   * @example
   * ```ts
   * await cluster.shutdown({ cancelFutures: true })
   * ```
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.#state === 'open') this.#state = 'shutdown'
    if (options.cancelFutures === true) {
      for (const call of [...this.#calls.values()]) {
        if (call.future.state === 'pending') call.future.cancel()
      }
    }
    this.#closed ??= this.#whenIdle().then(() => this.#close())
    if (options.wait ?? true) await this.#closed
  }

  /**
   * Shuts the executor down and waits (`await using`).
   *
   * @returns a promise that resolves once every task has finished and the connections closed.
   */
  override async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown({ wait: true })
  }

  protected schedule<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: TaskOptions,
  ): TaskFuture<Awaited<R>> {
    return this.#submit(task, args, 'call', options)
  }

  protected scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): TaskFuture<ChunkResult<Awaited<R>>> {
    return this.#submit(task, items, 'chunk', options)
  }

  protected override scheduleFlatChunk<T, R>(
    task: Task<[T], R>,
    items: readonly T[],
    options: TaskOptions,
  ): TaskFuture<ChunkResult<Awaited<R>>> {
    return this.#submit(task, items, 'flat', options)
  }

  protected override defaultChunksize(length: number): number {
    if (Date.now() - this.#slotsAt > SLOTS_REFRESH) this.#track(this.#countSlots())
    // multiprocessing.Pool: about four chunks per worker, here per worker slot of the cluster.
    return Math.ceil(length / ((this.#slots || DEFAULT_SLOTS) * 4))
  }

  protected override defaultBuffersize(): number {
    // As the pools: 32 jobs ahead per worker slot, and never fewer than other executors.
    return Math.max(DEFAULT_BUFFERSIZE, (this.#slots || DEFAULT_SLOTS) * 32)
  }

  #submit<T>(task: unknown, args: readonly unknown[], mode: JobMode, options: ClusterTaskOptions) {
    if (this.#state !== 'open') {
      throw new ShutdownError(
        `cannot submit to the ClusterExecutor of queue '${this.queue}' after shutdown`,
      )
    }
    const wire = wireTask(task, this.root)
    const data: JobData = {
      task: wire,
      args: encodeArgs(args, splitTask(wire).exportName),
      mode,
      ...(options.timeout === undefined || options.timeout === Infinity
        ? {}
        : { timeout: options.timeout }),
    }
    const backoff = options.backoff ?? this.#backoff
    const id = `${this.#id}-${(this.#sequence++).toString(36)}`
    const opts: JobsOptions = {
      jobId: id,
      attempts: options.attempts ?? this.#attempts,
      ...(backoff === undefined ? {} : { backoff: bullBackoff(backoff) }),
      // BullMQ runs jobs without a priority before all others, so every job gets one, centred
      // on ours: 0 here is BullMQ's 2^20, higher here is lower (sooner) there.
      priority: PRIORITY_LIMIT + 1 - (options.priority ?? 0),
      removeOnComplete: { age: KEEP_COMPLETED },
      removeOnFail: { age: KEEP_FAILED },
    }
    const future = new TaskFuture<T>()
    const { signal } = options
    if (signal?.aborted === true) {
      future.setException(signal.reason)
      return future
    }
    const call: Call = {
      id,
      task: wire,
      future,
      callerStack: captureCaller(),
      signal,
      chunk: mode !== 'call',
      job: { name: splitTask(wire).exportName, data, opts },
      state: 'buffered',
      checkAt: 0,
      checks: 0,
    }
    this.#calls.set(id, call)
    this.#unsettled++
    if (signal !== undefined) this.#watchSignal(signal, call)
    future.addDoneCallback(() => this.#onDone(call))
    this.#outbox.push(call)
    if (!this.#flushing) {
      this.#flushing = true
      setImmediate(() => void this.#flush())
    }
    return future
  }

  /** Connects, then follows the queue's events from the last one in the stream now. */
  async #start(): Promise<void> {
    const [last] = (await this.#redis.xrevrange(this.#keys.events, '+', '-', 'COUNT', 1)) as Array<
      [string, string[]]
    >
    if (this.#state === 'closing') return
    const events = new QueueEvents(this.queue, {
      connection: this.#connection.bullmq,
      prefix: this.#prefix,
      lastEventId: last?.[0] ?? '0-0',
    })
    this.#events = events
    events.on('error', (error: Error) => reportProblem(error, this.#where()))
    events.on('active', ({ jobId }) => this.#onActive(jobId))
    events.on('progress', ({ jobId, data }) => this.#onProgress(jobId, data))
    events.on('completed', ({ jobId, returnvalue }) => this.#onCompleted(jobId, returnvalue))
    events.on('failed', ({ jobId, failedReason }) => this.#onFailed(jobId, failedReason))
    events.on('removed', ({ jobId }) => this.#onRemoved(jobId))
    events.on('waiting', ({ jobId, prev }) => this.#onWaiting(jobId, prev))
    await events.waitUntilReady()
    await this.#countSlots()
  }

  /** Adds the buffered calls' jobs, in bulk, in order. */
  async #flush(): Promise<void> {
    try {
      await this.#ready
    } catch (error) {
      for (const call of this.#outbox.splice(0)) this.#addFailed(call, error)
    }
    while (this.#outbox.length > 0) {
      const batch = this.#outbox.splice(0, BULK).filter((call) => call.state === 'buffered')
      if (batch.length === 0) continue
      for (const call of batch) this.#move(call, 'adding')
      try {
        const [only] = batch
        if (batch.length === 1 && only !== undefined) {
          const { name, data, opts } = only.job
          await this.#bull.add(name, data, opts)
        } else {
          await this.#bull.addBulk(batch.map((call) => call.job))
        }
        for (const call of batch) this.#added(call)
      } catch (error) {
        for (const call of batch) this.#addFailed(call, error)
      }
    }
    this.#flushing = false
  }

  #added(call: Call): void {
    if (call.state === 'adding') this.#move(call, 'queued')
    else if (call.state === 'withdrawn') this.#retract(call)
  }

  #addFailed(call: Call, error: unknown): void {
    if (call.state === 'withdrawn') this.#forget(call)
    else if (call.state === 'adding' || call.state === 'buffered') this.#settle(call, false, error)
  }

  /**
   * The one place a call's state changes (settling aside, which also completes the future).
   * Also notes that the job was heard of, for the safety check.
   */
  #move(call: Call, next: CallState): void {
    call.state = next
    call.checkAt = Date.now() + CHECK_INTERVAL
    call.checks = 0
  }

  /** Gives the call's future its outcome: the only place futures are completed. */
  #settle(call: Call, ok: boolean, outcome: unknown): void {
    if (call.state === 'settled') return
    if (call.state === 'withdrawn') {
      this.#forget(call)
      return
    }
    call.state = 'settled'
    this.#calls.delete(call.id)
    const { future } = call
    if (future.done()) return
    if (ok) future.setResult(outcome)
    else future.setException(outcome)
  }

  /** The future is done: by {@link #settle}, or cancelled or aborted by the user. */
  #onDone(call: Call): void {
    if (call.signal !== undefined) this.#unwatchSignal(call.signal, call)
    this.#unsettled--
    switch (call.state) {
      case 'settled':
      case 'withdrawn':
        break
      case 'buffered':
        // Never sent: the flush skips it.
        call.state = 'withdrawn'
        this.#forget(call)
        break
      case 'adding':
        // Withdrawn once its add returns (see #added).
        this.#move(call, 'withdrawn')
        break
      case 'queued':
      case 'active':
        this.#move(call, 'withdrawn')
        this.#retract(call)
        break
    }
    this.#maybeIdle()
  }

  /** Takes a withdrawn call's job back: removed if it waits, interrupted if it runs. */
  #retract(call: Call): void {
    this.#track(
      (async () => {
        const removed = await this.#bull.remove(call.id)
        if (removed === 1) this.#forget(call)
        else await this.#redis.publish(this.#keys.cancel, call.id)
      })(),
    )
  }

  /** Drops a withdrawn call: its job is gone, or as good as gone. */
  #forget(call: Call): void {
    if (call.state !== 'withdrawn') return
    call.state = 'settled'
    this.#calls.delete(call.id)
  }

  #onActive(id: string): void {
    const call = this.#calls.get(id)
    if (call === undefined) return
    switch (call.state) {
      case 'withdrawn':
        // Started before the removal reached it, or again after a stall: interrupt it there.
        this.#move(call, 'withdrawn')
        this.#retract(call)
        break
      case 'adding':
      case 'queued':
        this.#move(call, 'active')
        this.#begin(call)
        break
      default:
        this.#move(call, call.state)
    }
  }

  /** The job runs: its future is running, and can be interrupted. */
  #begin(call: Call): void {
    const { future } = call
    if (future.state !== 'pending') return
    if (future.setRunningOrNotifyCancel()) {
      // The interrupt itself is #onDone's retract, which sees the future cancelled.
      future.setInterruptHandler(() => undefined)
    }
  }

  #onProgress(id: string, data: unknown): void {
    const call = this.#calls.get(id)
    if (call === undefined || typeof data !== 'string') return
    if (call.state === 'queued' || call.state === 'adding') {
      this.#move(call, 'active')
      this.#begin(call)
    }
    if (call.state !== 'active') return
    let value: unknown
    try {
      value = decodeValue(data)
    } catch (error) {
      reportProblem(error as Error, `progress of job ${id}`)
      return
    }
    call.future.emitProgress(value)
  }

  #onCompleted(id: string, returnvalue: unknown): void {
    const call = this.#calls.get(id)
    if (call === undefined) return
    if (typeof returnvalue !== 'string') {
      this.#settle(
        call,
        false,
        new JobLostError(
          `Job ${id} of the task ${describeTask(call.task)} completed without a result from @concurrent/distributed's worker: is something else consuming queue '${this.queue}'?`,
          { jobId: id, reason: 'foreign result' },
        ),
      )
      return
    }
    let value: unknown
    try {
      value = decodeValue(returnvalue)
    } catch (error) {
      this.#settle(call, false, error)
      return
    }
    this.#settle(call, true, call.chunk ? { values: value } : value)
  }

  #onFailed(id: string, failedReason: string): void {
    const call = this.#calls.get(id)
    if (call === undefined) return
    if (call.state === 'withdrawn') {
      this.#forget(call)
      return
    }
    this.#track(this.#fail(call, failedReason))
  }

  /** Rejects the call's future with the task's own error, or with why BullMQ failed the job. */
  async #fail(call: Call, failedReason: string): Promise<void> {
    let job: Job | undefined
    try {
      job = await Job.fromId(this.#bull, call.id)
    } catch {
      job = undefined
    }
    const record = this.#record(job)
    if (record !== undefined) {
      const error = decodeError(record.error, call.callerStack?.())
      // A chunk keeps the results of its items before the one that threw (ChunkResult).
      if (call.chunk && record.values !== undefined) {
        this.#settle(call, true, { values: record.values, failure: { error } })
      } else {
        this.#settle(call, false, error)
      }
      return
    }
    this.#settle(call, false, this.#failure(call, job, failedReason))
  }

  /** What the worker recorded about the job's last run, if it failed there. */
  #record(job: Job | undefined): FailureRecord | undefined {
    const data = parseJobData(job?.data)
    if (job === undefined || typeof data === 'string' || data.error === undefined) return undefined
    try {
      const record = decodeValue(data.error) as FailureRecord
      return record.attempt === job.attemptsStarted ? record : undefined
    } catch {
      // Not readable: BullMQ's own reason tells what happened.
      return undefined
    }
  }

  /** Why BullMQ failed a job the task did not fail. */
  #failure(call: Call, job: Job | undefined, failedReason: string): unknown {
    const task = describeTask(call.task)
    if (failedReason === STALLED_REASON) {
      const started = job?.attemptsStarted ?? 0
      return new WorkerLostError(
        `The task ${task} was lost with its worker: job ${call.id} stalled (its worker stopped renewing the lock: killed, crashed, or cut off from Redis) more often than the workers' maxStalledCount allows, after ${started} start${started === 1 ? '' : 's'}`,
        { jobId: call.id, attemptsStarted: started },
      )
    }
    return new JobLostError(
      `BullMQ failed job ${call.id} of the task ${task} without an error from the task: ${failedReason}`,
      { jobId: call.id, reason: failedReason },
    )
  }

  #onRemoved(id: string): void {
    const call = this.#calls.get(id)
    if (call === undefined) return
    if (call.state === 'withdrawn') {
      this.#forget(call)
      return
    }
    if (call.state === 'queued' || call.state === 'active') {
      this.#settle(call, false, this.#lost(call, 'removed'))
    }
  }

  #onWaiting(id: string, prev: string | undefined): void {
    const call = this.#calls.get(id)
    if (call === undefined) return
    // A withdrawn job back in the queue (it stalled): now it can be removed.
    if (call.state === 'withdrawn' && prev === 'active') this.#retract(call)
    else this.#move(call, call.state)
  }

  #lost(call: Call, reason: 'removed' | 'missing'): JobLostError {
    const what =
      reason === 'removed'
        ? 'was removed from the queue by someone else'
        : 'is no longer in Redis (removed, or lost with Redis data: was Redis restarted without persistence?)'
    return new JobLostError(
      `Job ${call.id} of the task ${describeTask(call.task)} ${what}, so the task has no outcome`,
      { jobId: call.id, reason },
    )
  }

  /**
   * The safety check: asks Redis about the jobs not heard of for a while, in case the event
   * stream (capped, and only as durable as Redis) lost the event that would have settled them.
   */
  async #check(): Promise<void> {
    if (this.#checking || this.#events === undefined) return
    this.#checking = true
    try {
      const now = Date.now()
      const due: Call[] = []
      for (const call of this.#calls.values()) {
        const known =
          call.state === 'queued' || call.state === 'active' || call.state === 'withdrawn'
        if (known && call.checkAt <= now) due.push(call)
        if (due.length >= CHECK_BATCH) break
      }
      await Promise.all(due.map((call) => this.#checkOne(call)))
    } catch (error) {
      reportProblem(error as Error, this.#where())
    } finally {
      this.#checking = false
    }
  }

  async #checkOne(call: Call): Promise<void> {
    const state = await this.#bull.getJobState(call.id)
    // Asked again later and later while nothing changes, up to once a minute.
    call.checks++
    call.checkAt = Date.now() + Math.min(60_000, CHECK_INTERVAL * 2 ** call.checks)
    switch (state) {
      case 'completed': {
        const job = await Job.fromId(this.#bull, call.id)
        this.#onCompleted(call.id, job?.returnvalue)
        break
      }
      case 'failed': {
        const job = await Job.fromId(this.#bull, call.id)
        this.#onFailed(call.id, job?.failedReason ?? 'unknown')
        break
      }
      case 'unknown':
        if (call.state === 'withdrawn') this.#forget(call)
        else this.#settle(call, false, this.#lost(call, 'missing'))
        break
      case 'active':
        if (call.state === 'queued') {
          this.#move(call, 'active')
          this.#begin(call)
        } else if (call.state === 'withdrawn') {
          await this.#redis.publish(this.#keys.cancel, call.id)
        }
        break
      default:
        if (call.state === 'withdrawn') this.#retract(call)
    }
  }

  /** Counts the worker slots on the queue (for the automatic chunksize). */
  async #countSlots(): Promise<void> {
    this.#slotsAt = Date.now()
    try {
      const workers = await this.#bull.getWorkers()
      const slots = workers.reduce((sum, worker) => {
        const raw = String(worker.rawname ?? '')
        const at = raw.indexOf(':w:')
        return sum + (at < 0 ? 0 : slotsOf(raw.slice(at + 3)))
      }, 0)
      if (slots > 0) this.#slots = slots
    } catch {
      // CLIENT LIST may be forbidden (some managed Redis): keep the last count.
    }
  }

  #watchSignal(signal: AbortSignal, call: Call): void {
    let entry = this.#signalled.get(signal)
    if (entry === undefined) {
      const calls = new Set<Call>()
      const onAbort = (): void => {
        this.#signalled.delete(signal)
        for (const aborted of [...calls]) {
          // Rejects with the signal's reason; #onDone withdraws the job.
          if (!aborted.future.done()) aborted.future.setException(signal.reason)
        }
      }
      entry = { calls, onAbort }
      this.#signalled.set(signal, entry)
      signal.addEventListener('abort', onAbort, { once: true })
    }
    entry.calls.add(call)
  }

  #unwatchSignal(signal: AbortSignal, call: Call): void {
    const entry = this.#signalled.get(signal)
    if (entry === undefined) return
    entry.calls.delete(call)
    if (entry.calls.size > 0) return
    this.#signalled.delete(signal)
    signal.removeEventListener('abort', entry.onAbort)
  }

  #track(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => reportProblem(error as Error, this.#where()))
      .finally(() => {
        this.#background.delete(tracked)
        this.#maybeIdle()
      })
    this.#background.add(tracked)
  }

  #whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve)
      this.#maybeIdle()
    })
  }

  #maybeIdle(): void {
    if (this.#unsettled > 0 || this.#background.size > 0) return
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }

  async #close(): Promise<void> {
    this.#state = 'closing'
    clearInterval(this.#checkTimer)
    const closed = Promise.allSettled([this.#events?.close(), this.#bull.close()])
    if (!(await settlesWithin(closed, CLOSE_BOUND))) {
      await Promise.allSettled([this.#events?.disconnect(), this.#bull.disconnect()])
    }
    await quit(this.#redis)
  }

  #where(): string {
    return `queue '${this.queue}' at ${this.#connection.display}`
  }

  /** For {@link ClusterView}: `submit` with options. @internal */
  scheduleWith<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: ClusterTaskOptions,
  ): TaskFuture<Awaited<R>> {
    return this.#submit(task, args, 'call', options)
  }

  /** For {@link ClusterView}: a chunk with options. @internal */
  scheduleChunkWith<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly unknown[],
    flat: boolean,
    options: ClusterTaskOptions,
  ): TaskFuture<ChunkResult<Awaited<R>>> {
    return this.#submit(task, items, flat ? 'flat' : 'chunk', options)
  }

  /** For {@link ClusterView}. @internal */
  chunksizeFor(length: number): number {
    return this.defaultChunksize(length)
  }

  /** For {@link ClusterView}. @internal */
  buffersizeFor(): number {
    return this.defaultBuffersize()
  }
}

/** What {@link ClusterExecutor.with} returns: every call forwarded with the view's options. */
class ClusterView extends AbstractExecutor implements ClusterTaskExecutor {
  readonly #target: ClusterExecutor
  readonly #options: ClusterTaskOptions

  constructor(target: ClusterExecutor, options: ClusterTaskOptions) {
    super()
    this.#target = target
    this.#options = options
  }

  override submit<A extends readonly unknown[], R>(
    task: Task<A, R>,
    ...args: A
  ): TaskFuture<Awaited<R>> {
    return this.schedule(task, args, {})
  }

  override with(options: ClusterTaskOptions): ClusterTaskExecutor {
    checkClusterTaskOptions(options)
    return new ClusterView(this.#target, mergeClusterOptions(this.#options, options))
  }

  shutdown(options?: ShutdownOptions): Promise<void> {
    return this.#target.shutdown(options)
  }

  protected schedule<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: TaskOptions,
  ): TaskFuture<Awaited<R>> {
    return this.#target.scheduleWith(task, args, mergeClusterOptions(this.#options, options))
  }

  protected scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): TaskFuture<ChunkResult<Awaited<R>>> {
    return this.#target.scheduleChunkWith(
      task,
      items,
      false,
      mergeClusterOptions(this.#options, options),
    )
  }

  protected override scheduleFlatChunk<T, R>(
    task: Task<[T], R>,
    items: readonly T[],
    options: TaskOptions,
  ): TaskFuture<ChunkResult<Awaited<R>>> {
    return this.#target.scheduleChunkWith(
      task,
      items,
      true,
      mergeClusterOptions(this.#options, options),
    )
  }

  protected override defaultChunksize(length: number): number {
    return this.#target.chunksizeFor(length)
  }

  protected override defaultBuffersize(): number {
    return this.#target.buffersizeFor()
  }
}

/** Our {@link Backoff} as BullMQ takes it (no `undefined` fields). */
function bullBackoff(backoff: Backoff): NonNullable<JobsOptions['backoff']> {
  if (typeof backoff === 'number') return backoff
  const { type, delay, jitter } = backoff
  return jitter === undefined ? { type, delay } : { type, delay, jitter }
}

function checkClusterTaskOptions(options: ClusterTaskOptions): void {
  checkTaskOptions(options)
  checkPriority(options.priority)
  checkAttempts(options.attempts)
  checkBackoff(options.backoff)
}

/** Nested views: both signals count, the inner options win otherwise. */
function mergeClusterOptions(outer: ClusterTaskOptions, inner: TaskOptions): ClusterTaskOptions {
  return mergeTaskOptions(outer, inner)
}
