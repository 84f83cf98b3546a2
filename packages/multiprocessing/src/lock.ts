/**
 * `Lock`: Python's `multiprocessing.Lock`, a mutex in shared memory that the main thread and
 * tasks in worker threads take in turn.
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

/**
 * A lock that worker threads and the main thread share: one holder at a time — Python's
 * `multiprocessing.Lock`. It lives in a `SharedArrayBuffer` and is taken with `Atomics`, so it
 * costs a few nanoseconds when free and never involves the event loop.
 *
 * Pass it as an argument to tasks on worker threads: a `ThreadPoolExecutor`'s, or a
 * {@link Pool}'s or {@link Process}'s with `kind: 'thread'`. A child process shares no memory
 * with its parent: handing a lock to a task in a process (a `ProcessPoolExecutor`,
 * `kind: 'process'`) throws `DataCloneError` at the call site.
 *
 * - **Blocking or awaiting**: inside a task, `acquire()` and `hold()` block the worker thread
 *   (`Atomics.wait`), as Python's do. On the main thread use `acquireAsync()` and
 *   `holdAsync()`, which wait without blocking the event loop (`Atomics.waitAsync`); the
 *   blocking forms work there too, but stop the event loop while they wait.
 * - **Cancel**: a task cancelled while it waits (`future.cancel({ interrupt: true })`, a
 *   timeout) stops waiting with `CancelledError`; `signal` gives up an awaitable wait.
 * - **Not reentrant**: a holder that acquires again waits for itself; use {@link RLock}.
 *   Any thread may release it, as in Python.
 *
 * @example
 * ```ts
 * // tasks.ts: a task that adds under the lock
 * import type { Lock, SharedValue } from '@concurrent/multiprocessing'
 *
 * export function addMany(counter: SharedValue<'i'>, lock: Lock, times: number): void {
 *   for (let i = 0; i < times; i++) {
 *     using _held = lock.hold()
 *     counter.value += 1
 *   }
 * }
 *
 * // main.ts
 * import { Lock, Pool, RawValue, taskModule } from '@concurrent/multiprocessing'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * const counter = RawValue('i', 0)
 * const lock = new Lock()
 * await using pool = new Pool({ processes: 2, kind: 'thread' })
 * await pool.starmap(tasks.addMany, [[counter, lock, 1000], [counter, lock, 1000]])
 * console.log(counter.value) // 2000
 * ```
 * @category Synchronization
 */
export class Lock extends Acquirable {
  readonly #view: Int32Array

  /** Creates an unlocked lock. */
  constructor()
  /** @internal */
  constructor(adopt: Adopt<SharedArrayBuffer>)
  constructor(adopt?: Adopt<SharedArrayBuffer>) {
    super()
    this.#view = sharedWords(adopt, 2)
  }

  /**
   * Releases the lock. Any thread may release it, as in Python.
   *
   * @throws `InvalidStateError` when it is not locked.
   * @example
   * ```ts
   * lock.release()
   * ```
   */
  override release(): void {
    if (!isLocked(this.#view, STATE)) {
      throw new InvalidStateError('release() was called on a Lock that is not locked')
    }
    Atomics.store(this.#view, OWNER, 0)
    unlock(this.#view, STATE)
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
    const taken = yield* lockSteps(this.#view, STATE, block, deadline)
    if (taken) Atomics.store(this.#view, OWNER, me)
    return taken
  }

  /** @internal */
  [kIsOwned](): boolean {
    return isLocked(this.#view, STATE) && Atomics.load(this.#view, OWNER) === me
  }

  /** @internal */
  [kReleaseSave](): number {
    this.release()
    return 1
  }

  /** @internal */
  *[kRestoreSteps](): Steps<void> {
    yield* this[kAcquireSteps](true, undefined)
  }

  /** @internal */
  [kEncode](destination: Destination): SharedArrayBuffer {
    return sharedBuffer(this.#view, destination, 'a Lock')
  }
}

registerHandle(
  Lock,
  'Lock',
  new URL('./lock.js', import.meta.url).href,
  (buffer: SharedArrayBuffer) => new Lock(new Adopt(buffer)),
)
