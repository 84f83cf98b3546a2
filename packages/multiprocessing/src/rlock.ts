/**
 * `RLock`: Python's `multiprocessing.RLock`, a reentrant lock in shared memory.
 */
import { InvalidStateError } from '@concurrent/future'
import type { Destination } from '@concurrent/worker'

import { Adopt, kEncode, registerHandle } from './internal/transport/handles.js'
import { Acquirable } from './internal/sync/acquirable.js'
import type { Steps } from './internal/sync/steps.js'
import {
  isLocked,
  kAcquireSteps,
  kIsOwned,
  kReleaseSave,
  kRestoreSteps,
  lockSteps,
  me,
  sharedBuffer,
  sharedWords,
  unlock,
} from './internal/sync/atomics.js'

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
export class RLock extends Acquirable {
  readonly #view: Int32Array

  /** Creates an unlocked reentrant lock. */
  constructor()
  /** @internal */
  constructor(adopt: Adopt<SharedArrayBuffer>)
  constructor(adopt?: Adopt<SharedArrayBuffer>) {
    super()
    this.#view = sharedWords(adopt, 3)
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
  override release(): void {
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
  override *[kAcquireSteps](block: boolean, deadline: number | undefined): Steps<boolean> {
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
    return sharedBuffer(this.#view, destination, 'an RLock')
  }
}

registerHandle(
  RLock,
  'RLock',
  new URL('./rlock.js', import.meta.url).href,
  (buffer: SharedArrayBuffer) => new RLock(new Adopt(buffer)),
)
