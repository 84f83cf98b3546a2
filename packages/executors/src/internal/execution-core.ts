/**
 * The machinery every executor here shares: our own queue, dispatch, interrupts, timeouts,
 * crash policy, shutdown and statistics. Executors differ only in their runner — how one unit
 * of work is started (a tinypool worker, or an async call in-process).
 *
 * ```
 * submit ─▶ checks (task, arguments) ─▶ PriorityQueue ─▶ pump: while a slot is free ─▶ runner
 *   ▲                                       │ cancel() while queued: removed               │
 *   └────────────── TaskFuture ◀── settle(outcome) ◀── interrupt: cancel, then terminate ◀─┘
 * ```
 *
 * Only as many units as there are slots (`maxWorkers`) are ever handed to the runner, so a
 * future waiting in our queue stays cancellable with Python's meaning (CPython keeps its
 * `EXTRA_QUEUED_CALLS` small for the same reason), and the backend's queue stays short.
 *
 * When tasks pile up in the queue (many submitted at once), a free worker is handed a batch:
 * up to {@link MAX_BATCH} plain calls of the same task (about {@link BATCH_MS} of work, and
 * its share of the queue) in one message, where a message per
 * task would make the main thread the bottleneck. Each future of a batch stays pending until
 * the worker starts it — `cancel()` takes it back (a shared flag decides the race for
 * threads) — and settles the moment its call ends. A worker that dies mid-batch fails only the
 * running call; the calls it never started go back to the front of the queue.
 */
import {
  BrokenExecutorError,
  deadlineIn,
  setDeadline,
  ShutdownError,
  TimeoutError,
  type TaskOptions,
} from '@concurrent/future'
import type { RunningBatch, RunningUnit, UnitOutcome } from '@concurrent/worker'

import { QueueFullError } from '../errors.js'
import { TaskFuture } from '../task-future.js'
import { PriorityQueue } from './priority-queue.js'

/** One unit of work as the core sees it, before and while it runs. */
export interface WorkItem<P> {
  readonly future: TaskFuture<unknown>
  /** What the runner needs to start it. */
  readonly payload: P
  readonly options: TaskOptions
  removed: boolean
  /** The unit running it alone, once started. */
  unit: RunningUnit | undefined
  /** The batch it was handed to a worker in, and its place there. */
  batch: RunningBatch | undefined
  batchIndex: number
  /** Handed to a worker in a batch, and taken back by `cancel()` before it started. */
  claimed: boolean
  /** Not to be batched again (its batch's worker died before starting it). */
  single: boolean
  startedAt: number
  clearTimer: (() => void) | undefined
  clearGraceTimer: (() => void) | undefined
  interrupted: boolean
}

/** Starts units of work; a worker backend or an in-process runner. */
export interface Runner<P> {
  start(item: WorkItem<P>): RunningUnit
  /**
   * What identifies the task of a payload that may share a batch with others of the same key
   * (a plain call: no chunk, transfer list, stream); `undefined` for one that may not. Runners
   * that cannot run batches leave it out.
   */
  batchKey?(payload: P): unknown
  /** Starts `items` (same batch key) as one batch; `onOutcome` gets each call's end. */
  readonly startBatch?: (
    items: ReadonlyArray<WorkItem<P>>,
    onOutcome: (item: WorkItem<P>, outcome: UnitOutcome) => void,
  ) => RunningBatch
  /** How many workers exist now. */
  readonly workers: number
  /** Releases workers once nothing is running. */
  close(): Promise<void>
}

/** The policy part of an executor's options, validated. */
export interface CoreOptions {
  readonly maxWorkers: number
  readonly maxQueue: number
  readonly gracePeriod: number
  readonly onWorkerCrash: 'replace' | 'break'
  /** Whether a crash can mean the worker died (pools) — not for in-process runners. */
  readonly name: string
}

/**
 * What an executor is doing now, and has done since it was created.
 *
 * @example
 * ```ts
 * const { workers, queued, running, utilization } = pool.stats()
 * console.log(`${running}/${workers} busy, ${queued} queued, ${Math.round(utilization * 100)}% used`)
 * ```
 * @category Executors
 */
export interface ExecutorStats {
  /** Workers that exist now (starting, busy or idle). */
  readonly workers: number
  /** Workers with nothing to run. */
  readonly idle: number
  /**
   * Tasks waiting to run: in the executor's queue, or in a worker's batch behind the call it is
   * running.
   */
  readonly queued: number
  /** Tasks running now: at most one per worker. */
  readonly running: number
  /** Tasks that finished with a value. */
  readonly completed: number
  /** Tasks that finished with an exception (including crashes and timeouts). */
  readonly failed: number
  /** Tasks cancelled, while queued or by interrupt. */
  readonly cancelled: number
  /**
   * The share of the executor's capacity spent running tasks since it was created: total task
   * run time divided by `maxWorkers` × elapsed time, from 0 to 1.
   */
  readonly utilization: number
}

type State = 'open' | 'shutdown' | 'broken'

/**
 * The most calls handed to a worker in one message. Past this, one message per batch costs
 * nothing measurable, and a bigger batch would only hold more futures on one worker while
 * another might be free.
 */
export const MAX_BATCH = 256

/**
 * About how long a batch should keep its worker busy, in ms, judging by how long calls of its
 * task have been taking: long enough to make the message cheap per call, short enough that the
 * workers finish together.
 */
export const BATCH_MS = 5

/**
 * Only calls of a task that has been running for less than this many milliseconds in its
 * worker are batched: for them a message per call is a large share of the cost, while longer
 * calls are better spread over free workers one at a time.
 */
export const BATCH_BELOW_MS = 0.1

export class ExecutionCore<P> {
  readonly #options: CoreOptions
  readonly #runner: Runner<P>
  readonly #queue = new PriorityQueue<WorkItem<P>>()
  readonly #running = new Set<WorkItem<P>>()
  /** Units handed to the runner and not yet over: single items and batches. */
  #inFlight = 0
  /** When each batch in flight started, for utilization. */
  readonly #batches = new Set<{ readonly startedAt: number }>()
  /** How long a call of each batchable task has been taking, in ms (a moving average). */
  readonly #callTime = new Map<unknown, number>()
  readonly #createdAt = performance.now()
  #state: State = 'open'
  #brokenBy: BrokenExecutorError | undefined
  #idleWaiters: Array<() => void> = []
  readonly #signalled = new Map<
    AbortSignal,
    { readonly watched: Set<WorkItem<P>>; readonly onAbort: () => void }
  >()
  #closed: Promise<void> | undefined
  #completed = 0
  #failed = 0
  #cancelled = 0
  #busyTime = 0

  constructor(options: CoreOptions, runner: Runner<P>) {
    this.#options = options
    this.#runner = runner
  }

  /**
   * Queues a unit of work and returns its future.
   *
   * @throws ShutdownError, BrokenExecutorError or QueueFullError.
   */
  submit<T>(payload: P, options: TaskOptions): TaskFuture<T> {
    this.checkOpen()
    if (this.#waiting() >= this.#options.maxQueue) throw new QueueFullError(this.#options.maxQueue)
    const future = new TaskFuture<T>()
    const item: WorkItem<P> = {
      future: future,
      payload,
      options,
      removed: false,
      unit: undefined,
      batch: undefined,
      batchIndex: 0,
      claimed: false,
      single: false,
      startedAt: 0,
      clearTimer: undefined,
      clearGraceTimer: undefined,
      interrupted: false,
    }
    const { signal } = options
    if (signal?.aborted === true) {
      future.setException(signal.reason)
      this.#failed++
      return future
    }
    if (signal !== undefined) this.#watchSignal(signal, item)
    future.addDoneCallback(() => this.#onDone(item))
    this.#queue.push(item, options.priority ?? 0)
    this.#pump()
    return future
  }

  /** @throws ShutdownError or BrokenExecutorError when no more work is accepted. */
  checkOpen(): void {
    if (this.#state === 'broken') {
      throw new BrokenExecutorError(
        `${this.#options.name} is broken and can no longer run tasks: ${this.#brokenBy?.message ?? ''}`,
        { cause: this.#brokenBy },
      )
    }
    if (this.#state === 'shutdown') {
      throw new ShutdownError(`cannot submit to ${this.#options.name} after shutdown`)
    }
  }

  async shutdown(wait: boolean, cancelFutures: boolean): Promise<void> {
    if (this.#state === 'open') this.#state = 'shutdown'
    if (cancelFutures) {
      for (const item of this.#queue.drain()) item.future.cancel()
      // Calls in a batch that their worker has not started are still pending: take them back.
      for (const item of [...this.#running]) {
        if (item.future.state === 'pending') item.future.cancel()
      }
    }
    this.#closed ??= this.#whenIdle().then(() => this.#runner.close())
    if (wait) await this.#closed
  }

  stats(): ExecutorStats {
    const now = performance.now()
    let busy = this.#busyTime
    for (const item of this.#running) if (item.batch === undefined) busy += now - item.startedAt
    for (const batch of this.#batches) busy += now - batch.startedAt
    const elapsed = now - this.#createdAt
    const workers = this.#runner.workers
    return {
      workers,
      idle: Math.max(0, workers - this.#inFlight),
      queued: this.#waiting(),
      running: Math.min(this.#inFlight, this.#running.size),
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      utilization: elapsed <= 0 ? 0 : Math.min(1, busy / (this.#options.maxWorkers * elapsed)),
    }
  }

  /**
   * Tasks waiting to run: in the queue, or in a worker's batch behind the call it is running
   * (those count against `maxQueue` too).
   */
  #waiting(): number {
    return this.#queue.size + Math.max(0, this.#running.size - this.#inFlight)
  }

  #pump(): void {
    // Never more units than workers: tinypool's own queue stays empty, so a future waiting here
    // stays cancellable, and a task's timeout starts when a worker takes it. (Handing tinypool
    // extra units would keep workers busier, but a unit queued there when its worker is
    // replaced waits for a worker that tinypool only starts on the next run().)
    while (this.#inFlight < this.#options.maxWorkers) {
      const item = this.#queue.shift()
      if (item === undefined) break
      if (item.future.state !== 'pending') continue
      if (this.#queue.size > 0 && this.#startBatch(item)) continue
      if (!item.future.setRunningOrNotifyCancel()) continue
      this.#start(item)
    }
    if (this.#inFlight === 0 && this.#queue.size === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve()
    }
  }

  /**
   * Starts `first` in a batch with the plain calls of the same task right behind it in the
   * queue, as many as make this worker's share of the queue (at most {@link MAX_BATCH}).
   *
   * @returns `false` (and `first` is not started) when there is nothing to batch it with.
   */
  #startBatch(first: WorkItem<P>): boolean {
    const { startBatch } = this.#runner
    const key = this.#batchKey(first)
    if (startBatch === undefined || key === undefined) return false
    const callTime = this.#callTime.get(key) ?? Infinity
    if (!(callTime < BATCH_BELOW_MS)) return false
    const share = Math.ceil((this.#queue.size + 1) / this.#options.maxWorkers)
    const limit = Math.min(MAX_BATCH, share, Math.max(2, Math.floor(BATCH_MS / callTime)))
    const items = [first]
    while (items.length < limit) {
      const next = this.#queue.peek()
      if (next === undefined || this.#batchKey(next) !== key) break
      this.#queue.shift()
      if (next.future.state === 'pending') items.push(next)
    }
    if (items.length === 1) return false
    this.#runBatch(items, key, startBatch)
    return true
  }

  #batchKey(item: WorkItem<P>): unknown {
    const { options } = item
    // A bounded queue sends no batches: a map paced to maxQueue counts on a slot coming free
    // the moment a task settles, which a batch's worker is not until the batch is over.
    if (this.#options.maxQueue !== Infinity) return undefined
    if (item.single || options.signal !== undefined) return undefined
    if (options.timeout !== undefined && options.timeout !== Infinity) return undefined
    return this.#runner.batchKey?.(item.payload)
  }

  #timeCall(key: unknown, took: number): void {
    const average = this.#callTime.get(key)
    // Inline tasks made on the fly could each add a key: forget them all now and then.
    if (average === undefined && this.#callTime.size >= 1_000) this.#callTime.clear()
    // A slower call counts at once, a quicker one by halves: calls of one task can differ
    // widely (factorials of growing numbers), and batching slow calls costs more than sending
    // quick ones one by one.
    this.#callTime.set(key, average === undefined || took > average ? took : (average + took) / 2)
  }

  #runBatch(
    items: Array<WorkItem<P>>,
    key: unknown,
    startBatch: NonNullable<Runner<P>['startBatch']>,
  ): void {
    const record = { startedAt: performance.now() }
    this.#inFlight++
    this.#batches.add(record)
    let batch: RunningBatch
    try {
      batch = startBatch(items, (item, outcome) => this.#settleCall(item, outcome))
    } catch (error) {
      this.#inFlight--
      this.#batches.delete(record)
      for (const item of items) item.future.setException(error)
      return
    }
    items.forEach((item, index) => {
      item.startedAt = record.startedAt
      item.batch = batch
      item.batchIndex = index
      this.#running.add(item)
      item.future.setClaim(this.#claim, item)
    })
    void batch.outcome.then(({ unstarted }) => {
      this.#inFlight--
      this.#batches.delete(record)
      const took = performance.now() - record.startedAt
      this.#busyTime += took
      let ran = items.length - unstarted.length
      for (const item of items) {
        if (item.claimed) ran--
        // The worker is done with the batch: an interrupt's deadline has nothing left to stop.
        item.clearGraceTimer?.()
      }
      if (ran > 0) this.#timeCall(key, took / ran)
      // Calls whose worker died before starting them go back to the front of the queue, to run
      // one by one (so a call that kills workers cannot take a batch down again).
      for (const index of [...unstarted].reverse()) {
        const item = items[index]
        if (item === undefined) continue
        this.#running.delete(item)
        item.future.setClaim(undefined)
        item.future.setInterruptHandler(undefined)
        if (item.future.done()) continue
        if (this.#state === 'broken') {
          item.future.setException(this.#brokenBy)
          continue
        }
        item.batch = undefined
        item.single = true
        item.removed = false
        this.#queue.unshift(item, item.options.priority ?? 0)
      }
      this.#pump()
    })
  }

  /**
   * `cancel()` of a future pending in a batch: takes its call back from the worker. If the
   * worker has started it, it is running from now on, and can be interrupted.
   */
  readonly #claim = (item: unknown): boolean => {
    const batched = item as WorkItem<P>
    batched.claimed = batched.batch?.claim(batched.batchIndex) ?? false
    if (!batched.claimed) batched.future.setInterruptHandler(() => this.#interrupt(batched))
    return batched.claimed
  }

  #start(item: WorkItem<P>): void {
    item.startedAt = performance.now()
    this.#running.add(item)
    this.#inFlight++
    let unit: RunningUnit
    try {
      unit = this.#runner.start(item)
    } catch (error) {
      this.#running.delete(item)
      this.#inFlight--
      item.future.setException(error)
      return
    }
    item.unit = unit
    item.future.setInterruptHandler(() => this.#interrupt(item))
    const { timeout } = item.options
    if (timeout !== undefined && timeout !== Infinity) {
      item.clearTimer = setDeadline(deadlineIn(timeout), () => {
        item.clearTimer = undefined
        if (!item.future.done()) {
          item.future.setException(
            new TimeoutError(`the task did not finish within its timeout of ${timeout} ms`),
          )
        }
        this.#interrupt(item)
      })
    }
    void unit.outcome.then((outcome) => this.#settle(item, outcome))
  }

  /** Stops a running unit: cooperatively first, by terminating its worker after `gracePeriod`. */
  #interrupt(item: WorkItem<P>): void {
    const { unit, batch, batchIndex } = item
    if (item.interrupted || !this.#running.has(item)) return
    if (unit === undefined && batch === undefined) return
    item.interrupted = true
    if (unit !== undefined) unit.cancel()
    else batch?.cancel(batchIndex)
    item.clearGraceTimer = setDeadline(deadlineIn(this.#options.gracePeriod), () => {
      item.clearGraceTimer = undefined
      this.#terminate(
        item,
        `the task did not stop within the gracePeriod of ${this.#options.gracePeriod} ms after it was interrupted, so its worker was terminated`,
      )
    })
  }

  /** Terminates the worker running the item (and, for a batch, the rest of its batch). */
  #terminate(item: WorkItem<P>, reason: string): void {
    if (item.unit !== undefined) item.unit.terminate(reason)
    else item.batch?.terminate(reason)
  }

  /**
   * One 'abort' listener per signal, however many tasks share it (a `map` with a signal
   * submits many): a listener per task would trip Node's MaxListenersExceededWarning.
   */
  #watchSignal(signal: AbortSignal, item: WorkItem<P>): void {
    let items = this.#signalled.get(signal)
    if (items === undefined) {
      const watched = new Set<WorkItem<P>>()
      const onAbort = (): void => {
        this.#signalled.delete(signal)
        for (const waiting of [...watched]) this.#abort(waiting, signal.reason)
      }
      items = { watched, onAbort }
      this.#signalled.set(signal, items)
      signal.addEventListener('abort', onAbort, { once: true })
    }
    items.watched.add(item)
  }

  #unwatchSignal(signal: AbortSignal, item: WorkItem<P>): void {
    const items = this.#signalled.get(signal)
    if (items === undefined) return
    items.watched.delete(item)
    if (items.watched.size > 0) return
    this.#signalled.delete(signal)
    signal.removeEventListener('abort', items.onAbort)
  }

  /** A user's signal aborted: reject with its reason, and stop the task if it is running. */
  #abort(item: WorkItem<P>, reason: unknown): void {
    if (item.future.done()) return
    item.future.setException(reason)
    this.#queue.remove(item)
    this.#interrupt(item)
  }

  /** Runs once per item, whenever its future becomes done (settled, cancelled or aborted). */
  #onDone(item: WorkItem<P>): void {
    const { signal } = item.options
    if (signal !== undefined) this.#unwatchSignal(signal, item)
    const outcome = item.future.outcome
    if (item.future.cancelled()) this.#cancelled++
    else if (outcome?.status === 'fulfilled') this.#completed++
    else this.#failed++
    // Taken back from its batch before the worker started it: no outcome will come.
    if (item.claimed) this.#running.delete(item)
    else if (!this.#running.has(item)) {
      // Cancelled or aborted while queued.
      this.#queue.remove(item)
      this.#pump()
    }
  }

  #settle(item: WorkItem<P>, outcome: UnitOutcome): void {
    item.clearTimer?.()
    item.clearGraceTimer?.()
    this.#running.delete(item)
    this.#inFlight--
    this.#busyTime += performance.now() - item.startedAt
    const key = this.#batchKey(item)
    // How long the call itself ran in its worker: on a loaded machine the round trip can take
    // far longer than a tiny task.
    if (key !== undefined && 'took' in outcome && outcome.took !== undefined) {
      this.#timeCall(key, outcome.took)
    }
    // Hand the worker its next task before running this future's callbacks: a worker must not
    // wait for the main thread's bookkeeping. (After a failed initializer or a crash that breaks
    // the pool, nothing more may start, so those pump after the switch.)
    const ordinary = outcome.kind === 'value' || outcome.kind === 'error'
    if (ordinary) this.#pump()
    this.#complete(item, outcome)
    if (!ordinary) this.#pump()
  }

  /** A call of a batch ended; its worker goes on with the batch. */
  #settleCall(item: WorkItem<P>, outcome: UnitOutcome): void {
    item.clearGraceTimer?.()
    this.#running.delete(item)
    item.future.setClaim(undefined)
    this.#complete(item, outcome)
  }

  /** Settles an item's future with how its work ended, applying the crash policy. */
  #complete(item: WorkItem<P>, outcome: UnitOutcome): void {
    const { future } = item
    switch (outcome.kind) {
      case 'value':
        if (!future.done()) future.setResult(outcome.value)
        break
      case 'error':
        if (!future.done()) future.setException(outcome.error)
        break
      case 'init-error':
        this.#break(
          new BrokenExecutorError(
            `the initializer of ${this.#options.name} failed, so it can run no tasks`,
            { cause: outcome.error },
          ),
        )
        if (!future.done()) future.setException(this.#brokenBy)
        break
      case 'crash':
        if (future.done()) break
        if (
          this.#options.onWorkerCrash === 'break' &&
          outcome.error.name === 'WorkerCrashedError'
        ) {
          this.#break(
            new BrokenExecutorError(
              `a worker of ${this.#options.name} crashed and onWorkerCrash is 'break': ${outcome.error.message}`,
              { cause: outcome.error },
            ),
          )
        }
        future.setException(outcome.error)
        break
    }
  }

  /** Python's broken pool: every pending and running task fails, and no new one is accepted. */
  #break(error: BrokenExecutorError): void {
    if (this.#state === 'broken') return
    this.#state = 'broken'
    this.#brokenBy = error
    for (const item of this.#queue.drain()) {
      if (!item.future.done()) item.future.setException(error)
    }
    for (const item of this.#running) {
      if (!item.future.done()) item.future.setException(error)
      this.#terminate(item, error.message)
    }
  }

  #whenIdle(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }
}
