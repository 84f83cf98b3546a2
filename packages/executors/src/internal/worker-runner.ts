/**
 * What the two worker pools share: a {@link WorkerBackend} as the runner, and the call-site
 * checks that turn a task and its arguments into a unit of work (task reference or inline
 * source, cloneable arguments, the transfer list).
 */
import type { Transferable } from 'node:worker_threads'

import {
  checkCloneable,
  taskSpecOf,
  transferListOf,
  WorkerBackend,
  type TaskSpec,
} from '@concurrent/worker'

import type {
  ProcessPoolExecutorOptions,
  ResolvedOptions,
  ThreadPoolExecutorOptions,
} from '../options.js'
import { captureCaller, runnerOf, type UnitPayload } from '../pool-executor.js'
import type { Runner } from './execution-core.js'

export interface WorkerPoolParts {
  readonly runner: Runner<UnitPayload>
  prepare(task: unknown, args: readonly unknown[], chunk: boolean): UnitPayload
}

export function workerPool(
  runtime: 'thread' | 'process',
  options: ThreadPoolExecutorOptions & ProcessPoolExecutorOptions,
  resolved: ResolvedOptions,
): WorkerPoolParts {
  const initializer =
    options.initializer === undefined
      ? undefined
      : { task: taskSpecOf(options.initializer), args: resolved.initargs }
  if (initializer !== undefined) checkCloneable(initializer.args, 'initializer')
  const backend = new WorkerBackend({
    runtime,
    maxWorkers: resolved.maxWorkers,
    minWorkers: resolved.minWorkers,
    idleTimeout: resolved.idleTimeout,
    initializer,
    maxTasksPerChild: resolved.maxTasksPerChild,
    resourceLimits: options.resourceLimits,
    execArgv: options.execArgv,
    env: options.env,
  })
  const runner = runnerOf(
    (payload, item) =>
      backend.run({
        task: payload.task as TaskSpec,
        args: payload.args,
        chunk: payload.chunk,
        flat: payload.flat,
        transfer: payload.transfer as Transferable[],
        callerStack: payload.callerStack,
        onProgress: (value) => item.future.emitProgress(value),
        onYield: payload.onYield,
      }),
    () => backend.workers,
    () => backend.destroy(),
  )
  return {
    runner,
    prepare(task, args, chunk) {
      const spec = taskSpecOf(task)
      if (chunk) for (const item of args as unknown[][]) checkCloneable(item, spec.name)
      else checkCloneable(args, spec.name)
      const transfer =
        runtime === 'thread' ? transferListOf(chunk ? (args as unknown[][]).flat() : args) : []
      const flat = chunk && (args as unknown[][]).every((item) => item.length === 1)
      return {
        task: spec,
        args: flat ? (args as unknown[][]).map((item) => item[0]) : args,
        chunk,
        flat,
        transfer,
        callerStack: captureCaller(),
        onYield: undefined,
      }
    },
  }
}
