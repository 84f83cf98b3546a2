/**
 * How instances of registered classes travel: the other half of the class registry. A class
 * registered with a codec (a `Queue` handle, a `Lock` over shared memory, a user's own) is an
 * object structured clone would flatten into useless plain data, so wherever one leaves for
 * another thread or process — a task's arguments, a pool's `initargs`, an item on a queue or a
 * pipe — {@link encodeValue} replaces it by a plain handle, `{ id, module, data }`, and on
 * arrival {@link decodeValue} turns each handle into an instance again with the codec
 * registered under `id`.
 *
 * Handles are marked out of band. `encodeValue` returns the value together with the list of
 * places (paths of keys and indexes) where it put a handle, and `decodeValue` turns into objects
 * what sits at those places and nothing else: a user's value that merely looks like a handle
 * stays plain data, wherever it travels. Only `encodeValue`, handed a real instance of a
 * registered class, ever adds a place to the list. A codec's data may hold instances of
 * registered classes in turn (a shared `Value` and its `Lock`): they travel as handles of their
 * own, placed before the handle that holds them, so they are revived first.
 *
 * How a receiver learns a codec: a class is registered where it is defined, so a thread that
 * has loaded the class knows its codec. A worker whose task module never imported it (a task
 * that takes a `Lock` and imports only its type) does not; for it a handle names the `module`
 * that registers the class (`RegisterClassOptions.module`), and {@link loadCodecs} imports that
 * module before anything is decoded. The registry is per thread and shared by every copy of a
 * module in it, so whichever copy registered first decodes.
 *
 * What can go where is decided while encoding: a codec refuses a destination its instances
 * cannot reach (shared memory to a process), and a `SharedArrayBuffer` (or a view of one) goes
 * only to a worker thread. Either throws a `DataCloneError` at the call site, naming the place
 * (`Argument 2 of \`resize\`.options.lock is a Lock, which …`).
 *
 * The walk looks a few levels deep within a budget. While no class with a codec is registered
 * in this thread ({@link hasCodecs}), callers skip it altogether: values cross as they are.
 */
import { DataCloneError } from '../errors.js'
import { registeredClass, registeredClassOf, type Destination } from '../class-registry.js'

/**
 * Where a handle sits in an encoded value: from the root, a key of a plain object, an index of
 * an array, or the position of a `Map` entry or a `Set` member (in iteration order, which
 * structured clone keeps).
 *
 * @internal
 */
export type HandlePath = ReadonlyArray<string | number>

/**
 * A value ready to travel, and the places in it where handles sit.
 *
 * @internal
 */
export interface Encoded {
  readonly value: unknown
  /** Carried beside `value`, never inside it; empty when `value` holds no handle. */
  readonly handles: readonly HandlePath[]
}

/** A handle: an instance of a registered class, as it travels. */
interface Handle {
  /** The class's registered id. */
  readonly id: string
  /** The module that registers the class, imported by a receiver that does not know it yet. */
  readonly module: string | undefined
  /** What the class's codec made of the instance. */
  readonly data: unknown
}

/** How many container levels below a value (or below a handle's data) are looked into. */
const MAX_DEPTH = 8
/** The longest path to a handle: handles nested in handles' data, a few levels each. */
const MAX_PATH = 32
/** How many objects one encoding looks at, at most. */
const BUDGET = 100_000

interface Walker {
  readonly destination: Destination
  readonly onRelease: (release: () => void) => void
  readonly handles: HandlePath[]
  budget: number
}

/**
 * `value` with every instance of a registered class that has a codec (a few levels deep)
 * replaced by its handle, and the places of the handles. Containers on the way to a replaced
 * instance are copied; anything else is returned as it is.
 *
 * @param destination - where the value is going.
 * @param onRelease - receives what to run once the receiver is done with the value.
 * @param where - names the value in errors (`argument 1 of \`task\``); a place inside it is
 *   added (`.options.lock`, `[2]`).
 * @throws `DataCloneError` naming the place, when a codec refuses `destination`, or shared
 *   memory is going anywhere but to a worker thread.
 * @internal
 */
export function encodeValue(
  value: unknown,
  destination: Destination,
  onRelease: (release: () => void) => void,
  where: () => string = () => 'the value',
): Encoded {
  const walker: Walker = { destination, onRelease, handles: [], budget: BUDGET }
  const encoded = walk(value, walker, where, [], 0)
  return { value: encoded, handles: walker.handles }
}

function walk(
  value: unknown,
  walker: Walker,
  where: () => string,
  path: Array<string | number>,
  depth: number,
): unknown {
  if (typeof value !== 'object' || value === null || walker.budget-- <= 0) return value
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH || path.length >= MAX_PATH) return value
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item !== 'object' || item === null) continue
      path.push(i)
      const next = walk(item, walker, () => `${where()}[${i}]`, path, depth + 1)
      path.pop()
      if (next !== item) (copy ??= value.slice())[i] = next
    }
    return copy ?? value
  }
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype === Object.prototype || prototype === null) {
    if (depth >= MAX_DEPTH || path.length >= MAX_PATH) return value
    let copy: Record<string, unknown> | undefined
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key]
      if (typeof item !== 'object' || item === null) continue
      path.push(key)
      const next = walk(item, walker, () => `${where()}.${key}`, path, depth + 1)
      path.pop()
      if (next !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = next
    }
    return copy ?? value
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || isShared(value)) {
    if (walker.destination !== 'thread' && isShared(value)) {
      throw new DataCloneError(
        `${capitalized(where())} is ${describeShared(value)}, ${sharedMemoryReason(walker.destination)}`,
      )
    }
    return value
  }
  const registered = registeredClassOf(value)
  if (registered?.codec !== undefined) {
    if (path.length >= MAX_PATH) return value
    let data: unknown
    try {
      data = registered.codec.encode(value, walker.destination, walker.onRelease)
    } catch (error) {
      if (!(error instanceof DataCloneError)) throw error
      // The codec says what the instance is and why it cannot go; the place is ours to add.
      throw new DataCloneError(`${capitalized(where())} is ${error.message}`, undefined, {
        cause: error,
      })
    }
    // What the codec made may hold registered instances in turn: they travel as handles of
    // their own, listed before this one so that they are revived first.
    path.push('data')
    const inner = walk(data, walker, where, path, 0)
    path.pop()
    walker.handles.push([...path])
    const handle: Handle = { id: registered.id, module: registered.module, data: inner }
    return handle
  }
  if (depth >= MAX_DEPTH || path.length >= MAX_PATH) return value
  if (value instanceof Map) {
    let copy: Map<unknown, unknown> | undefined
    let index = 0
    for (const [key, item] of value) {
      path.push(index++)
      const next = walk(item, walker, () => `${where()}.get(${String(key)})`, path, depth + 1)
      path.pop()
      if (next !== item) (copy ??= new Map(value)).set(key, next)
    }
    return copy ?? value
  }
  if (value instanceof Set) {
    let changed = false
    let index = 0
    const members = [...(value as Set<unknown>)].map((item) => {
      path.push(index++)
      const next = walk(item, walker, () => `${where()} (a Set member)`, path, depth + 1)
      path.pop()
      if (next !== item) changed = true
      return next
    })
    return changed ? new Set(members) : value
  }
  return value
}

/**
 * The modules to import before `value` can be decoded: those named by its handles whose class
 * this thread has not registered. Imports them with `load`.
 *
 * @returns a promise that settles once they are loaded, or `undefined` when none is needed
 *   (nothing to await).
 * @throws TypeError (as a rejection) when a module cannot be loaded.
 * @internal
 */
export function loadCodecs(
  value: unknown,
  handles: readonly HandlePath[],
  load: (url: string) => Promise<unknown> = (url) => import(url),
): Promise<void> | undefined {
  let modules: Set<string> | undefined
  for (const path of handles) {
    const handle = at(value, path)
    if (!isHandle(handle) || registeredClass(handle.id)?.codec !== undefined) continue
    if (handle.module !== undefined) (modules ??= new Set()).add(handle.module)
  }
  if (modules === undefined) return undefined
  return Promise.all(
    [...modules].map(async (url) => {
      try {
        await load(url)
      } catch (error) {
        throw new TypeError(
          `Cannot revive an argument: the module that registers its class (${url}) could not be loaded in this worker`,
          { cause: error },
        )
      }
    }),
  ).then(() => undefined)
}

/**
 * `value` with the handle at each of `handles` turned back into its instance; nothing else in
 * it is looked at. The value must be a fresh copy (it arrived from another thread, or was read
 * from bytes): it is changed in place.
 *
 * @throws TypeError when a place does not hold a handle, or no codec is registered for its
 *   class in this thread (see {@link loadCodecs}).
 * @internal
 */
export function decodeValue(value: unknown, handles: readonly HandlePath[]): unknown {
  let root = value
  for (const path of handles) {
    if (path.length === 0) {
      root = decodeHandle(root)
      continue
    }
    let container: unknown = root
    for (let i = 0; i < path.length - 1; i++)
      container = child(container, path[i] as string | number)
    replaceChild(container, path[path.length - 1] as string | number)
  }
  return root
}

/**
 * Whether `value` is a list of handle places, as {@link encodeValue} makes them: what a
 * receiver checks before it trusts one.
 *
 * @internal
 */
export function isHandleList(value: unknown): value is HandlePath[] {
  return (
    Array.isArray(value) &&
    value.length <= BUDGET &&
    value.every(
      (path) =>
        Array.isArray(path) &&
        path.length <= MAX_PATH &&
        path.every((step) => typeof step === 'string' || (Number.isSafeInteger(step) && step >= 0)),
    )
  )
}

function decodeHandle(handle: unknown): unknown {
  if (!isHandle(handle)) {
    throw new TypeError('Cannot revive a handle: the value at its place is not a handle')
  }
  const codec = registeredClass(handle.id)?.codec
  if (codec === undefined) {
    throw new TypeError(
      `Cannot revive a \`${handle.id}\` here: no class with a codec is registered under that id in this thread (import the module that registers it)`,
    )
  }
  return codec.decode(handle.data)
}

function isHandle(value: unknown): value is Handle {
  if (typeof value !== 'object' || value === null) return false
  const { id, module } = value as Partial<Handle>
  return typeof id === 'string' && (module === undefined || typeof module === 'string')
}

/** What sits at `path` in `value`, or `undefined` when the path leads nowhere. */
function at(value: unknown, path: HandlePath): unknown {
  let current = value
  for (const step of path) {
    try {
      current = child(current, step)
    } catch {
      return undefined
    }
  }
  return current
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

function replaceChild(container: unknown, step: string | number): void {
  if (Array.isArray(container) && typeof step === 'number' && step < container.length) {
    container[step] = decodeHandle(container[step])
  } else if (container instanceof Map && typeof step === 'number' && step < container.size) {
    const key: unknown = [...container.keys()][step]
    container.set(key, decodeHandle(container.get(key)))
  } else if (container instanceof Set && typeof step === 'number' && step < container.size) {
    const members = [...(container as Set<unknown>)]
    members[step] = decodeHandle(members[step])
    container.clear()
    for (const member of members) container.add(member)
  } else if (isRecord(container) && typeof step === 'string' && Object.hasOwn(container, step)) {
    container[step] = decodeHandle(container[step])
  } else {
    throw new TypeError('Cannot revive a handle: its place is not in the value')
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
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

/**
 * Why shared memory cannot go to `destination` (a process, or a queue or pipe), and what to do
 * instead: the end of a `DataCloneError` message that names the value first.
 *
 * @internal
 */
export function sharedMemoryReason(destination: Destination): string {
  return destination === 'channel'
    ? 'which lives in shared memory and cannot travel through a Queue or a Pipe (they copy bytes): pass it to the task as an argument instead, on worker threads'
    : "which lives in shared memory (a SharedArrayBuffer) that only worker threads of one process share, so it cannot reach a task in a child process: run tasks that share memory or locks on worker threads (a ThreadPoolExecutor, or kind: 'thread' for a Pool or Process), or exchange data through a Queue or a Pipe, which work across processes"
}

function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`
}
