/**
 * The parent's half of a call's trip, mirrored by the worker's `run.ts`: what `submit` and
 * `map` check and pack before a task leaves for a worker, so that mistakes surface at the call
 * site. The task becomes a spec (a module reference, or the source of a self-contained
 * function); the arguments are checked for what certainly cannot be cloned; buffers marked with
 * `transfer()` make the transfer list (threads only: processes share no memory); a slice of
 * numbers for a one-argument map is packed into one typed array, which the worker reads by
 * index as it would a list. Once a class with a codec is registered in this thread (a `Queue`, a
 * `Lock`), instances of it among the arguments are encoded as handles, for the worker to revive
 * (see `marshal.ts`); until then arguments are not walked at all.
 */
import { describe } from '@concurrent/future/internal'

import { hasCodecs } from '../class-registry.js'
import { DataCloneError } from '../errors.js'
import { isTaskRef } from '../task-module.js'
import { transferListOf } from '../transfer.js'
import type { Initializer } from '../worker-backend.js'
import type { PreparedCall } from './call.js'
import { checkCloneable, findUncloneable } from './cloneable.js'
import { inlineSpec } from './inline.js'
import { encodeValue, type Encoded, type HandlePath } from './marshal.js'
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
  if (isTaskRef(task)) {
    // One spec per reference, so that calls of a task share it (the executor batches calls by
    // their spec). A reference someone could still change gets a new spec each time.
    if (!Object.isFrozen(task)) return moduleSpec(task)
    let spec = moduleSpecs.get(task)
    if (spec === undefined) {
      spec = moduleSpec(task)
      moduleSpecs.set(task, spec)
    }
    return spec
  }
  throw new TypeError(
    `Expected a task: a reference from taskModule() or a self-contained function, got ${describe(task)}`,
  )
}

const moduleSpecs = new WeakMap<object, TaskSpec>()

function moduleSpec(ref: { readonly moduleUrl: string; readonly exportName: string }): TaskSpec {
  return { kind: 'module', url: ref.moduleUrl, name: ref.exportName }
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
  const sent = sendableArguments(
    args,
    runtime,
    spec.name,
    (i) => `argument ${i + 1} of \`${spec.name}\``,
  )
  return withHandles(
    {
      task: spec,
      work: { kind: 'call', args: sent.args },
      transfer: runtime === 'thread' ? transferListOf(sent.args) : [],
      callerStack: captureCaller(),
    },
    sent.encoded,
  )
}

/**
 * A pool's initializer with its arguments (`initargs`), prepared as a call's are: the worker
 * revives their handles before it runs the initializer, and `release` runs once the pool's
 * workers are gone.
 *
 * @throws as {@link prepareCall}.
 * @internal
 */
export function prepareInitializer(
  task: unknown,
  args: readonly unknown[],
  runtime: Runtime,
): Initializer {
  const sent = sendableArguments(
    args,
    runtime,
    'initializer',
    (i) => `argument ${i + 1} of the initializer`,
  )
  return withHandles({ task: taskSpecOf(task), args: sent.args }, sent.encoded)
}

/**
 * `args` ready to send: with the instances of registered classes among them encoded as handles
 * (once any class with a codec is registered), and checked for what certainly cannot be cloned.
 *
 * @throws `DataCloneError` naming the argument (what encoding opened is released first).
 */
function sendableArguments(
  args: readonly unknown[],
  runtime: Runtime,
  task: string,
  where: (index: number) => string,
): { readonly args: readonly unknown[]; readonly encoded: EncodedArguments | undefined } {
  const encoded = hasCodecs() ? encodeArguments(args, [], runtime, where) : undefined
  const sent: readonly unknown[] = encoded?.value ?? args
  try {
    checkCloneable(sent, task)
  } catch (error) {
    encoded?.release()
    throw error
  }
  return { args: sent, encoded }
}

/** `prepared` with the places of its handles and what releases them, when it has any. */
function withHandles<T extends object>(
  prepared: T,
  encoded: EncodedArguments | undefined,
): T & { readonly handles?: readonly HandlePath[]; readonly release?: () => void } {
  return encoded === undefined
    ? prepared
    : { ...prepared, handles: encoded.handles, release: encoded.release }
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
  let encoded: EncodedArguments | undefined
  if (numbers === undefined && hasCodecs()) {
    encoded =
      values === undefined
        ? encodeItems(items as ReadonlyArray<readonly unknown[]>, runtime, spec.name)
        : encodeArguments(
            values,
            [],
            runtime,
            (i) => `item ${i} of a chunk of the map over \`${spec.name}\``,
          )
  }
  if (encoded !== undefined) {
    if (values === undefined) items = encoded.value
    else values = encoded.value
  }
  try {
    if (numbers === undefined) checkChunkCloneable(values ?? items, spec.name)
    else values = numbers as unknown as readonly unknown[]
  } catch (error) {
    encoded?.release()
    throw error
  }
  const transfer =
    runtime !== 'thread'
      ? []
      : numbers !== undefined
        ? [numbers.buffer as ArrayBuffer]
        : transferListOf(values ?? (items as unknown[][]).flat())
  return withHandles(
    {
      task: spec,
      work:
        values === undefined
          ? { kind: 'chunk', items: items as ReadonlyArray<readonly unknown[]> }
          : { kind: 'chunk1', items: numbers ?? values },
      transfer,
      callerStack: captureCaller(),
    },
    encoded,
  )
}

/** Arguments with their handles encoded, the places of the handles, and what to release. */
interface EncodedArguments {
  readonly value: unknown[]
  readonly handles: HandlePath[]
  readonly release: () => void
}

/**
 * `list` (argument lists, or a chunk's items) with the instances of registered classes in each
 * element encoded as handles (see `marshal.ts`); `undefined` when there are none.
 *
 * @param prefix - the path of `list` in what the worker receives.
 * @param where - names element `i` in errors.
 * @throws `DataCloneError` naming the element, when one cannot go to `runtime` (what was
 *   opened for the elements before it is released).
 */
function encodeArguments(
  list: readonly unknown[],
  prefix: readonly number[],
  runtime: Runtime,
  where: (index: number) => string,
): EncodedArguments | undefined {
  const releases: Array<() => void> = []
  const release = (): void => {
    for (const fn of releases.splice(0)) fn()
  }
  const onRelease = (fn: () => void): void => {
    releases.push(fn)
  }
  let value: unknown[] | undefined
  const handles: HandlePath[] = []
  for (let i = 0; i < list.length; i++) {
    const element = list[i]
    if (typeof element !== 'object' || element === null) continue
    let encoded: Encoded
    try {
      encoded = encodeValue(element, runtime, onRelease, () => where(i))
    } catch (error) {
      release()
      // An argument of a call: the error says which.
      if (prefix.length === 0 && error instanceof DataCloneError) {
        throw new DataCloneError(error.message, i, { cause: error.cause })
      }
      throw error
    }
    if (encoded.value !== element) (value ??= list.slice())[i] = encoded.value
    for (const path of encoded.handles) handles.push([...prefix, i, ...path])
  }
  if (handles.length === 0 && releases.length === 0) return undefined
  return { value: value ?? list.slice(), handles, release }
}

/** A starmap chunk's argument lists, encoded as by {@link encodeArguments}. */
function encodeItems(
  items: ReadonlyArray<readonly unknown[]>,
  runtime: Runtime,
  task: string,
): EncodedArguments | undefined {
  const releases: Array<() => void> = []
  let value: unknown[] | undefined
  const handles: HandlePath[] = []
  try {
    for (let i = 0; i < items.length; i++) {
      const args = items[i] as readonly unknown[]
      const encoded = encodeArguments(
        args,
        [i],
        runtime,
        (a) => `argument ${a + 1} of \`${task}\` in item ${i} of a chunk of the map`,
      )
      if (encoded === undefined) continue
      releases.push(encoded.release)
      ;(value ??= items.slice())[i] = encoded.value
      handles.push(...encoded.handles)
    }
  } catch (error) {
    for (const release of releases) release()
    throw error
  }
  if (value === undefined) return undefined
  return {
    value,
    handles,
    release: () => {
      for (const release of releases.splice(0)) release()
    },
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

const ownFrame =
  /[\\/](?:@concurrent|packages)[\\/](?:future|wait|worker|executors|distributed)[\\/]dist[\\/]/

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
/** Depth of {@link withoutCallerStacks} calls in progress. */
let suppressed = 0

/**
 * Captures where a task was submitted; the frames are formatted (without this library's own)
 * only if an error needs them. Past {@link CALLER_STACKS_PER_TURN} captures in one synchronous
 * run, returns `undefined` until the next turn of the event loop.
 *
 * @internal
 */
export function captureCaller(): (() => string | undefined) | undefined {
  if (suppressed > 0) return undefined
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

/**
 * Runs `submit` (which submits tasks synchronously) without capturing the callers' stacks: for
 * code that forwards a task's error elsewhere, where the stack of its own submit call means
 * nothing to anyone (a cluster worker host, whose callers keep their own). A capture costs
 * several microseconds, and a host submits each task in a turn of its own, so none is spared
 * by the per-turn budget.
 *
 * @internal
 */
export function withoutCallerStacks<T>(submit: () => T): T {
  suppressed++
  try {
    return submit()
  } finally {
    suppressed--
  }
}
