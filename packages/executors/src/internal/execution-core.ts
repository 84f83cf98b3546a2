/**
 * The machinery every executor here shares: our own queue, dispatch, interrupts, timeouts,
 * crash policy, shutdown and statistics. Executors differ only in their runner — a pool of
 * worker threads or processes, or the calling thread.
 *
 * ```
 * submit ─▶ prepare (task, arguments) ─▶ PriorityQueue ─▶ pump: a worker is free ─▶ runner.start
 *   ▲                                        │ cancel() while queued: dropped            │
 *   └──────────── TaskFuture ◀── settle(outcome) ◀── interrupt: cancel, then terminate ◀─┘
 * ```
 *
 * Each submission is a {@link WorkItem} with one explicit state — `queued`, `running` (handed
 * to a worker), `done` — changed only by {@link ExecutionCore.#move}. A future goes `running`
 * when its call is handed to a worker, as CPython's `_add_call_item_to_queue` does; from then on
 * `cancel()` returns `false`, and `cancel({ interrupt: true })` stops it — exactly, if the
 * worker has not started it yet: it never starts.
 *
 * Only as many `start`s as there are workers are ever under way, so a future waiting in our
 * queue stays cancellable with Python's meaning. When calls of one quick task pile up in the
 * queue, a free worker is handed several of them in one `start` (a batch: up to
 * {@link MAX_BATCH}, about {@link BATCH_MS} of work, and its share of the queue), where a
 * message per call would make the main thread the bottleneck. Every call still settles by
 * itself, the moment it ends; one whose worker died before starting it goes back to the front
 * of the queue, to run alone.
 */
import {
  BrokenExecutorError,
  CancelledError,
  ShutdownError,
  TimeoutError,
  type TaskOptions,
} from '@concurrent/future'
import { deadlineIn, setDeadline } from '@concurrent/future/internal'
import {
  injectContext,
  type Call,
  type CallListener,
  type CallOutcome,
  type PreparedCall,
  type Runner,
  type RunningCall,
} from '@concurrent/worker/internal'

import type { ExecutorInfo, ExecutorRuntime, LatencyHistogram } from '../diagnostics.js'
import { QueueFullError } from '../errors.js'
import { TaskFuture } from '../task-future.js'
import {
  traceCallEnd,
  traceDispatch,
  traceSettled,
  traceSubmit,
  traceTask,
  type TaskTrace,
} from './diagnostics.js'
import { Latency } from './latency.js'
import { PriorityQueue } from './priority-queue.js'

/** The calls handed to one worker by one `start`, until every one of them is over. */
interface Dispatch {
  open: number
  readonly startedAt: number
}

/** Where a submission is in its life. */
type ItemState =
  | { readonly kind: 'queued' }
  | {
      readonly kind: 'running'
      readonly call: RunningCall
      readonly dispatch: Dispatch
      /** The task's own deadline (`timeout`), cleared when it settles. */
      clearTimer: (() => void) | undefined
      /** Set once interrupted: the deadline after which its worker is terminated. */
      clearGrace: (() => void) | undefined
    }
  | { readonly kind: 'done' }

const QUEUED: ItemState = { kind: 'queued' }
const DONE: ItemState = { kind: 'done' }

/** Which moves a submission can make. */
const moves: Readonly<Record<ItemState['kind'], readonly ItemState['kind'][]>> = {
  // A queued item starts, or leaves the queue (cancelled, aborted, the executor broke).
  queued: ['running', 'done'],
  // A running item ends, or — its worker died before starting it — waits again.
  running: ['done', 'queued'],
  done: [],
}

/**
 * One submission: its future, where it is, and its call — the item is the call it hands to the
 * runner, and the call's listener. (One object of one shape per task, rather than a call, a
 * listener and their closures: on the path of every tiny task, each allocation shows.)
 */
class WorkItem<T> implements Call<T>, CallListener {
  readonly future: TaskFuture<unknown>
  readonly options: TaskOptions
  /** The task, when calls of it may share a batch; `undefined` when this one may not. */
  key: unknown = undefined
  state: ItemState = QUEUED
  /** When it was submitted (`performance.now()`). */
  readonly queuedAt = performance.now()
  /** Its context on `concurrent:task`; `undefined` when nobody listened at submit. */
  readonly diagnostics: TaskTrace | undefined
  readonly task: T
  readonly work: Call<T>['work']
  readonly transfer: Call<T>['transfer']
  readonly callerStack: Call<T>['callerStack']
  readonly handles: Call<T>['handles']
  readonly release: Call<T>['release']
  readonly trace: Call<T>['trace']
  readonly listener: CallListener = this
  readonly yield: CallListener['yield']
  readonly #settled: (item: WorkItem<T>, outcome: CallOutcome) => void

  constructor(
    future: TaskFuture<unknown>,
    call: PreparedCall<T>,
    options: TaskOptions,
    onYield: CallListener['yield'],
    diagnostics: TaskTrace | undefined,
    settled: (item: WorkItem<T>, outcome: CallOutcome) => void,
  ) {
    this.future = future
    this.options = options
    this.diagnostics = diagnostics
    this.task = call.task
    this.work = call.work
    this.transfer = call.transfer
    this.callerStack = call.callerStack
    this.handles = call.handles
    this.release = call.release
    // The caller's trace context, when a propagation is registered.
    this.trace = injectContext()
    this.yield = onYield
    this.#settled = settled
  }

  progress(value: unknown): void {
    this.future.emitProgress(value)
  }

  settled(outcome: CallOutcome): void {
    this.#settled(this, outcome)
  }
}

/** Starts calls; a worker backend or an in-process runner. */
export type { Runner }

/** The policy part of an executor's options, validated. */
export interface CoreOptions {
  readonly maxWorkers: number
  readonly maxQueue: number
  readonly gracePeriod: number
  readonly onWorkerCrash: 'replace' | 'break'
  /** The executor's name, for messages and diagnostics. */
  readonly name: ExecutorInfo['name']
  /** Where its tasks run, for diagnostics. */
  readonly runtime: ExecutorRuntime
  /** Whether calls may share a batch (not with `maxTasksPerChild`, which counts messages). */
  readonly batch: boolean
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
   * Tasks waiting to run: in the executor's queue, or handed to a worker in a batch behind the
   * call it is running.
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
   * How long tasks waited, from `submit` until a worker was handed them, in ms: one sample per
   * task that was handed to a worker (a task handed over again after its worker died before
   * starting it counts once, from its submission). Since the executor was created, or since
   * the last `stats({ resetHistograms: true })`.
   */
  readonly waitTime: LatencyHistogram
  /**
   * How long tasks ran, in ms: as their worker measured it (from the moment it started the
   * call to its return or throw, so neither the trip to the worker nor a wait in a batch
   * counts), or for a task whose worker died under it, from the hand-over to the crash. Tasks
   * that never ran have no sample. Since the executor was created, or the last reset.
   */
  readonly runTime: LatencyHistogram
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

export class ExecutionCore<T> {
  readonly #options: CoreOptions
  readonly #runner: Runner<T>
  readonly #queue = new PriorityQueue<WorkItem<T>>((item) => item.state.kind === 'queued')
  /** Items handed to the runner and not over. */
  readonly #runningItems = new Set<WorkItem<T>>()
  /** `start`s under way: never more than `maxWorkers`. */
  #inFlight = 0
  /** When each dispatch under way started, for utilization. */
  readonly #dispatches = new Set<Dispatch>()
  /** How long a call of each batchable task has been running in its worker, in ms. */
  readonly #callTime = new Map<unknown, number>()
  readonly #createdAt = performance.now()
  /** This executor, as the diagnostics channels name it. */
  readonly #info: ExecutorInfo
  #nextTaskId = 0
  readonly #waitTime = new Latency()
  readonly #runTime = new Latency()
  #state: State = 'open'
  #brokenBy: BrokenExecutorError | undefined
  #idleWaiters: Array<() => void> = []
  readonly #signalled = new Map<
    AbortSignal,
    { readonly watched: Set<WorkItem<T>>; readonly onAbort: () => void }
  >()
  #closed: Promise<void> | undefined
  #completed = 0
  #failed = 0
  #cancelled = 0
  #busyTime = 0
  /** How each item's call ended: one function for all of them. */
  readonly #onSettled = (item: WorkItem<T>, outcome: CallOutcome): void => {
    if (item.state.kind === 'running') this.#settle(item, item.state, outcome)
  }

  constructor(options: CoreOptions, runner: Runner<T>, info: ExecutorInfo) {
    this.#options = options
    this.#runner = runner
    this.#info = info
  }

  /**
   * Queues a call and returns its future.
   *
   * @param prepare - makes the call, given the listener that feeds the future.
   * @throws ShutdownError, BrokenExecutorError or QueueFullError.
   */
  submit<R>(
    call: PreparedCall<T>,
    options: TaskOptions,
    onYield?: (value: unknown) => void,
  ): TaskFuture<R> {
    try {
      this.checkOpen()
      if (this.#waiting() >= this.#options.maxQueue) {
        throw new QueueFullError(this.#options.maxQueue)
      }
    } catch (error) {
      call.release?.()
      throw error
    }
    const taskId = ++this.#nextTaskId
    const trace = traceTask(this.#info, this.#options.runtime, taskId, call, onYield !== undefined)
    if (trace === undefined) return this.#enqueue(call, options, onYield, undefined)
    return traceSubmit(trace, () => this.#enqueue(call, options, onYield, trace))
  }

  /** Makes the work item of a submission, and queues it. */
  #enqueue<R>(
    call: PreparedCall<T>,
    options: TaskOptions,
    onYield: ((value: unknown) => void) | undefined,
    diagnostics: TaskTrace | undefined,
  ): TaskFuture<R> {
    const future = new TaskFuture<R>()
    const item = new WorkItem<T>(future, call, options, onYield, diagnostics, this.#onSettled)
    item.key = this.#keyOf(item)
    const { signal } = options
    if (signal?.aborted === true) {
      this.#move(item, DONE)
      future.setException(signal.reason)
      this.#failed++
      if (diagnostics !== undefined) traceSettled(diagnostics, future)
      return future
    }
    if (signal !== undefined) this.#watchSignal(signal, item)
    future.addDoneCallback(() => this.#onDone(item))
    future.setInterruptHandler(() => this.#interrupt(item))
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

  /**
   * Stops accepting work; with `cancelFutures`, cancels what waits in the queue (calls already
   * handed to a worker run, as in Python) and lets the program exit without waiting for what
   * still runs.
   */
  async shutdown(wait: boolean, cancelFutures: boolean): Promise<void> {
    if (this.#state === 'open') this.#state = 'shutdown'
    if (cancelFutures) {
      for (const item of this.#queue.drain()) {
        this.#move(item, DONE)
        item.future.cancel()
      }
      if (!wait) this.#runner.release()
    }
    this.#closed ??= this.#whenIdle().then(() => this.#runner.close())
    if (wait) await this.#closed
  }

  /**
   * Python 3.14's `terminate_workers()`/`kill_workers()`: shuts down, cancels the queue, fails
   * what runs with `BrokenExecutorError`, and ends every worker now.
   */
  async stopWorkers(signal: 'SIGTERM' | 'SIGKILL', method: string): Promise<void> {
    if (this.#state === 'open') this.#state = 'shutdown'
    for (const item of this.#queue.drain()) {
      this.#move(item, DONE)
      item.future.cancel()
    }
    const error = new BrokenExecutorError(
      `the workers of ${this.#options.name} were ${signal === 'SIGKILL' ? 'killed' : 'terminated'} by ${method}() while this task ran`,
    )
    const stopped = this.#runner.stop(signal)
    this.#closed ??= stopped
    for (const item of this.#runningItems) {
      if (!item.future.done()) item.future.setException(error)
    }
    await stopped
  }

  stats(resetHistograms = false): ExecutorStats {
    const now = performance.now()
    let busy = this.#busyTime
    for (const dispatch of this.#dispatches) busy += now - dispatch.startedAt
    const elapsed = now - this.#createdAt
    const workers = this.#runner.workers
    const running = Math.min(this.#inFlight, this.#runningItems.size)
    const stats: ExecutorStats = {
      workers,
      idle: Math.max(0, workers - this.#inFlight),
      queued: this.#queue.size + this.#runningItems.size - running,
      running,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      utilization: elapsed <= 0 ? 0 : Math.min(1, busy / (this.#options.maxWorkers * elapsed)),
      waitTime: this.#waitTime.summary(),
      runTime: this.#runTime.summary(),
    }
    if (resetHistograms) {
      this.#waitTime.reset()
      this.#runTime.reset()
    }
    return stats
  }

  /**
   * Tasks waiting to run: in the queue, or in a worker's batch behind the call it is running
   * (those count against `maxQueue` too).
   */
  #waiting(): number {
    return this.#queue.size + Math.max(0, this.#runningItems.size - this.#inFlight)
  }

  /** The one place an item's state changes. @throws when the move is not allowed. */
  #move(item: WorkItem<T>, next: ItemState): void {
    const from = item.state.kind
    if (!moves[from].includes(next.kind)) {
      throw new Error(`internal error: a task cannot go from ${from} to ${next.kind}`)
    }
    if (from === 'running') this.#runningItems.delete(item)
    else if (next.kind === 'running') this.#runningItems.add(item)
    item.state = next
    // Over for good, however it ended (settled, cancelled while queued, drained): what the
    // call's handles opened is closed, once.
    if (next.kind === 'done') item.release?.()
  }

  #pump(): void {
    // Never more starts than workers: a future waiting here stays cancellable, and a task's
    // timeout starts when a worker takes it.
    while (this.#inFlight < this.#options.maxWorkers) {
      const first = this.#queue.shift()
      if (first === undefined) break
      this.#start(this.#batchFor(first))
    }
    if (this.#inFlight === 0 && this.#queue.size === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve()
    }
  }

  /**
   * `first`, with the calls of the same task right behind it in the queue when they qualify
   * for a batch: as many as make this worker's share of the queue (at most {@link MAX_BATCH}).
   */
  #batchFor(first: WorkItem<T>): Array<WorkItem<T>> {
    const key = first.key
    if (key === undefined || this.#queue.size === 0) return [first]
    const callTime = this.#callTime.get(key) ?? Infinity
    if (!(callTime < BATCH_BELOW_MS)) return [first]
    const share = Math.ceil((this.#queue.size + 1) / this.#options.maxWorkers)
    const limit = Math.min(MAX_BATCH, share, Math.max(2, Math.floor(BATCH_MS / callTime)))
    const items = [first]
    while (items.length < limit) {
      const next = this.#queue.peek()
      if (next === undefined || next.key !== key) break
      this.#queue.shift()
      items.push(next)
    }
    return items
  }

  /**
   * What identifies a call's task when the call may share a batch; `undefined` when it may
   * not. The one place that decides: plain calls of a worker pool's task, with no transfer
   * list, handles, stream, signal or timeout, in an executor whose queue and workers have no
   * per-message limits.
   */
  #keyOf(item: WorkItem<T>): unknown {
    if (!this.#runner.batches || !this.#options.batch) return undefined
    // A bounded queue sends no batches: a map paced to maxQueue counts on a slot coming free
    // the moment a task settles, which a batch's worker is not until the batch is over.
    if (this.#options.maxQueue !== Infinity) return undefined
    if (
      item.work.kind !== 'call' ||
      item.transfer.length > 0 ||
      item.handles !== undefined ||
      item.yield !== undefined
    ) {
      return undefined
    }
    const { signal, timeout } = item.options
    if (signal !== undefined) return undefined
    if (timeout !== undefined && timeout !== Infinity) return undefined
    // The task's spec: one object per task reference (see `taskSpecOf`).
    return item.task
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

  /** Hands `items` to one worker. */
  #start(items: Array<WorkItem<T>>): void {
    const dispatch: Dispatch = { open: items.length, startedAt: performance.now() }
    let calls: RunningCall[]
    try {
      calls = this.#runner.start(items)
    } catch (error) {
      for (const item of items) {
        this.#move(item, DONE)
        item.future.setException(error)
      }
      return
    }
    this.#inFlight++
    this.#dispatches.add(dispatch)
    items.forEach((item, index) => {
      const call = calls[index] as RunningCall
      const running: Extract<ItemState, { kind: 'running' }> = {
        kind: 'running',
        call,
        dispatch,
        clearTimer: undefined,
        clearGrace: undefined,
      }
      this.#move(item, running)
      if (item.diagnostics !== undefined) {
        traceDispatch(item.diagnostics, call.workerId, dispatch.startedAt)
      }
      // A future that waited in the queue again (its worker died first) is running already.
      if (item.future.state === 'pending') item.future.setRunningOrNotifyCancel()
      const { timeout } = item.options
      if (timeout !== undefined && timeout !== Infinity) {
        running.clearTimer = setDeadline(deadlineIn(timeout), () => {
          running.clearTimer = undefined
          if (!item.future.done()) {
            item.future.setException(
              new TimeoutError(`the task did not finish within its timeout of ${timeout} ms`),
            )
          }
          this.#interrupt(item)
        })
      }
    })
  }

  /**
   * Stops an item: one waiting in the queue leaves it; a running one is told to stop, and its
   * worker is terminated if it has not within `gracePeriod`.
   */
  #interrupt(item: WorkItem<T>): void {
    const state = item.state
    if (state.kind === 'queued') {
      this.#move(item, DONE)
      this.#queue.remove()
      this.#pump()
      return
    }
    if (state.kind !== 'running' || state.clearGrace !== undefined) return
    state.call.cancel()
    state.clearGrace = setDeadline(deadlineIn(this.#options.gracePeriod), () => {
      state.call.terminate(
        `the task did not stop within the gracePeriod of ${this.#options.gracePeriod} ms after it was interrupted, so its worker was terminated`,
      )
    })
  }

  /**
   * One 'abort' listener per signal, however many tasks share it (a `map` with a signal
   * submits many): a listener per task would trip Node's MaxListenersExceededWarning.
   */
  #watchSignal(signal: AbortSignal, item: WorkItem<T>): void {
    let items = this.#signalled.get(signal)
    if (items === undefined) {
      const watched = new Set<WorkItem<T>>()
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

  #unwatchSignal(signal: AbortSignal, item: WorkItem<T>): void {
    const items = this.#signalled.get(signal)
    if (items === undefined) return
    items.watched.delete(item)
    if (items.watched.size > 0) return
    this.#signalled.delete(signal)
    signal.removeEventListener('abort', items.onAbort)
  }

  /** A user's signal aborted: reject with its reason, and stop the task. */
  #abort(item: WorkItem<T>, reason: unknown): void {
    if (item.future.done()) return
    item.future.setException(reason)
    this.#interrupt(item)
  }

  /** Runs once per item, whenever its future becomes done (settled, cancelled or aborted). */
  #onDone(item: WorkItem<T>): void {
    const { signal } = item.options
    if (signal !== undefined) this.#unwatchSignal(signal, item)
    if (item.diagnostics !== undefined) traceSettled(item.diagnostics, item.future)
    const outcome = item.future.outcome
    if (item.future.cancelled()) this.#cancelled++
    else if (outcome?.status === 'fulfilled') this.#completed++
    else this.#failed++
    // Cancelled while queued: it leaves the queue. (A running item's call settles by itself.)
    if (item.state.kind === 'queued') {
      this.#move(item, DONE)
      this.#queue.remove()
      this.#pump()
    }
  }

  /** The one path by which a call's end reaches its future. */
  #settle(
    item: WorkItem<T>,
    running: Extract<ItemState, { kind: 'running' }>,
    outcome: CallOutcome,
  ): void {
    running.clearTimer?.()
    running.clearGrace?.()
    const { dispatch } = running
    if (--dispatch.open === 0) {
      this.#inFlight--
      this.#dispatches.delete(dispatch)
      this.#busyTime += performance.now() - dispatch.startedAt
    }
    if (item.key !== undefined && (outcome.kind === 'value' || outcome.kind === 'error')) {
      this.#timeCall(item.key, outcome.took)
    }
    if (outcome.kind !== 'unstarted') this.#recordTimes(item, dispatch, outcome)
    if (outcome.kind === 'unstarted' && !item.future.done() && this.#state !== 'broken') {
      // Its worker went away before starting it: back to the front of the queue, to run alone
      // (so a call that kills workers cannot take a batch down again).
      this.#move(item, QUEUED)
      item.key = undefined
      this.#queue.unshift(item, item.options.priority ?? 0)
      this.#pump()
      return
    }
    this.#move(item, DONE)
    // Hand the worker its next task before running this future's callbacks: a worker must not
    // wait for the main thread's bookkeeping. (After a failure that breaks the executor,
    // nothing more may start, so those pump after.)
    const ordinary = outcome.kind === 'value' || outcome.kind === 'error'
    if (ordinary) this.#pump()
    this.#complete(item, outcome)
    if (!ordinary) this.#pump()
  }

  /**
   * The `waitTime` and `runTime` of a call that is over (and will not be handed over again),
   * for `stats()` and the task's diagnostics context.
   */
  #recordTimes(item: WorkItem<T>, dispatch: Dispatch, outcome: CallOutcome): void {
    this.#waitTime.record(dispatch.startedAt - item.queuedAt)
    const ran =
      outcome.kind === 'value' || outcome.kind === 'error'
        ? outcome.took
        : outcome.kind === 'crash'
          ? performance.now() - dispatch.startedAt
          : undefined
    if (ran !== undefined) this.#runTime.record(ran)
    if (item.diagnostics !== undefined && !item.future.done()) {
      traceCallEnd(item.diagnostics, ran, outcome.kind === 'crash')
    }
  }

  /** Settles an item's future with how its call ended, applying the crash policy. */
  #complete(item: WorkItem<T>, outcome: CallOutcome): void {
    const { future } = item
    switch (outcome.kind) {
      case 'value':
        if (!future.done()) future.setResult(outcome.value)
        return
      case 'error':
        if (!future.done()) future.setException(outcome.error)
        return
      case 'withdrawn':
        // Taken back before it started: the interrupt that did it already cancelled the future.
        if (!future.done()) future.setException(new CancelledError('the task was withdrawn'))
        return
      case 'unstarted':
        if (!future.done()) future.setException(this.#brokenBy ?? new CancelledError())
        return
      case 'broken':
        this.#break(
          outcome.error instanceof BrokenExecutorError
            ? outcome.error
            : new BrokenExecutorError(`${this.#options.name} can no longer run tasks`, {
                cause: outcome.error,
              }),
        )
        if (!future.done()) future.setException(this.#brokenBy)
        return
      case 'crash':
        if (future.done()) return
        if (this.#options.onWorkerCrash === 'break') {
          this.#break(
            new BrokenExecutorError(
              `a worker of ${this.#options.name} crashed and onWorkerCrash is 'break': ${outcome.error.message}`,
              { cause: outcome.error },
            ),
          )
        }
        future.setException(outcome.error)
        return
    }
  }

  /** Python's broken pool: every pending and running task fails, and no new one is accepted. */
  #break(error: BrokenExecutorError): void {
    if (this.#state === 'broken') return
    this.#state = 'broken'
    this.#brokenBy = error
    for (const item of this.#queue.drain()) {
      this.#move(item, DONE)
      if (!item.future.done()) item.future.setException(error)
    }
    for (const item of [...this.#runningItems]) {
      if (!item.future.done()) item.future.setException(error)
      if (item.state.kind === 'running') item.state.call.terminate(error.message)
    }
  }

  #whenIdle(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }
}
