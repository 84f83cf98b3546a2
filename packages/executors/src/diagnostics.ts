/**
 * What the executors publish on `node:diagnostics_channel`, for APM tools and operators: the
 * channel names and the shapes of what is published on them. The publishing itself is in
 * `internal/diagnostics.ts`.
 *
 * A task's life maps onto a `TracingChannel` (`concurrent:task`) the way a promise-returning
 * call's does under `tracePromise`, with one event more:
 *
 * ```
 * submit(task) ─▶ start ─▶ queued, trace context injected ─▶ end          in the caller, synchronous
 *                 ...waits in the queue...
 *                 concurrent:task:dispatch                                 handed to a worker
 *                 ...runs on the worker...
 *                 [error] ─▶ asyncStart ─▶ asyncEnd                        its future settles
 * ```
 *
 * A task that finds a worker free is handed to it within `submit`: its `dispatch` comes
 * between `start` and `end`.
 */

/**
 * The names of the diagnostics channels the executors publish on. Subscribe with
 * `node:diagnostics_channel`; publishing costs nothing while nobody is subscribed.
 *
 * - `task` — `concurrent:task`, a `TracingChannel` (`tracing:concurrent:task:start`, `:end`,
 *   `:asyncStart`, `:asyncEnd`, `:error`), one trace per task, its context a
 *   {@link TaskTraceContext}. `start` and `end` surround `submit` (the task is queued between
 *   them, in the caller's async context, and handed to a worker there if one is free);
 *   `error` (when it did not end with a value),
 *   `asyncStart` and `asyncEnd` come back to back when its future settles, as `tracePromise`
 *   publishes them. A task submitted while nobody listened publishes nothing, even after a
 *   subscriber arrives.
 * - `taskDispatch` — `concurrent:task:dispatch`, the same context, each time the task is
 *   handed to a worker (a task whose worker died before starting it is handed over again).
 * - `workerStart` — `concurrent:worker:start`, a {@link WorkerStartMessage} when a worker
 *   thread or process is spawned.
 * - `workerExit` — `concurrent:worker:exit`, a {@link WorkerExitMessage} when it is gone.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel'
 * import { diagnosticsChannels, type TaskTraceContext } from '@concurrent/executors'
 *
 * diagnostics.tracingChannel<unknown, TaskTraceContext>(diagnosticsChannels.task).subscribe({
 *   start: (task) => console.log(`#${task.taskId} ${task.taskName} queued`),
 *   end: () => {},
 *   asyncStart: (task) => console.log(`#${task.taskId} ${task.outcome} after ${task.runTime} ms`),
 *   asyncEnd: () => {},
 *   error: (task) => console.error(`#${task.taskId} failed:`, task.error),
 * })
 * diagnostics.subscribe(diagnosticsChannels.workerExit, (message) => console.log(message))
 * ```
 * @category Observability
 */
export const diagnosticsChannels = {
  task: 'concurrent:task',
  taskDispatch: 'concurrent:task:dispatch',
  workerStart: 'concurrent:worker:start',
  workerExit: 'concurrent:worker:exit',
} as const

/**
 * Which executor published an event: its class name and an id unique in this process, stable
 * for its whole life.
 *
 * @example
 * ```ts
 * import type { ExecutorInfo } from '@concurrent/executors'
 *
 * const label = (executor: ExecutorInfo) => `${executor.name}#${executor.id}` // 'ThreadPoolExecutor#1'
 * ```
 * @category Observability
 */
export interface ExecutorInfo {
  /** The executor's class. */
  readonly name: 'ThreadPoolExecutor' | 'ProcessPoolExecutor' | 'AsyncExecutor'
  /** Unique among the executors of this process, from 1 up, in order of creation. */
  readonly id: number
}

/**
 * Where tasks run: worker threads, worker processes, or this thread (`AsyncExecutor`).
 *
 * @example
 * ```ts
 * import type { ExecutorRuntime } from '@concurrent/executors'
 *
 * const isolated = (runtime: ExecutorRuntime) => runtime !== 'async'
 * ```
 * @category Observability
 */
export type ExecutorRuntime = 'thread' | 'process' | 'async'

/**
 * How a task ended, as `concurrent:task` reports it.
 *
 * - `value`: it returned (for a chunk of a `map`: every item did).
 * - `error`: it threw (for a chunk: an item did), timed out, its signal aborted, or the
 *   executor broke.
 * - `cancelled`: cancelled while queued, or interrupted (`cancel({ interrupt: true })`).
 * - `crash`: the worker running it died (`WorkerCrashedError`).
 *
 * @example
 * ```ts
 * import type { TaskOutcome } from '@concurrent/executors'
 *
 * const failed = (outcome: TaskOutcome) => outcome === 'error' || outcome === 'crash'
 * ```
 * @category Observability
 */
export type TaskOutcome = 'value' | 'error' | 'cancelled' | 'crash'

/**
 * The context of a task's trace on `concurrent:task` (and `concurrent:task:dispatch`): one
 * object for the task's whole life, filled in as it goes, so subscribers can keep their own
 * state on it (a `WeakMap` keyed by it, say). Times are `performance.now()` milliseconds.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel'
 * import { diagnosticsChannels, type TaskTraceContext } from '@concurrent/executors'
 *
 * diagnostics.subscribe(`tracing:${diagnosticsChannels.task}:asyncEnd`, (message) => {
 *   const task = message as TaskTraceContext
 *   console.log(task.executor.name, task.taskName, task.outcome, task.waitTime, task.runTime)
 * })
 * ```
 * @category Observability
 */
export interface TaskTraceContext {
  /** The executor it was submitted to. */
  readonly executor: ExecutorInfo
  /** Where it runs. */
  readonly runtime: ExecutorRuntime
  /** The task's name: the export of a task module, or the function's own name. */
  readonly taskName: string
  /** The task module's URL; `undefined` for an inline function. */
  readonly module: string | undefined
  /** Unique in the executor, in order of submission. */
  readonly taskId: number
  /** One call, a chunk of a `map`'s items, or a streaming task (`stream()`). */
  readonly kind: 'call' | 'chunk' | 'stream'
  /** How many items: 1 for a call or a stream, the chunk's size for a chunk. */
  readonly items: number
  /** When it was submitted. */
  readonly queuedAt: number
  /** When it was last handed to a worker; `undefined` until then. */
  readonly startedAt: number | undefined
  /** The thread id or process id of its worker; `undefined` until then, and in-process. */
  readonly workerId: number | undefined
  /** `startedAt - queuedAt`: how long it waited for a worker. */
  readonly waitTime: number | undefined
  /**
   * How long it ran: as its worker measured it when it returned or threw, or from the hand-over
   * to the crash; `undefined` when it never ran or had not ended when its future settled (an
   * interrupt, a timeout).
   */
  readonly runTime: number | undefined
  /** When its future settled. */
  readonly settledAt: number | undefined
  /** How it ended, once it has. */
  readonly outcome: TaskOutcome | undefined
  /** Its value, when it ended with one. */
  readonly result?: unknown
  /** Its error (`CancelledError` when cancelled), when it did not end with a value. */
  readonly error?: unknown
}

/**
 * What `concurrent:worker:start` publishes: a worker thread or process was spawned.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel'
 * import { diagnosticsChannels, type WorkerStartMessage } from '@concurrent/executors'
 *
 * diagnostics.subscribe(diagnosticsChannels.workerStart, (message) => {
 *   const { executor, workerId, inspectPort } = message as WorkerStartMessage
 *   console.log(`${executor.name} started worker ${workerId}`, inspectPort ?? '')
 * })
 * ```
 * @category Observability
 */
export interface WorkerStartMessage {
  /** The pool the worker belongs to. */
  readonly executor: ExecutorInfo
  /** A worker thread, or a worker process. */
  readonly runtime: 'thread' | 'process'
  /** The thread id or the process id. */
  readonly workerId: number
  /** `performance.now()` when it was spawned. */
  readonly startedAt: number
  /** With the `inspect` option: the port its inspector listens on. */
  readonly inspectPort: number | undefined
}

/**
 * Why a worker went away.
 *
 * - `idle`: it was idle longer than `idleTimeout`.
 * - `maxTasksPerChild`: it had run its share of tasks.
 * - `shutdown`: the executor shut down.
 * - `terminated`: the executor ended it: a task ignored its interrupt past `gracePeriod`,
 *   `terminateWorkers()`/`killWorkers()`, or the executor broke.
 * - `crashed`: it went by itself: `process.exit()`, an uncaught error, out of memory, a signal.
 * - `startFailed`: it never got as far as running anything.
 *
 * @example
 * ```ts
 * import type { WorkerExitReason } from '@concurrent/executors'
 *
 * const unexpected = (reason: WorkerExitReason) => reason === 'crashed' || reason === 'startFailed'
 * ```
 * @category Observability
 */
export type WorkerExitReason =
  'idle' | 'maxTasksPerChild' | 'shutdown' | 'terminated' | 'crashed' | 'startFailed'

/**
 * What `concurrent:worker:exit` publishes: a worker that `concurrent:worker:start` announced is
 * gone.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel'
 * import { diagnosticsChannels, type WorkerExitMessage } from '@concurrent/executors'
 *
 * diagnostics.subscribe(diagnosticsChannels.workerExit, (message) => {
 *   const { workerId, reason, exitCode, signal, error } = message as WorkerExitMessage
 *   if (reason === 'crashed') console.error(`worker ${workerId} died`, exitCode ?? signal, error)
 * })
 * ```
 * @category Observability
 */
export interface WorkerExitMessage {
  /** The pool the worker belonged to. */
  readonly executor: ExecutorInfo
  /** A worker thread, or a worker process. */
  readonly runtime: 'thread' | 'process'
  /** The thread id or the process id, as `concurrent:worker:start` gave it. */
  readonly workerId: number
  /** Why it went. */
  readonly reason: WorkerExitReason
  /** Its exit code; `null` when a signal ended it. */
  readonly exitCode: number | null
  /** The signal that ended it (`'SIGKILL'`); `null` when it exited. */
  readonly signal: string | null
  /** What the worker reported about its death (an uncaught error), or why it could not start. */
  readonly error: unknown
  /** How many tasks (calls; a chunk counts once) it ran. */
  readonly tasks: number
  /** How long it lived, in ms. */
  readonly lifetime: number
}

/**
 * A latency histogram in `stats()`: how many samples, and their spread in milliseconds. All 0
 * while there are none.
 *
 * @example
 * ```ts
 * const { waitTime, runTime } = pool.stats()
 * console.log(`p99 wait ${waitTime.p99.toFixed(2)} ms, mean run ${runTime.mean.toFixed(2)} ms`)
 * ```
 * @category Observability
 */
export interface LatencyHistogram {
  /** How many samples. */
  readonly count: number
  /** The smallest sample, in ms. */
  readonly min: number
  /** The largest sample, in ms. */
  readonly max: number
  /** The average, in ms. */
  readonly mean: number
  /** The median, in ms. */
  readonly p50: number
  /** The 90th percentile, in ms: 90% of the samples are at most this. */
  readonly p90: number
  /** The 99th percentile, in ms. */
  readonly p99: number
}
