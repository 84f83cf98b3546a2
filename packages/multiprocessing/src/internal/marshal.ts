/**
 * How this package's objects travel. A `Queue`, a pipe's `Connection`, a `Lock` or a `Value` is
 * a class instance with private state, which structured clone would flatten into a useless
 * plain object. So wherever one of them leaves for another thread or process — a task's
 * arguments through `Pool` and `Process`, an item through a queue or a pipe — it is replaced by
 * a small plain descriptor (`marshal`), and on arrival the descriptor becomes a working object
 * again (`revive`): a queue or pipe handle that talks to the owner of the state, a lock over the
 * same shared memory.
 *
 * Descriptors are marked out of band. `marshal` returns the value together with the list of
 * places (paths of keys and indexes) where it put a descriptor, and `revive` turns into objects
 * what sits at those places and nothing else. A user's value that merely looks like a
 * descriptor stays plain data, wherever it travels: only this module, handed a real shareable
 * object, ever adds a place to the list. This is the one place that marks ({@link marshal}) and
 * the one that revives ({@link revive}); the list travels beside the value, in the task's
 * arguments or in the item's envelope ({@link pack}).
 *
 * What can go where is decided here, once: queues and pipes go anywhere; locks, values and any
 * other `SharedArrayBuffer` only to worker threads of the same process, and never through a
 * queue or a pipe (whose wire copies bytes). Sending one where it cannot go throws a
 * `DataCloneError` at the call site, naming the argument and the fix.
 */
import { deserialize, serialize } from 'node:v8'

import { DataCloneError } from '@concurrent/worker'

import { MAX_MESSAGE_BYTES } from '../max-message-bytes.js'

/** The key of a descriptor that holds the type it describes. */
export const DESCRIPTOR = '@concurrent/multiprocessing'

/** The method a shareable object implements to describe itself. */
export const kMarshal = Symbol.for('concurrent.multiprocessing.marshal')

/** Where a value is going: a worker thread, a child process, or a queue or pipe. */
export type Destination = 'thread' | 'process' | 'channel'

/** A plain object that stands for a shareable object on the way. */
export type Descriptor = { readonly [DESCRIPTOR]: string } & Readonly<Record<string, unknown>>

/**
 * Where a descriptor sits in a marshalled value: from the root, a key of a plain object, an
 * index of an array, or the position of a `Map` entry or a `Set` member (in iteration order,
 * which structured clone keeps).
 */
export type HandlePath = ReadonlyArray<string | number>

/** A value ready to travel, and the places in it where descriptors sit. */
export interface Marshalled {
  readonly value: unknown
  /** Carried beside `value`, never inside it; empty when `value` holds no shareable object. */
  readonly handles: readonly HandlePath[]
}

/** What marshalling knows and collects. */
export interface MarshalContext {
  readonly destination: Destination
  /**
   * Run once the receiver is done with the value (its task ended): releases the pipe handles
   * that marshalling opened for it, as a process's descriptors close when it exits.
   */
  readonly releases: Array<() => void>
  /** Where the value being marshalled sits, for messages (`argument 2 of \`worker\``). */
  where: () => string
}

/** An object that can describe itself for another thread or process. */
export interface Shareable {
  [kMarshal](context: MarshalContext): Descriptor
}

/** How deep into nested arrays, objects, maps and sets shareable objects are looked for. */
const MAX_DEPTH = 8
/** How many values one marshal call looks at, at most. */
const BUDGET = 100_000

/**
 * `value` with every shareable object in it (a few levels deep) replaced by its descriptor,
 * and the places of the descriptors. Containers on the way to a replaced object are copied;
 * anything else is returned as is.
 *
 * @throws `DataCloneError` for a thread-only object going to a process or through a channel.
 */
export function marshal(value: unknown, context: MarshalContext): Marshalled {
  const handles: HandlePath[] = []
  const walker: Walker = { context, handles, budget: BUDGET }
  const marshalled = walk(value, walker, context.where, [])
  return { value: marshalled, handles }
}

interface Walker {
  readonly context: MarshalContext
  readonly handles: HandlePath[]
  budget: number
}

function walk(
  value: unknown,
  walker: Walker,
  where: () => string,
  path: Array<string | number>,
): unknown {
  if (typeof value !== 'object' || value === null || walker.budget-- <= 0) return value
  const { context } = walker
  if (kMarshal in value) {
    context.where = where
    const descriptor = (value as Shareable)[kMarshal](context)
    walker.handles.push([...path])
    return descriptor
  }
  if (isShared(value)) {
    if (context.destination !== 'thread') {
      threadOnly({ ...context, where }, describeShared(value))
    }
    return value
  }
  if (path.length >= MAX_DEPTH || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return value
  }
  const inner = (item: unknown, step: string | number, at: () => string): unknown => {
    if (typeof item !== 'object' || item === null) return item
    path.push(step)
    try {
      return walk(item, walker, at, path)
    } finally {
      path.pop()
    }
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item !== 'object' || item === null) continue
      const next = inner(item, i, () => `${where()}[${i}]`)
      if (next !== item) (copy ??= value.slice())[i] = next
    }
    return copy ?? value
  }
  if (value instanceof Map) {
    let copy: Map<unknown, unknown> | undefined
    let index = 0
    for (const [key, item] of value) {
      const next = inner(item, index++, () => `${where()}.get(${String(key)})`)
      if (next !== item) (copy ??= new Map(value)).set(key, next)
    }
    return copy ?? value
  }
  if (value instanceof Set) {
    let changed = false
    let index = 0
    const items = [...(value as Set<unknown>)].map((item) => {
      const next = inner(item, index++, () => `${where()} (a Set member)`)
      if (next !== item) changed = true
      return next
    })
    return changed ? new Set(items) : value
  }
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  let copy: Record<string, unknown> | undefined
  for (const [key, item] of Object.entries(value)) {
    const next = inner(item, key, () => `${where()}.${key}`)
    if (next !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = next
  }
  return copy ?? value
}

// Revivers are shared by every copy of this module in a thread (see broker.ts).
const reviversKey = Symbol.for('concurrent.multiprocessing.revivers')
const revivers = ((globalThis as { [reviversKey]?: Map<string, (d: Descriptor) => unknown> })[
  reviversKey
] ??= new Map())

/** Teaches {@link revive} to turn descriptors of `type` back into objects. */
export function defineReviver(type: string, reviver: (descriptor: Descriptor) => unknown): void {
  if (!revivers.has(type)) revivers.set(type, reviver)
}

/**
 * The value of `marshalled` with the descriptor at each of its `handles` turned back into its
 * object; nothing else in it is looked at. The value must be a fresh copy (it arrived from
 * another thread, or was unpacked from bytes): it is changed in place.
 *
 * @throws TypeError when a place does not hold a descriptor this thread can revive.
 */
export function revive(marshalled: Marshalled): unknown {
  let root = marshalled.value
  for (const path of marshalled.handles) {
    if (path.length === 0) {
      root = reviveDescriptor(root)
      continue
    }
    let container: unknown = root
    for (const step of path.slice(0, -1)) container = child(container, step)
    replaceChild(container, path[path.length - 1] as string | number, reviveDescriptor)
  }
  return root
}

/**
 * The object a descriptor describes. For the descriptor at a place `revive` was given, or one
 * nested in such a descriptor by the object that made it (a `Value`'s lock).
 *
 * @throws TypeError when `descriptor` is not a descriptor this thread can revive.
 */
export function reviveDescriptor(descriptor: unknown): unknown {
  const type =
    typeof descriptor === 'object' && descriptor !== null
      ? (descriptor as Partial<Descriptor>)[DESCRIPTOR]
      : undefined
  if (typeof type !== 'string') {
    throw new TypeError('Cannot revive a handle: the value at its place is not a descriptor')
  }
  const reviver = revivers.get(type)
  if (reviver === undefined) {
    throw new TypeError(`Cannot revive a \`${type}\` here: its module is not loaded`)
  }
  return reviver(descriptor as Descriptor)
}

function child(container: unknown, step: string | number): unknown {
  if (Array.isArray(container) && typeof step === 'number') return container[step]
  if (container instanceof Map && typeof step === 'number') return [...container.values()][step]
  if (container instanceof Set && typeof step === 'number') return [...container][step]
  if (isRecord(container) && typeof step === 'string' && Object.hasOwn(container, step)) {
    return container[step]
  }
  throw new TypeError('Cannot revive a handle: its place is not in the value')
}

function replaceChild(
  container: unknown,
  step: string | number,
  replace: (value: unknown) => unknown,
): void {
  if (Array.isArray(container) && typeof step === 'number' && step < container.length) {
    container[step] = replace(container[step])
  } else if (container instanceof Map && typeof step === 'number' && step < container.size) {
    const key: unknown = [...container.keys()][step]
    container.set(key, replace(container.get(key)))
  } else if (container instanceof Set && typeof step === 'number' && step < container.size) {
    const members = [...(container as Set<unknown>)]
    members[step] = replace(members[step])
    container.clear()
    for (const member of members) container.add(member)
  } else if (isRecord(container) && typeof step === 'string' && Object.hasOwn(container, step)) {
    container[step] = replace(container[step])
  } else {
    throw new TypeError('Cannot revive a handle: its place is not in the value')
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** Whether `value` is a list of handle places, as {@link marshal} makes them. */
export function isHandleList(value: unknown): value is HandlePath[] {
  return (
    Array.isArray(value) &&
    value.length <= BUDGET &&
    value.every(
      (path) =>
        Array.isArray(path) &&
        path.length <= MAX_DEPTH &&
        path.every((step) => typeof step === 'string' || (Number.isSafeInteger(step) && step >= 0)),
    )
  )
}

/**
 * An item for a queue or a pipe, as bytes: marshalled (its queues and pipes become
 * descriptors), then serialized with the places of its descriptors beside it. The bytes are
 * what the owner stores and hands out; {@link unpack} turns them back into the item.
 *
 * @param what - what the item is, for errors (`'the item put on the Queue'`).
 * @throws `DataCloneError` when the item cannot be copied or holds a thread-only object.
 * @throws RangeError when it takes more than {@link MAX_MESSAGE_BYTES} once serialized.
 */
export function pack(item: unknown, what: string): Uint8Array {
  const { value, handles } = marshal(item, channelContext(what))
  let bytes: Buffer
  try {
    bytes = serialize(handles.length === 0 ? [value] : [value, handles])
  } catch (error) {
    throw cloneError(error, what)
  }
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new RangeError(
      `Expected ${what} to take at most ${mebibytes(MAX_MESSAGE_BYTES)} once serialized (MAX_MESSAGE_BYTES), got ${mebibytes(bytes.length)}: split it into smaller items, or share the data as a RawArray with kind: 'thread' tasks`,
    )
  }
  return bytes
}

/**
 * The item packed in `bytes` (by {@link pack}, here or in another thread or process), with its
 * queues and pipes revived.
 *
 * @throws TypeError when the bytes are not a packed item.
 */
export function unpack(bytes: Uint8Array): unknown {
  let envelope: unknown
  try {
    envelope = deserialize(bytes)
  } catch (error) {
    throw new TypeError('Cannot read an item: its bytes are not a serialized value', {
      cause: error,
    })
  }
  if (!Array.isArray(envelope) || envelope.length < 1 || envelope.length > 2) {
    throw new TypeError('Cannot read an item: its envelope is malformed')
  }
  const [value, handles = []] = envelope as [unknown, unknown?]
  if (!isHandleList(handles)) {
    throw new TypeError('Cannot read an item: its list of handles is malformed')
  }
  return handles.length === 0 ? value : revive({ value, handles })
}

function mebibytes(bytes: number): string {
  const mib = bytes / (1024 * 1024)
  return `${Number.isInteger(mib) ? String(mib) : mib.toFixed(1)} MiB`
}

/** Throws the error for a thread-only object sent where memory is not shared. */
export function threadOnly(
  context: Pick<MarshalContext, 'destination' | 'where'>,
  what: string,
): never {
  const where = context.where()
  const subject = `${where.charAt(0).toUpperCase()}${where.slice(1)} is ${what}`
  if (context.destination === 'channel') {
    throw new DataCloneError(
      `${subject}, which lives in shared memory and cannot travel through a Queue or a Pipe (they copy bytes): pass it to the task as an argument instead, on a Pool or Process with kind: 'thread'`,
    )
  }
  throw new DataCloneError(
    `${subject}, which lives in shared memory (a SharedArrayBuffer) that only worker threads of one process share, so it cannot reach a task in a child process: use kind: 'thread' for tasks that share memory or locks, or exchange data through a Queue or a Pipe, which work across processes`,
  )
}

/** The structured clone error for `what`, made readable. */
export function cloneError(error: unknown, what: string): DataCloneError {
  const message = error instanceof Error ? error.message : String(error)
  return new DataCloneError(
    `${what.charAt(0).toUpperCase()}${what.slice(1)} cannot be copied to another thread or process: ${message}. Send plain data (objects, arrays, numbers, strings, bigints, typed arrays, Map, Set, Date, errors), not functions, promises or objects holding native handles`,
    undefined,
    { cause: error },
  )
}

/** A context for marshalling a value that goes through a queue or a pipe. */
export function channelContext(what: string): MarshalContext {
  return { destination: 'channel', releases: [], where: () => what }
}

function isShared(value: object): boolean {
  return (
    value instanceof SharedArrayBuffer ||
    (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer)
  )
}

function describeShared(value: object): string {
  if (value instanceof SharedArrayBuffer) return 'a SharedArrayBuffer'
  return `a ${value.constructor.name} over a SharedArrayBuffer (such as a RawArray)`
}
