/**
 * `Condition`: Python's `multiprocessing.Condition`, a condition variable in shared memory.
 *
 * Each waiter takes a slot in a fixed table (its state word, and a ticket that orders waiters
 * first come first served) while it holds the condition's lock, releases the lock, and sleeps on
 * its slot's word. `notify(n)` — also called holding the lock — marks the `n` oldest waiting
 * slots notified and wakes each one. Because the table only changes under the lock, it needs
 * no lock of its own, and `notify(1)` wakes exactly one waiter, as Python's does.
 */
import { InvalidStateError } from '@concurrent/future'
import type { Destination } from '@concurrent/worker'

import { RLock } from './rlock.js'
import type { Lock } from './lock.js'
import { Acquirable } from './internal/sync/acquirable.js'
import { expired, runAsync, runBlocking, type Steps } from './internal/sync/steps.js'
import {
  kAcquireSteps,
  kIsOwned,
  kReleaseSave,
  kRestoreSteps,
  waitDeadline,
} from './internal/sync/atomics.js'
import { Adopt, kEncode, registerHandle, threadOnly } from './internal/transport/handles.js'
import type { SyncWaitOptions } from './event.js'

/** Lets a {@link Barrier} build on a condition's waits. */
export const kWaitForSteps = Symbol.for('concurrent.multiprocessing.waitForSteps')

/** How many threads (and async waits) can wait on one condition at once. */
const SLOTS = 1024
const NEXT_TICKET = 0
const WAITING_COUNT = 1
const STATES = 2
const TICKETS = STATES + SLOTS

const FREE = 0
const WAITING = 1
const NOTIFIED = 2

/** A condition's state: its shared table and its lock. */
interface ConditionState {
  readonly buffer: SharedArrayBuffer
  readonly lock: Lock | RLock
}

/**
 * A condition variable that worker threads and the main thread share — Python's
 * `multiprocessing.Condition`: holding its lock, a thread waits until another (also holding the
 * lock) notifies it. Not for child processes: see {@link Lock}.
 *
 * `wait`/`waitFor` block the calling thread (for tasks); `waitAsync`/`waitForAsync` await
 * without blocking the event loop (for the main thread). Both release the lock while they wait
 * and hold it again when they return — also when they throw (a task cancelled while it waits,
 * a signal that aborts). At most 1024 waits can be pending on one condition at once.
 *
 * @example
 * ```ts
 * // tasks.ts: consumes items from a shared array as they are published
 * export function consume(ready: Condition, count: SharedValue<'i'>): number {
 *   using _held = ready.hold()
 *   ready.waitFor(() => count.value > 0)
 *   return count.value
 * }
 *
 * // main.ts
 * const ready = new Condition()
 * const count = Value('i', 0)
 * const result = pool.applyAsync(tasks.consume, [ready, count])
 * {
 *   using _held = await ready.holdAsync()
 *   count.value = 3
 *   ready.notifyAll()
 * }
 * console.log(await result.get()) // 3
 * ```
 * @category Synchronization
 */
export class Condition extends Acquirable {
  readonly #view: Int32Array
  readonly #lock: Lock | RLock

  /**
   * Creates a condition variable.
   *
   * @param lock - the lock it uses; a new {@link RLock} by default, as in Python.
   * @throws TypeError when `lock` is not a `Lock` or an `RLock`.
   */
  constructor(lock?: Lock | RLock)
  /** @internal */
  constructor(adopt: Adopt<ConditionState>)
  constructor(lock?: Lock | RLock | Adopt<ConditionState>) {
    super()
    if (lock instanceof Adopt) {
      this.#view = new Int32Array(lock.state.buffer)
      this.#lock = lock.state.lock
      return
    }
    if (lock !== undefined && !(typeof lock === 'object' && kIsOwned in lock)) {
      throw new TypeError('Expected `lock` to be a Lock or an RLock')
    }
    this.#view = new Int32Array(
      new SharedArrayBuffer((TICKETS + SLOTS) * Int32Array.BYTES_PER_ELEMENT),
    )
    this.#lock = lock ?? new RLock()
  }

  /**
   * Releases the underlying lock.
   *
   * @throws `InvalidStateError` when it is not held (by this thread, for an `RLock`).
   * @example
   * ```ts
   * condition.release()
   * ```
   */
  override release(): void {
    this.#lock.release()
  }

  /**
   * Releases the lock, blocks the calling thread until notified (or until `timeout`), then
   * takes the lock again. Call it holding the lock.
   *
   * @returns `true` when notified, `false` when the timeout passed first.
   * @throws `InvalidStateError` when the calling thread does not hold the lock.
   * @throws `CancelledError` when the task calling it is cancelled (the lock is held again).
   * @example
   * ```ts
   * using _held = condition.hold()
   * while (!ready.value) condition.wait()
   * ```
   */
  wait(options: SyncWaitOptions = {}): boolean {
    return runBlocking(this.#waitSteps(waitDeadline(options)))
  }

  /**
   * Like {@link Condition.wait}, awaiting instead of blocking — the form for the main thread.
   *
   * @returns a promise for `true` when notified, `false` on timeout.
   * @throws `InvalidStateError` when the calling thread does not hold the lock.
   * @throws `signal.reason` when the wait is given up (the lock is held again).
   * @example
   * ```ts
   * using _held = await condition.holdAsync()
   * await condition.waitAsync({ timeout: 1_000 })
   * ```
   */
  async waitAsync(options: SyncWaitOptions = {}): Promise<boolean> {
    return runAsync(this.#waitSteps(waitDeadline(options)), options.signal)
  }

  /**
   * Waits (blocking) until `predicate()` is true, checking it first and after every
   * notification — Python's `wait_for`. Call it holding the lock.
   *
   * @param predicate - evaluated holding the lock.
   * @returns the predicate's last value: truthy unless the timeout passed.
   * @throws `InvalidStateError` when the calling thread does not hold the lock.
   * @example
   * ```ts
   * using _held = condition.hold()
   * condition.waitFor(() => queueLength.value > 0)
   * ```
   */
  waitFor<T>(predicate: () => T, options: SyncWaitOptions = {}): T {
    return runBlocking(this.#waitForSteps(predicate, waitDeadline(options)))
  }

  /**
   * Like {@link Condition.waitFor}, awaiting instead of blocking.
   *
   * @param predicate - evaluated holding the lock.
   * @returns a promise for the predicate's last value.
   * @example
   * ```ts
   * using _held = await condition.holdAsync()
   * await condition.waitForAsync(() => done.value === total)
   * ```
   */
  async waitForAsync<T>(predicate: () => T, options: SyncWaitOptions = {}): Promise<T> {
    return runAsync(this.#waitForSteps(predicate, waitDeadline(options)), options.signal)
  }

  /**
   * Wakes the `n` longest-waiting threads, if that many wait. Call it holding the lock; the
   * woken threads run once they get the lock back.
   *
   * @param n - how many to wake.
   * @throws `InvalidStateError` when the calling thread does not hold the lock.
   * @throws RangeError when `n` is negative.
   * @example
   * ```ts
   * using _held = condition.hold()
   * items.value += 1
   * condition.notify()
   * ```
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || Number.isNaN(n) || n < 0) {
      throw new RangeError(`Expected \`n\` to be a number from 0 and up, got \`${String(n)}\``)
    }
    this.#checkOwned('notify on')
    const view = this.#view
    for (let woken = 0; woken < n && Atomics.load(view, WAITING_COUNT) > 0; woken++) {
      let oldest = -1
      for (let slot = 0; slot < SLOTS; slot++) {
        if (Atomics.load(view, STATES + slot) !== WAITING) continue
        // Tickets wrap around; compare their difference.
        const ticket = Atomics.load(view, TICKETS + slot)
        if (oldest === -1 || ((ticket - Atomics.load(view, TICKETS + oldest)) | 0) < 0) {
          oldest = slot
        }
      }
      if (oldest === -1) break
      Atomics.sub(view, WAITING_COUNT, 1)
      Atomics.store(view, STATES + oldest, NOTIFIED)
      Atomics.notify(view, STATES + oldest)
    }
  }

  /**
   * Wakes every waiting thread — Python's `notify_all()`.
   *
   * @throws `InvalidStateError` when the calling thread does not hold the lock.
   * @example
   * ```ts
   * using _held = condition.hold()
   * finished.value = 1
   * condition.notifyAll()
   * ```
   */
  notifyAll(): void {
    this.notify(Infinity)
  }

  /** @internal */
  [kWaitForSteps]<T>(predicate: () => T, deadline: number | undefined): Steps<T> {
    return this.#waitForSteps(predicate, deadline)
  }

  /** @internal */
  [kEncode](destination: Destination): ConditionState {
    threadOnly(destination, 'a Condition')
    // The lock travels by its own codec.
    return { buffer: this.#view.buffer as SharedArrayBuffer, lock: this.#lock }
  }

  /** @internal */
  override [kAcquireSteps](block: boolean, deadline: number | undefined): Steps<boolean> {
    return this.#lock[kAcquireSteps](block, deadline)
  }

  #checkOwned(action: string): void {
    if (!this.#lock[kIsOwned]()) {
      throw new InvalidStateError(
        `cannot ${action} a Condition whose lock this thread does not hold`,
      )
    }
  }

  *#waitForSteps<T>(predicate: () => T, deadline: number | undefined): Steps<T> {
    let result = predicate()
    while (!result) {
      if (expired(deadline)) break
      yield* this.#waitSteps(deadline)
      result = predicate()
    }
    return result
  }

  *#waitSteps(deadline: number | undefined): Steps<boolean> {
    this.#checkOwned('wait on')
    const view = this.#view
    const slot = this.#takeSlot()
    const saved = this.#lock[kReleaseSave]()
    let finished = false
    let notified = false
    try {
      for (;;) {
        if (Atomics.load(view, STATES + slot) === NOTIFIED) break
        const outcome = yield { view, index: STATES + slot, expected: WAITING, deadline }
        if (outcome === 'timed-out') break
      }
      finished = true
    } finally {
      yield* this.#lock[kRestoreSteps](saved)
      // Holding the lock again: a notification that came after the timeout still counts.
      notified = Atomics.load(view, STATES + slot) === NOTIFIED
      if (!notified) Atomics.sub(view, WAITING_COUNT, 1)
      Atomics.store(view, STATES + slot, FREE)
      // A waiter that was notified but leaves by an exception passes the notification on.
      if (!finished && notified) this.notify(1)
    }
    return notified
  }

  /** A free slot, marked waiting with the next ticket. Called holding the lock. */
  #takeSlot(): number {
    const view = this.#view
    for (let slot = 0; slot < SLOTS; slot++) {
      if (Atomics.load(view, STATES + slot) !== FREE) continue
      const ticket = Atomics.load(view, NEXT_TICKET)
      Atomics.store(view, TICKETS + slot, ticket)
      Atomics.store(view, NEXT_TICKET, (ticket + 1) | 0)
      Atomics.add(view, WAITING_COUNT, 1)
      Atomics.store(view, STATES + slot, WAITING)
      return slot
    }
    throw new RangeError(`more than ${SLOTS} waits pending on one Condition`)
  }
}

registerHandle(
  Condition,
  'Condition',
  new URL('./condition.js', import.meta.url).href,
  (state: ConditionState) => new Condition(new Adopt(state)),
)
