/**
 * What the synchronization primitives share: the futex-style mutex (Ulrich Drepper's
 * "Futexes Are Tricky", mutex 2) that `Lock` and `RLock` are built on, the protocol a
 * `Condition` uses to release and re-take its lock, the identity of the calling thread, and
 * option checks.
 */
import { threadId } from 'node:worker_threads'

import { checkSignal, checkTimeout, describe } from '@concurrent/future/internal'

import type { Destination } from '@concurrent/worker'

import { Adopt, threadOnly } from '../transport/handles.js'
import { deadlineFor, type Steps } from './steps.js'

/** This thread, as an owner word holds it (0 means nobody). */
export const me = threadId + 1

/** A mutex word: unlocked; locked; locked with (maybe) someone waiting. */
const UNLOCKED = 0
const LOCKED = 1
const CONTENDED = 2

/**
 * Takes the mutex at `view[index]`, waiting (`block`) until `deadline`.
 *
 * @returns whether it was taken.
 */
export function* lockSteps(
  view: Int32Array,
  index: number,
  block: boolean,
  deadline: number | undefined,
): Steps<boolean> {
  let state = Atomics.compareExchange(view, index, UNLOCKED, LOCKED)
  if (state === UNLOCKED) return true
  if (!block) return false
  for (;;) {
    if (
      state === CONTENDED ||
      Atomics.compareExchange(view, index, LOCKED, CONTENDED) !== UNLOCKED
    ) {
      const outcome = yield { view, index, expected: CONTENDED, deadline }
      if (outcome === 'timed-out') {
        return Atomics.compareExchange(view, index, UNLOCKED, CONTENDED) === UNLOCKED
      }
    }
    state = Atomics.compareExchange(view, index, UNLOCKED, CONTENDED)
    if (state === UNLOCKED) return true
  }
}

/** Releases the mutex at `view[index]`, waking one waiter if there may be one. */
export function unlock(view: Int32Array, index: number): void {
  if (Atomics.sub(view, index, 1) !== LOCKED) {
    Atomics.store(view, index, UNLOCKED)
    Atomics.notify(view, index, 1)
  }
}

/** Whether the mutex at `view[index]` is held by anyone. */
export function isLocked(view: Int32Array, index: number): boolean {
  return Atomics.load(view, index) !== UNLOCKED
}

/**
 * How a {@link Condition} drives the lock it was given (Python's `_release_save` protocol): a
 * `Lock` and an `RLock` implement these, and every `Acquirable` its acquire steps.
 * Registered symbols, so that copies of this module (a task module loaded through a TypeScript
 * loader gets its own) agree on them.
 */
export const kIsOwned = Symbol.for('concurrent.multiprocessing.isOwned')
export const kReleaseSave = Symbol.for('concurrent.multiprocessing.releaseSave')
export const kRestoreSteps = Symbol.for('concurrent.multiprocessing.restoreSteps')
export const kAcquireSteps = Symbol.for('concurrent.multiprocessing.acquireSteps')

/**
 * Options of the acquiring methods: `acquire`, `acquireAsync`, `hold` and `holdAsync` of
 * {@link Lock}, {@link RLock}, {@link Semaphore}, {@link BoundedSemaphore} and
 * {@link Condition}.
 *
 * @example
 * ```ts
 * import { Lock } from '@concurrent/multiprocessing'
 *
 * const lock = new Lock()
 * if (await lock.acquireAsync({ timeout: 1_000 })) {
 *   try {
 *     // the critical section
 *   } finally {
 *     lock.release()
 *   }
 * }
 * ```
 * @category Synchronization
 */
export interface AcquireOptions {
  /**
   * Wait for the lock when it is held. With `false`, `acquire` returns `false` at once instead
   * (Python's `acquire(block=False)`).
   *
   * @defaultValue `true`
   */
  readonly block?: boolean | undefined
  /**
   * Milliseconds to wait for it; when they pass, `acquire` returns `false` (and `hold` throws
   * `TimeoutError`).
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
  /**
   * Gives the wait up (the awaitable forms only): the promise rejects with `signal.reason`.
   * Inside a task, the task's own cancellation gives any wait up, blocking or not.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/** Validates acquire options. @returns `block` and the deadline. */
export function acquireOptions(options: AcquireOptions): {
  block: boolean
  deadline: number | undefined
} {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected options to be an object, got ${describe(options)}`)
  }
  const { block = true, timeout } = options
  if (typeof block !== 'boolean') {
    throw new TypeError(`Expected \`block\` to be a boolean, got ${describe(block)}`)
  }
  checkTimeout(timeout)
  checkSignal(options.signal)
  if (!block && timeout !== undefined) {
    throw new TypeError('`timeout` is meaningless with `block: false`: pass one or the other')
  }
  return { block, deadline: deadlineFor(timeout) }
}

/** Validates wait options (`timeout`, `signal`). @returns the deadline. */
export function waitDeadline(options: {
  readonly timeout?: number | undefined
  readonly signal?: AbortSignal | undefined
}): number | undefined {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected options to be an object, got ${describe(options)}`)
  }
  checkTimeout(options.timeout)
  checkSignal(options.signal)
  return deadlineFor(options.timeout)
}

/**
 * The shared memory of a primitive: the `words` 32-bit words it adopted (`adopt`, when it was
 * decoded), or new ones, zeroed.
 */
export function sharedWords(
  adopt: Adopt<SharedArrayBuffer> | undefined,
  words: number,
): Int32Array {
  return new Int32Array(
    adopt instanceof Adopt
      ? adopt.state
      : new SharedArrayBuffer(words * Int32Array.BYTES_PER_ELEMENT),
  )
}

/**
 * What a primitive that is only shared memory travels as: the buffer under `view`, to worker
 * threads only.
 *
 * @throws `DataCloneError` for any other destination (see {@link threadOnly}).
 */
export function sharedBuffer(
  view: Int32Array,
  destination: Destination,
  what: string,
): SharedArrayBuffer {
  threadOnly(destination, what)
  return view.buffer as SharedArrayBuffer
}
