/**
 * What the two worker pools share: a {@link WorkerBackend} as the runner, and the call-site
 * checks that turn a task and its arguments into a unit of work (task reference or inline
 * source, cloneable arguments, the transfer list).
 */
import type { Transferable } from 'node:worker_threads'

import {
  checkCloneable,
  DataCloneError,
  findUncloneable,
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
  prepare(task: unknown, args: readonly unknown[], chunk: boolean, flat?: boolean): UnitPayload
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
    (items, onOutcome) =>
      backend.runBatch(
        items[0]?.payload.task as TaskSpec,
        items.map((item) => item.payload),
        {
          onOutcome: (index, outcome) => {
            const item = items[index]
            if (item !== undefined) onOutcome(item, outcome)
          },
          onProgress: (index, value) => items[index]?.future.emitProgress(value),
        },
      ),
  )
  // Calls of the same task share batches; a pool that retires workers after maxTasksPerChild
  // counts tasks one message at a time, so it sends no batches.
  const batchable = resolved.maxTasksPerChild === undefined
  return {
    runner,
    prepare(task, args, chunk, flatItems = false) {
      const spec = taskSpecOf(task)
      if (flatItems) {
        // A slice of a one-argument map's input: the arguments themselves. All numbers (the
        // common case) travel as one typed array, copied in one block rather than one by one.
        const numbers = allNumbers(args)
        if (numbers === undefined) checkChunkCloneable(args, spec.name)
        const transfer = numbers === undefined ? transferListOf(args) : [numbers.buffer]
        return {
          task: spec,
          // The worker reads a chunk by index, which a typed array serves as a list does.
          args: (numbers ?? args) as readonly unknown[],
          chunk,
          flat: true,
          transfer: runtime === 'thread' ? transfer : [],
          callerStack: captureCaller(),
          onYield: undefined,
        }
      }
      if (!chunk) {
        checkCloneable(args, spec.name)
        const transfer = runtime === 'thread' ? transferListOf(args) : []
        return {
          task: spec,
          args,
          chunk,
          transfer,
          callerStack: captureCaller(),
          batchKey: batchable && transfer.length === 0 ? keyOf(spec) : undefined,
          onYield: undefined,
        }
      }
      // A chunk of a one-argument task travels as the flat list of those arguments, made in one
      // pass; the cloneability check walks the whole chunk once, within its budget.
      const items = args as unknown[][]
      let flat: unknown[] | undefined = []
      for (const item of items) {
        if (item.length !== 1) {
          flat = undefined
          break
        }
        flat.push(item[0])
      }
      checkChunkCloneable(flat ?? items, spec.name)
      const sent = flat ?? items
      const transfer = runtime === 'thread' ? transferListOf(flat ?? items.flat()) : []
      return {
        task: spec,
        args: sent,
        chunk,
        flat: flat !== undefined,
        transfer,
        callerStack: captureCaller(),
        onYield: undefined,
      }
    },
  }
}

/**
 * `items` as one typed array if every one is a number — an Int32Array when all are 32-bit
 * integers (a worker then reads them as small integers, as it would from a list), else a
 * Float64Array; `undefined` when any is not a number.
 */
function allNumbers(items: readonly unknown[]): Int32Array | Float64Array | undefined {
  let integers = true
  for (const item of items) {
    if (typeof item !== 'number') return undefined
    if (integers && ((item | 0) !== item || (item === 0 && 1 / item < 0))) integers = false
  }
  return integers
    ? Int32Array.from(items as readonly number[])
    : Float64Array.from(items as readonly number[])
}

/** What makes two calls calls of the same task. */
function keyOf(spec: TaskSpec): string {
  return spec.kind === 'inline' ? spec.source : `${spec.url}#${spec.name}`
}

/** Throws a DataCloneError naming the item when part of a chunk certainly cannot be cloned. */
function checkChunkCloneable(items: readonly unknown[], task: string): void {
  const found = findUncloneable(items)
  if (found === undefined) return
  throw new DataCloneError(
    `An item of the map over \`${task}\` (at ${found.path}) is ${found.problem}, which cannot be sent to a worker: map over plain data`,
  )
}
