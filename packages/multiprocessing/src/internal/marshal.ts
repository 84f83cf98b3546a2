/**
 * How this package's objects travel. A `Queue`, a pipe's `Connection`, a `Lock` or a `Value` is
 * a class instance with private state, which structured clone would flatten into a useless
 * plain object. So wherever one of them leaves for another thread or process — a task's
 * arguments through `Pool` and `Process`, an item through a queue or a pipe — it is replaced by
 * a small plain descriptor (`marshal`), and on arrival the descriptor becomes a working object
 * again (`revive`): a queue or pipe handle that talks to the owner of the state, a lock over the
 * same shared memory.
 *
 * What can go where is decided here, once: queues and pipes go anywhere; locks, values and any
 * other `SharedArrayBuffer` only to worker threads of the same process, and never through a
 * queue or a pipe (whose wire copies bytes). Sending one where it cannot go throws a
 * `DataCloneError` at the call site, naming the argument and the fix.
 */
import { deserialize, serialize } from 'node:v8'

import { DataCloneError } from '@concurrent/worker'

/** The key that marks a descriptor, and holds the type it describes. */
export const DESCRIPTOR = '@concurrent/multiprocessing'

/** The method a shareable object implements to describe itself. */
export const kMarshal = Symbol.for('concurrent.multiprocessing.marshal')

/** Where a value is going: a worker thread, a child process, or a queue or pipe. */
export type Destination = 'thread' | 'process' | 'channel'

/** A plain object that stands for a shareable object on the way. */
export type Descriptor = { readonly [DESCRIPTOR]: string } & Readonly<Record<string, unknown>>

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
 * `value` with every shareable object in it (a few levels deep) replaced by its descriptor.
 * Containers on the way to a replaced object are copied; anything else is returned as is.
 *
 * @throws `DataCloneError` for a thread-only object going to a process or through a channel.
 */
export function marshal(value: unknown, context: MarshalContext): unknown {
  const budget = { left: BUDGET }
  return walk(value, context, context.where, 0, budget)
}

function walk(
  value: unknown,
  context: MarshalContext,
  where: () => string,
  depth: number,
  budget: { left: number },
): unknown {
  if (typeof value !== 'object' || value === null || budget.left-- <= 0) return value
  if (kMarshal in value) {
    context.where = where
    return (value as Shareable)[kMarshal](context)
  }
  if (isShared(value)) {
    if (context.destination !== 'thread') {
      threadOnly({ ...context, where }, describeShared(value))
    }
    return value
  }
  if (depth >= MAX_DEPTH || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item !== 'object' || item === null) continue
      const next = walk(item, context, () => `${where()}[${i}]`, depth + 1, budget)
      if (next !== item) (copy ??= value.slice())[i] = next
    }
    return copy ?? value
  }
  if (value instanceof Map) {
    let copy: Map<unknown, unknown> | undefined
    for (const [key, item] of value) {
      const next = walk(item, context, () => `${where()}.get(${String(key)})`, depth + 1, budget)
      if (next !== item) (copy ??= new Map(value)).set(key, next)
    }
    return copy ?? value
  }
  if (value instanceof Set) {
    let changed = false
    const items = [...(value as Set<unknown>)].map((item) => {
      const next = walk(item, context, () => `${where()} (a Set member)`, depth + 1, budget)
      if (next !== item) changed = true
      return next
    })
    return changed ? new Set(items) : value
  }
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  let copy: Record<string, unknown> | undefined
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'object' || item === null) continue
    const next = walk(item, context, () => `${where()}.${key}`, depth + 1, budget)
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
 * `value` with every descriptor in it turned back into its object. `value` must be a fresh
 * copy (it arrived from another thread, or was copied for a queue): it is changed in place.
 */
export function revive(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value
  const type = (value as Partial<Descriptor>)[DESCRIPTOR]
  if (typeof type === 'string') {
    const reviver = revivers.get(type)
    if (reviver === undefined) {
      throw new TypeError(`Cannot revive a \`${type}\` here: its module is not loaded`)
    }
    return reviver(value as Descriptor)
  }
  if (depth >= MAX_DEPTH) return value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i], depth + 1)
  } else if (value instanceof Map) {
    for (const [key, item] of value) value.set(key, revive(item, depth + 1))
  } else if (value instanceof Set) {
    const items = [...(value as Set<unknown>)]
    value.clear()
    for (const item of items) value.add(revive(item, depth + 1))
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) record[key] = revive(record[key], depth + 1)
  }
  return value
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

/** A copy of `value` by the same algorithm as the wire's, so what one side accepts both do. */
export function copy(value: unknown, what: string): unknown {
  let bytes: Buffer
  try {
    bytes = serialize(value)
  } catch (error) {
    throw cloneError(error, what)
  }
  return deserialize(bytes)
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
