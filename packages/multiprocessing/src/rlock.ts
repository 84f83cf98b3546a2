/**
 * `RLock`: Python's `multiprocessing.RLock`, a reentrant lock in shared memory.
 */
import { InvalidStateError } from '@concurrent/future'
import type { Destination } from '@concurrent/worker'

import { Adopt, kEncode, registerHandle, threadOnly } from './internal/transport/handles.js'
import { runAsync, runBlocking, type Steps } from './internal/steps.js'
import {
  acquireOptions,
  held,
  holdTimeout,
  isLocked,
  kAcquireSteps,
  kIsOwned,
  kReleaseSave,
  kRestoreSteps,
  lockSteps,
  me,
  unlock,
  type AcquireOptions,
} from './internal/sync.js'

const STATE = 0
const OWNER = 1
const COUNT = 2

/**
 * A reentrant lock that worker threads and the main thread share — Python's
 * `multiprocessing.RLock`: the thread holding it may acquire it again, and must release it as
 * many times. Only the holder may release it.
 *
 * Everything {@link Lock} says about sharing, blocking and awaiting holds here too. The holder
 * is a thread: on the main thread, every async function counts as the same holder (as every
 * coroutine of one Python thread does), so an `RLock` does not keep two async flows of the
 * main thread apart — a {@link Lock} does.
 *
 * @example
 * ```ts
 * import { RLock } from '@concurrent/multiprocessing'
 *
 * const lock = new RLock()
 * {
 *   using _outer = await lock.holdAsync()
 *   using _inner = await lock.holdAsync() // the same thread: no wait
 * }
 * console.log(lock.locked()) // false
 * ```
 * @category Synchronization
 */
export class RLock {
  readonly #view: Int32Array

  /** Creates an unlocked reentrant lock. */
  constructor()
  /** @internal */
  constructor(adopt: Adopt<SharedArrayBuffer>)
  constructor(adopt?: Adopt<SharedArrayBuffer>) {
    this.#view = new Int32Array(
      adopt instanceof Adopt
        ? adopt.state
        : new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT),
    )
  }

  /**
   * Takes the lock, or takes it once more if this thread holds it; blocks the calling thread
   * while another holds it.
   *
   * @returns `true` once taken; `false` when another thread held it and `block: false`, or
   * when `timeout` passed first.
   * @throws `CancelledError` when the task calling it is cancelled while it waits.
   * @throws TypeError/RangeError for invalid options.
   * @example
   * ```ts
   * lock.acquire()
   * try {
   *   update()
   * } finally {
   *   lock.release()
   * }
   * ```
   */
  acquire(options: AcquireOptions = {}): boolean {
    const { block, deadline } = acquireOptions(options)
    return runBlocking(this[kAcquireSteps](block, deadline))
  }

  /**
   * Takes the lock (or once more), waiting without blocking the event loop.
   *
   * @returns a promise for `true` once taken, `false` as for {@link RLock.acquire}.
   * @throws `signal.reason` (or the task's `CancelledError`) when the wait is given up.
   * @example
   * ```ts
   * if (await lock.acquireAsync({ timeout: 1_000 })) lock.release()
   * ```
   */
  async acquireAsync(options: AcquireOptions = {}): Promise<boolean> {
    const { block, deadline } = acquireOptions(options)
    return runAsync(this[kAcquireSteps](block, deadline), options.signal)
  }

  /**
   * Takes the lock (blocking) and returns a handle that releases it once when disposed:
   * `using _held = lock.hold()` is Python's `with lock:`.
   *
   * @returns a disposable that releases the lock once.
   * @throws `TimeoutError` when `timeout` passes first.
   * @example
   * ```ts
   * using _held = lock.hold()
   * ```
   */
  hold(options: Omit<AcquireOptions, 'block'> = {}): Disposable {
    if (!this.acquire(options)) throw holdTimeout('RLock', options)
    return held(() => this.release())
  }

  /**
   * Takes the lock (awaiting) and returns a handle that releases it once when disposed.
   *
   * @returns a promise for a disposable that releases the lock once.
   * @throws `TimeoutError` when `timeout` passes first.
   * @example
   * ```ts
   * using _held = await lock.holdAsync()
   * ```
   */
  async holdAsync(options: Omit<AcquireOptions, 'block'> = {}): Promise<Disposable> {
    if (!(await this.acquireAsync(options))) throw holdTimeout('RLock', options)
    return held(() => this.release())
  }

  /**
   * Releases the lock once; the last release frees it for other threads.
   *
   * @throws `InvalidStateError` when the calling thread does not hold it.
   * @example
   * ```ts
   * lock.release()
   * ```
   */
  release(): void {
    const view = this.#view
    if (!isLocked(view, STATE) || Atomics.load(view, OWNER) !== me) {
      throw new InvalidStateError('cannot release an RLock that this thread does not hold')
    }
    if (Atomics.sub(view, COUNT, 1) > 1) return
    Atomics.store(view, OWNER, 0)
    unlock(view, STATE)
  }

  /**
   * Whether some thread holds the lock now (a hint: it may change at once).
   *
   * @returns `true` when it is held.
   * @example
   * ```ts
   * console.log(lock.locked())
   * ```
   */
  locked(): boolean {
    return isLocked(this.#view, STATE)
  }

  /** @internal */
  *[kAcquireSteps](block: boolean, deadline: number | undefined): Steps<boolean> {
    const view = this.#view
    if (Atomics.load(view, OWNER) === me && isLocked(view, STATE)) {
      Atomics.add(view, COUNT, 1)
      return true
    }
    const taken = yield* lockSteps(view, STATE, block, deadline)
    if (taken) {
      Atomics.store(view, COUNT, 1)
      Atomics.store(view, OWNER, me)
    }
    return taken
  }

  /** @internal */
  [kIsOwned](): boolean {
    return isLocked(this.#view, STATE) && Atomics.load(this.#view, OWNER) === me
  }

  /** @internal */
  [kReleaseSave](): number {
    const view = this.#view
    const count = Atomics.exchange(view, COUNT, 0)
    Atomics.store(view, OWNER, 0)
    unlock(view, STATE)
    return count
  }

  /** @internal */
  *[kRestoreSteps](saved: number): Steps<void> {
    const view = this.#view
    yield* lockSteps(view, STATE, true, undefined)
    Atomics.store(view, COUNT, saved)
    Atomics.store(view, OWNER, me)
  }

  /** @internal */
  [kEncode](destination: Destination): SharedArrayBuffer {
    threadOnly(destination, 'an RLock')
    return this.#view.buffer as SharedArrayBuffer
  }
}

registerHandle(
  RLock,
  'RLock',
  new URL('./rlock.js', import.meta.url).href,
  (buffer: SharedArrayBuffer) => new RLock(new Adopt(buffer)),
)
