/**
 * Publishing on the diagnostics channels (names and shapes in `../diagnostics.ts`). The
 * execution core calls in at four points — submit, hand-over, end of a call, future settled —
 * and a worker backend through its observer. Nothing is allocated and nothing published for a
 * task submitted while nobody listens on `concurrent:task`: the core keeps no context for it,
 * and every later point is one `undefined` check.
 */
import { channel, tracingChannel } from 'node:diagnostics_channel'

import type { Future } from '@concurrent/future'
import { isTaskRef } from '@concurrent/worker'
import type { Call, WorkerObserver } from '@concurrent/worker/internal'

import {
  diagnosticsChannels,
  type ExecutorInfo,
  type ExecutorRuntime,
  type TaskOutcome,
  type TaskTraceContext,
  type WorkerExitMessage,
  type WorkerStartMessage,
} from '../diagnostics.js'

const taskChannel = tracingChannel<unknown, TaskTrace>(diagnosticsChannels.task)
const dispatchChannel = channel(diagnosticsChannels.taskDispatch)
const workerStartChannel = channel(diagnosticsChannels.workerStart)
const workerExitChannel = channel(diagnosticsChannels.workerExit)

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** A task's context, as the core fills it in. */
export type TaskTrace = Mutable<TaskTraceContext>

/**
 * A new context for a task about to be submitted; `undefined` when nobody listens on
 * `concurrent:task` (the task then publishes nothing, ever).
 */
export function traceTask(
  executor: ExecutorInfo,
  runtime: ExecutorRuntime,
  taskId: number,
  call: Omit<Call<unknown>, 'listener'>,
  streaming: boolean,
): TaskTrace | undefined {
  if (!taskChannel.hasSubscribers) return undefined
  const { name, module } = describeTask(call.task)
  const { work } = call
  return {
    executor,
    runtime,
    taskName: name,
    module,
    taskId,
    kind: work.kind === 'call' ? (streaming ? 'stream' : 'call') : 'chunk',
    items: work.kind === 'call' ? 1 : work.items.length,
    queuedAt: performance.now(),
    startedAt: undefined,
    workerId: undefined,
    waitTime: undefined,
    runTime: undefined,
    settledAt: undefined,
    outcome: undefined,
  }
}

/**
 * Runs `submit` between the `start` and `end` events of `trace` (with the stores bound to
 * `start` set, as `traceSync` does), and publishes `error` if it throws.
 */
export function traceSubmit<R>(trace: TaskTrace, submit: () => R): R {
  return taskChannel.start.runStores(trace, () => {
    try {
      return submit()
    } catch (error) {
      trace.error = error
      taskChannel.error.publish(trace)
      throw error
    } finally {
      taskChannel.end.publish(trace)
    }
  })
}

/** The task was handed to a worker. */
export function traceDispatch(trace: TaskTrace, workerId: number | undefined, at: number): void {
  trace.startedAt = at
  trace.workerId = workerId
  trace.waitTime = at - trace.queuedAt
  if (dispatchChannel.hasSubscribers) dispatchChannel.publish(trace)
}

/** The task's call ended before its future settled: how long it ran, and whether it crashed. */
export function traceCallEnd(
  trace: TaskTrace,
  runTime: number | undefined,
  crashed: boolean,
): void {
  trace.runTime = runTime
  if (crashed) trace.outcome = 'crash'
}

/** The task's future settled: `error` if it did not end with a value, then `asyncStart`, `asyncEnd`. */
export function traceSettled(trace: TaskTrace, future: Future<unknown>): void {
  trace.settledAt = performance.now()
  const settled = future.outcome
  let outcome: TaskOutcome
  if (future.cancelled()) {
    outcome = 'cancelled'
    trace.error = settled?.status === 'rejected' ? settled.reason : undefined
  } else if (settled?.status === 'fulfilled') {
    const failure = trace.kind === 'chunk' ? chunkFailure(settled.value) : undefined
    outcome = failure === undefined ? 'value' : 'error'
    trace.result = settled.value
    if (failure !== undefined) trace.error = failure.error
  } else {
    outcome = trace.outcome === 'crash' ? 'crash' : 'error'
    trace.error = settled?.reason
  }
  trace.outcome = outcome
  if (outcome !== 'value') taskChannel.error.publish(trace)
  taskChannel.asyncStart.publish(trace)
  taskChannel.asyncEnd.publish(trace)
}

let executors = 0

/** A new executor's name and id (unique in this process). */
export function executorInfo(name: ExecutorInfo['name']): ExecutorInfo {
  return { name, id: ++executors }
}

/** What a worker backend calls to publish its workers' starts and exits. */
export function workerObserver(
  executor: ExecutorInfo,
  runtime: 'thread' | 'process',
): WorkerObserver {
  const born = new Map<number, number>()
  return {
    started({ id, inspectPort }) {
      const startedAt = performance.now()
      born.set(id, startedAt)
      if (!workerStartChannel.hasSubscribers) return
      const message: WorkerStartMessage = {
        executor,
        runtime,
        workerId: id,
        startedAt,
        inspectPort,
      }
      workerStartChannel.publish(message)
    },
    exited({ id, exitCode, signal, reason, error, calls }) {
      const startedAt = born.get(id)
      born.delete(id)
      if (!workerExitChannel.hasSubscribers) return
      const message: WorkerExitMessage = {
        executor,
        runtime,
        workerId: id,
        reason,
        exitCode,
        signal,
        error,
        tasks: calls,
        lifetime: startedAt === undefined ? 0 : performance.now() - startedAt,
      }
      workerExitChannel.publish(message)
    },
  }
}

/** A task's name and module, however the executor holds it. */
function describeTask(task: unknown): { name: string; module: string | undefined } {
  if (typeof task === 'function' && !isTaskRef(task)) {
    return { name: task.name || 'anonymous', module: undefined }
  }
  if (isTaskRef(task)) return { name: task.exportName, module: task.moduleUrl }
  const spec = task as { kind?: unknown; name?: unknown; url?: unknown }
  return {
    name: typeof spec.name === 'string' ? spec.name : 'anonymous',
    module: spec.kind === 'module' && typeof spec.url === 'string' ? spec.url : undefined,
  }
}

function chunkFailure(value: unknown): { readonly error: unknown } | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  return (value as { failure?: { readonly error: unknown } }).failure
}
