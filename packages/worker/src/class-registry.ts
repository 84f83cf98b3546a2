/**
 * The one registry of classes whose instances keep their class across a worker boundary:
 * errors, which the error codec revives as their class, and objects that travel as a
 * descriptor and are rebuilt on the other side (a `Queue` handle, a `Lock` over shared memory).
 *
 * A class is known by an id string, not by identity: the same library can be loaded more than
 * once in one thread (a bundled worker entry beside the copy in `node_modules`, a task module
 * loaded through a TypeScript loader), and each copy defines its own class objects. Each copy
 * marks its classes with their id (an own property of the constructor under a global symbol),
 * so an instance made by any copy is recognised by every other, and revived as the class of
 * whichever copy registered that id first. The registry itself lives on `globalThis`, shared by
 * every copy in the thread.
 */

/** The property, on a constructor, that holds its registered id. */
const kClassId = Symbol.for('concurrent.classId')

/**
 * How instances of a registered class travel when structured clone alone would not do: made
 * into plain data on the way out, rebuilt from it on arrival.
 *
 * @typeParam T - the class's instances.
 * @typeParam D - the plain data an instance travels as.
 * @example
 * ```ts
 * import { registerClass, type ClassCodec } from '@concurrent/worker'
 *
 * class Point {
 *   constructor(readonly x: number, readonly y: number) {}
 * }
 * const codec: ClassCodec<Point, [number, number]> = {
 *   encode: (point) => [point.x, point.y],
 *   decode: ([x, y]) => new Point(x, y),
 * }
 * // A worker whose task module never imported this module imports it to rebuild a Point.
 * registerClass(Point, { id: 'my-app:Point', codec, module: import.meta.url })
 * ```
 * @category Executors
 */
export interface ClassCodec<T, D> {
  /**
   * Turns `instance` into data structured clone can copy.
   *
   * @param destination - where it is going: a worker `'thread'`, a `'process'`, or a
   * `'channel'` (a queue or a pipe, whose wire copies bytes).
   * @param onRelease - registers what to run once the receiver is done with the value (its
   * task ended).
   * @returns data structured clone can copy; it may hold instances of registered classes,
   * which travel by their own codecs.
   * @throws `DataCloneError` when the instance cannot go to `destination`. Its message says
   * what the instance is and why it cannot go, as the end of a sentence that names the place:
   * `'a Lock, which lives in shared memory…'` reaches the caller as
   * ``Argument 1 of `task` is a Lock, which lives in shared memory…``.
   */
  encode(instance: T, destination: Destination, onRelease: (release: () => void) => void): D
  /** Rebuilds an instance from what `encode` made. */
  decode(data: D): T
}

/**
 * Where a value is going: a worker thread (shares memory), a child process, or a queue or a
 * pipe.
 *
 * @example
 * ```ts
 * import type { Destination } from '@concurrent/worker'
 *
 * const sharesMemory = (destination: Destination): boolean => destination === 'thread'
 * ```
 * @category Executors
 */
export type Destination = 'thread' | 'process' | 'channel'

/**
 * Options of {@link registerClass}.
 *
 * @example
 * ```ts
 * import { registerClass, type RegisterClassOptions } from '@concurrent/worker'
 *
 * class QuotaError extends Error {}
 * const options: RegisterClassOptions<QuotaError> = { id: 'billing:QuotaError' }
 * registerClass(QuotaError, options)
 * ```
 * @category Executors
 */
export interface RegisterClassOptions<T> {
  /**
   * The class's name across threads and processes: both sides must register the class under
   * the same id.
   *
   * @defaultValue the class's `name`
   */
  readonly id?: string | undefined
  /**
   * How instances travel, for a class structured clone cannot copy as it is (private fields,
   * shared memory, sockets). Errors need none: the error codec keeps their message, stack, own
   * properties and `cause`.
   *
   * @defaultValue none
   */
  readonly codec?: ClassCodec<T, unknown> | undefined
  /**
   * The URL of a module that registers the class (usually the `import.meta.url` of the module
   * that calls `registerClass`). A worker that receives an instance before anything there has
   * registered the class — its task module imports only the class's type — imports this module
   * first, so that it can rebuild the instance. Only meaningful with a `codec`.
   *
   * @defaultValue none: the task module must import the class's module itself
   */
  readonly module?: string | undefined
}

/** A registered class. @internal */
export interface RegisteredClass {
  readonly id: string
  readonly ctor: abstract new (...args: never[]) => unknown
  readonly codec: ClassCodec<unknown, unknown> | undefined
  /** The URL of a module that registers it, for a receiver that does not know it yet. */
  readonly module: string | undefined
}

interface Registry {
  readonly byId: Map<string, RegisteredClass>
  /** Whether any class with a codec is registered: values need no walk until one is. */
  withCodec: number
}

const registryKey = Symbol.for('concurrent.classRegistry')
const registry = ((globalThis as { [registryKey]?: Registry })[registryKey] ??= {
  byId: new Map(),
  withCodec: 0,
})

/**
 * Registers a class so that its instances keep their class when they cross to a worker and
 * back: a task's error arrives in the caller as an instance of the registered class (register
 * it in the task module and in the caller), and, with a `codec`, an instance passed as a task
 * argument is rebuilt in the worker. Registering the same class again is harmless; another
 * class under a taken id keeps the first.
 *
 * @param ctor - the class.
 * @param options - its id and, for objects structured clone cannot copy, its codec.
 * @throws TypeError when `ctor` is not a class or function, `id` is not a non-empty string, or
 *   `module` is not a string.
 * @example
 * ```ts
 * // errors.ts, imported by the task module and by the program
 * import { registerClass } from '@concurrent/worker'
 *
 * export class QuotaError extends Error {
 *   override readonly name = 'QuotaError'
 * }
 * registerClass(QuotaError)
 *
 * // main.ts: the task threw a QuotaError in its worker
 * const error = await pool.submit(tasks.charge, account).exception()
 * console.log(error instanceof QuotaError) // true
 * ```
 * @category Executors
 */
export function registerClass<T>(
  ctor: abstract new (...args: never[]) => T,
  options: RegisterClassOptions<T> = {},
): void {
  if (typeof ctor !== 'function') {
    throw new TypeError(`Expected \`ctor\` to be a class, got \`${String(ctor)}\` (${typeof ctor})`)
  }
  const id = options.id ?? ctor.name
  if (typeof id !== 'string' || id === '') {
    throw new TypeError(
      `Expected \`id\` to be a non-empty string (the class has no name: pass one), got \`${String(id)}\` (${typeof id})`,
    )
  }
  const { module } = options
  if (module !== undefined && typeof module !== 'string') {
    throw new TypeError(
      `Expected \`module\` to be a module URL string (such as \`import.meta.url\`), got \`${String(module)}\` (${typeof module})`,
    )
  }
  markClass(ctor, id)
  if (registry.byId.has(id)) return
  const codec = options.codec as ClassCodec<unknown, unknown> | undefined
  registry.byId.set(id, { id, ctor, codec, module })
  if (codec !== undefined) registry.withCodec++
}

/**
 * Marks `ctor` with `id` without registering it: for a library's own classes, marked where
 * they are defined and registered where they are revived.
 *
 * @internal
 */
export function markClass(ctor: abstract new (...args: never[]) => unknown, id: string): void {
  if (Object.hasOwn(ctor, kClassId)) return
  Object.defineProperty(ctor, kClassId, { value: id })
}

/**
 * The registered class of `value`: the nearest class on its prototype chain that carries a
 * registered id, whichever copy of the class made it.
 *
 * @internal
 */
export function registeredClassOf(value: object): RegisteredClass | undefined {
  for (
    let proto: unknown = Object.getPrototypeOf(value);
    typeof proto === 'object' && proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    const ctor = (proto as { constructor?: unknown }).constructor
    if (typeof ctor !== 'function' || !Object.hasOwn(ctor, kClassId)) continue
    const id = (ctor as unknown as Record<symbol, unknown>)[kClassId]
    if (typeof id !== 'string') continue
    const registered = registry.byId.get(id)
    if (registered !== undefined) return registered
  }
  return undefined
}

/**
 * The class registered as `id`.
 *
 * @internal
 */
export function registeredClass(id: string): RegisteredClass | undefined {
  return registry.byId.get(id)
}

/**
 * `true` if `value` is an instance of `ctor` or of the same class from another copy of its
 * module (both marked with one id): `instanceof` across copies.
 *
 * @internal
 */
export function isInstance<T>(
  value: unknown,
  ctor: abstract new (...args: never[]) => T,
): value is T {
  if (value instanceof ctor) return true
  if (typeof value !== 'object' || value === null || !Object.hasOwn(ctor, kClassId)) return false
  const id = (ctor as unknown as Record<symbol, unknown>)[kClassId]
  for (
    let proto: unknown = Object.getPrototypeOf(value);
    typeof proto === 'object' && proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    const other = (proto as { constructor?: unknown }).constructor
    if (typeof other === 'function' && Object.hasOwn(other, kClassId)) {
      if ((other as unknown as Record<symbol, unknown>)[kClassId] === id) return true
    }
  }
  return false
}

/**
 * Whether any registered class has a codec: until one does, values cross as they are.
 *
 * @internal
 */
export function hasCodecs(): boolean {
  return registry.withCodec > 0
}
