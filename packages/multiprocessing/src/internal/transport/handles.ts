/**
 * How this package's objects travel, through the class registry of `@concurrent/worker`. A
 * `Queue`, a pipe's `Connection`, a `Lock` or a shared `Value` is a class instance with private
 * state, which structured clone would flatten into a useless plain object. Each class is
 * registered, in its own module, with a codec: wherever one of its instances leaves for another
 * thread or process — a task's arguments on any executor, a pool's `initargs`, an item on a
 * queue or a pipe — it travels as plain data, and on arrival it is rebuilt as a working object:
 * a queue or pipe handle that talks to the owner of the state, a lock over the same shared
 * memory.
 *
 * - **Encoding** is the instance's own method ({@link kEncode}), so an instance made by any
 *   copy of this package (a task module loaded through a TypeScript loader gets its own) is
 *   encoded by its own class.
 * - **Decoding** hands the data to the class's constructor wrapped in {@link Adopt}: the
 *   instance adopts existing state (shared memory, a link to an owner) instead of making new.
 *   Nothing passes through a module variable on the way.
 * - **Where each class can go** is decided by its encoder: queues and pipes go anywhere; locks
 *   and shared values only to worker threads of this process ({@link threadOnly}).
 * - **Which workers know the codecs**: every registration names the class's own module, so a
 *   worker whose task module imports only the class's type imports that module before it
 *   rebuilds the instance.
 */
import { DataCloneError, registerClass, type Destination } from '@concurrent/worker'
import { sharedMemoryReason } from '@concurrent/worker/internal'

/** The method an instance of this package encodes itself with; registered, so copies agree. */
export const kEncode = Symbol.for('concurrent.multiprocessing.encode')

/** An object that can encode itself for another thread or process. */
export interface Encodable {
  /**
   * The data this object travels as to `destination`; it may hold other encodable objects,
   * which travel by their own codecs.
   *
   * @throws `DataCloneError` when the object cannot go there.
   */
  [kEncode](destination: Destination, onRelease: (release: () => void) => void): unknown
}

/**
 * What a class's constructor is given, instead of its public arguments, to adopt existing
 * state rather than make new: a decoded instance's shared memory, a new pipe's link.
 */
export class Adopt<S> {
  constructor(readonly state: S) {}
}

/**
 * Registers `ctor` as one of this package's classes that travel: as `concurrent:<name>`, with
 * the codec that encodes an instance by its own {@link kEncode} and rebuilds one with `decode`.
 *
 * @param module - the URL of `ctor`'s own module, which registers it: a worker that has not
 *   loaded it imports it before decoding.
 */
export function registerHandle<T extends Encodable>(
  ctor: abstract new (...args: never[]) => T,
  name: string,
  module: string,
  decode: (data: never) => T,
): void {
  registerClass<T>(ctor, {
    id: `concurrent:${name}`,
    module,
    codec: {
      encode: (instance, destination, onRelease) => instance[kEncode](destination, onRelease),
      // The data is what this class's own encoder made.
      decode,
    },
  })
}

/**
 * Refuses to send `what` (`'a Lock'`) anywhere but to a worker thread of this process: it lives
 * in shared memory.
 *
 * @throws `DataCloneError` whose message completes the place the object was found at.
 */
export function threadOnly(destination: Destination, what: string): void {
  if (destination !== 'thread') {
    throw new DataCloneError(`${what}, ${sharedMemoryReason(destination)}`)
  }
}
