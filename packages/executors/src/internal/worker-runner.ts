/**
 * What the two worker pools share: a {@link WorkerBackend} as the runner, and the call-site
 * preparation (task reference or inline source, cloneable arguments, the transfer list) for
 * their runtime.
 */
import {
  prepareCall,
  prepareChunk,
  prepareInitializer,
  WorkerBackend,
  type Runner,
  type TaskSpec,
} from '@concurrent/worker/internal'

import type {
  ProcessPoolExecutorOptions,
  ResolvedOptions,
  ThreadPoolExecutorOptions,
} from '../options.js'
import type { ExecutorInfo } from '../diagnostics.js'
import type { Preparer } from '../pool-executor.js'
import { executorInfo, workerObserver } from './diagnostics.js'

export interface WorkerPoolParts {
  readonly runner: Runner<TaskSpec>
  readonly prepare: Preparer<TaskSpec>
  readonly info: ExecutorInfo
}

export function workerPool(
  name: 'ThreadPoolExecutor' | 'ProcessPoolExecutor',
  runtime: 'thread' | 'process',
  options: ThreadPoolExecutorOptions & ProcessPoolExecutorOptions,
  resolved: ResolvedOptions,
): WorkerPoolParts {
  const initializer =
    options.initializer === undefined
      ? undefined
      : prepareInitializer(options.initializer, resolved.initargs, runtime)
  const info = executorInfo(name)
  const runner = new WorkerBackend({
    runtime,
    name,
    maxWorkers: resolved.maxWorkers,
    minWorkers: resolved.minWorkers,
    idleTimeout: resolved.idleTimeout,
    initializer,
    maxTasksPerChild: resolved.maxTasksPerChild,
    resourceLimits: options.resourceLimits,
    execArgv: options.execArgv,
    env: options.env,
    inspect: resolved.inspect,
    observer: workerObserver(info, runtime),
  })
  return {
    info,
    runner,
    prepare: {
      call: (task, args) => prepareCall(task, args, runtime),
      chunk: (task, items, single) => prepareChunk(task, items, single, runtime),
    },
  }
}
