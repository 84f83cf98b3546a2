/**
 * The parent's half of a call's trip, mirrored by the worker's `run.ts`: what `submit` and
 * `map` check and pack before a task leaves for a worker, so that mistakes surface at the call
 * site. The task becomes a spec (a module reference, or the source of a self-contained
 * function); the arguments are checked for what certainly cannot be cloned; buffers marked with
 * `transfer()` make the transfer list (threads only: processes share no memory); a slice of
 * numbers for a one-argument map is packed into one typed array, which the worker reads by
 * index as it would a list.
 */
import { describe } from '@concurrent/future/internal'

import { DataCloneError } from '../errors.js'
import { isTaskRef } from '../task-module.js'
import { transferListOf } from '../transfer.js'
import type { PreparedCall } from './call.js'
import { checkCloneable, findUncloneable } from './cloneable.js'
import { inlineSpec } from './inline.js'
import type { TaskSpec } from './protocol.js'

/** Where the calls are going: worker threads, or worker processes. */
export type Runtime = 'thread' | 'process'

/**
 * How a worker finds `task`: a module reference, or inline source.
 *
 * @throws `InlineTaskError` for a closure or a function without shippable source.
 * @throws TypeError when `task` is neither a task reference nor a function.
 * @internal
 */
export function taskSpecOf(task: unknown): TaskSpec {
  if (typeof task === 'function') return inlineSpec(task as (...args: never[]) => unknown)
  if (isTaskRef(task)) return { kind: 'module', url: task.moduleUrl, name: task.exportName }
  throw new TypeError(
    `Expected a task: a reference from taskModule() or a self-contained function, got ${describe(task)}`,
  )
}

/**
 * What makes two calls calls of the same task (for batching them together).
 *
 * @internal
 */
export function taskKey(spec: TaskSpec): string {
  return spec.kind === 'inline' ? spec.source : `${spec.url}#${spec.name}`
}

/**
 * One call of `task` with `args`.
 *
 * @throws `DataCloneError` naming the argument that cannot be sent; as {@link taskSpecOf}.
 * @internal
 */
export function prepareCall(
  task: unknown,
  args: readonly unknown[],
  runtime: Runtime,
): PreparedCall {
  const spec = taskSpecOf(task)
  checkCloneable(args, spec.name)
  return {
    task: spec,
    work: { kind: 'call', args },
    transfer: runtime === 'thread' ? transferListOf(args) : [],
    callerStack: captureCaller(),
  }
}

/**
 * One call that runs `task` over `items`, a slice of a map's input: each item an argument list
 * (`starmap`), or with `single` each the task's only argument (`map`).
 *
 * @throws `DataCloneError` naming the item that cannot be sent; as {@link taskSpecOf}.
 * @internal
 */
export function prepareChunk(
  task: unknown,
  items: readonly unknown[],
  single: boolean,
  runtime: Runtime,
): PreparedCall {
  const spec = taskSpecOf(task)
  // A chunk of one-argument calls travels as the list of those arguments: structured clone
  // copies a flat list many times faster than a list of one-element lists.
  let values: readonly unknown[] | undefined = single ? items : unwrapSingles(items)
  const numbers = values === undefined ? undefined : allNumbers(values)
  if (numbers === undefined) checkChunkCloneable(values ?? items, spec.name)
  else values = numbers as unknown as readonly unknown[]
  const transfer =
    runtime !== 'thread'
      ? []
      : numbers !== undefined
        ? [numbers.buffer as ArrayBuffer]
        : transferListOf(values ?? (items as unknown[][]).flat())
  return {
    task: spec,
    work:
      values === undefined
        ? { kind: 'chunk', items: items as ReadonlyArray<readonly unknown[]> }
        : { kind: 'chunk1', items: numbers ?? values },
    transfer,
    callerStack: captureCaller(),
  }
}

/** The only arguments of `items` when every item is a one-element argument list. */
function unwrapSingles(items: readonly unknown[]): unknown[] | undefined {
  const values = new Array<unknown>(items.length)
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as readonly unknown[]
    if (item.length !== 1) return undefined
    values[i] = item[0]
  }
  return values
}

/**
 * `items` as one typed array if every one is a number — an Int32Array when all are 32-bit
 * integers (a worker then reads them as small integers, as it would from a list), else a
 * Float64Array; `undefined` when any is not a number (or there are fewer than two).
 */
function allNumbers(items: readonly unknown[]): Int32Array | Float64Array | undefined {
  if (items.length < 2) return undefined
  let integers = true
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (typeof item !== 'number') return undefined
    if (integers && ((item | 0) !== item || (item === 0 && 1 / item < 0))) integers = false
  }
  return integers
    ? Int32Array.from(items as readonly number[])
    : Float64Array.from(items as readonly number[])
}

/** Throws a DataCloneError naming the item when part of a chunk certainly cannot be cloned. */
function checkChunkCloneable(items: readonly unknown[], task: string): void {
  const found = findUncloneable(items)
  if (found === undefined) return
  throw new DataCloneError(
    `An item of the map over \`${task}\` (at ${found.path}) is ${found.problem}, which cannot be sent to a worker: map over plain data`,
  )
}

const ownFrame = /[\\/](?:@concurrent|packages)[\\/](?:future|wait|worker|executors)[\\/]dist[\\/]/

/**
 * How many submissions in one synchronous run capture the caller's stack. Capturing one costs
 * several microseconds and keeps the frames alive until the task ends: for a loop submitting
 * thousands of tasks at once that was a third of the main thread's time, so the tasks past the
 * first of a burst go without it (their errors carry the worker's stack only).
 *
 * @internal
 */
export const CALLER_STACKS_PER_TURN = 32
let capturedThisTurn = 0

/**
 * Captures where a task was submitted; the frames are formatted (without this library's own)
 * only if an error needs them. Past {@link CALLER_STACKS_PER_TURN} captures in one synchronous
 * run, returns `undefined` until the next turn of the event loop.
 *
 * @internal
 */
export function captureCaller(): (() => string | undefined) | undefined {
  if (capturedThisTurn === 0) queueMicrotask(resetCaptures)
  else if (capturedThisTurn >= CALLER_STACKS_PER_TURN) return undefined
  capturedThisTurn++
  const site: { stack?: string } = {}
  // Without a function to stop at, the capture costs half as much; this library's frames are
  // filtered out when the stack is read.
  Error.captureStackTrace(site)
  return () =>
    site.stack
      ?.split('\n')
      .slice(1)
      .filter((line) => !ownFrame.test(line))
      .join('\n')
}

function resetCaptures(): void {
  capturedThisTurn = 0
}
