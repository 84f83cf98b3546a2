/**
 * The one way to take a lock, a semaphore's slot or a condition's lock: `acquire` and `hold`
 * block the calling thread, `acquireAsync` and `holdAsync` await, and all four run the same
 * algorithm — the subclass's acquire steps (see `steps.ts`), driven blocking or awaiting — and
 * give back with the subclass's `release`.
 */
import { TimeoutError } from '@concurrent/future'

import { runAsync, runBlocking, type Steps } from './steps.js'
import { acquireOptions, kAcquireSteps, type AcquireOptions } from './atomics.js'

/**
 * What {@link Lock}, {@link RLock}, {@link Semaphore} (and {@link BoundedSemaphore}) and
 * {@link Condition} share: taking them, blocking or awaiting, at once or as a hold that gives
 * back when disposed — Python's `acquire()`, `release()` and `with`.
 *
 * @example
 * ```ts
 * import { Condition, Lock, Semaphore } from '@concurrent/multiprocessing'
 *
 * for (const guard of [new Lock(), new Semaphore(2), new Condition()]) {
 *   using _held = await guard.holdAsync({ timeout: 1_000 })
 *   console.log(`inside, holding a ${guard.constructor.name}`)
 * }
 * ```
 * @category Synchronization
 */
export abstract class Acquirable {
  /**
   * Takes it, blocking the calling thread until it can — Python's `acquire()`.
   *
   * @returns `true` once taken; `false` when it could not be taken at once and `block: false`,
   * or when `timeout` passed first.
   * @throws `CancelledError` when the task calling it is cancelled while it waits.
   * @throws TypeError/RangeError for invalid options.
   * @example
   * ```ts
   * if (lock.acquire({ timeout: 100 })) {
   *   try {
   *     counter.value += 1
   *   } finally {
   *     lock.release()
   *   }
   * }
   * ```
   */
  acquire(options: AcquireOptions = {}): boolean {
    const { block, deadline } = acquireOptions(options)
    return runBlocking(this[kAcquireSteps](block, deadline))
  }

  /**
   * Takes it, waiting without blocking the event loop — the form for the main thread.
   *
   * @returns a promise for `true` once taken, `false` as for {@link Acquirable.acquire}.
   * @throws `signal.reason` (or the task's `CancelledError`) when the wait is given up.
   * @throws TypeError/RangeError (as a rejection) for invalid options.
   * @example
   * ```ts
   * if (await lock.acquireAsync({ timeout: 1_000 })) {
   *   try {
   *     console.log(counter.value)
   *   } finally {
   *     lock.release()
   *   }
   * }
   * ```
   */
  async acquireAsync(options: AcquireOptions = {}): Promise<boolean> {
    const { block, deadline } = acquireOptions(options)
    return runAsync(this[kAcquireSteps](block, deadline), options.signal)
  }

  /**
   * Takes it (blocking, as {@link Acquirable.acquire}) and returns a handle that gives it back
   * once when disposed: `using _held = lock.hold()` is Python's `with lock:`.
   *
   * @returns a disposable that releases once.
   * @throws `TimeoutError` when `timeout` passes first.
   * @throws `CancelledError` when the task calling it is cancelled while it waits.
   * @example
   * ```ts
   * {
   *   using _held = lock.hold()
   *   counter.value += 1
   * } // released here
   * ```
   */
  hold(options: Omit<AcquireOptions, 'block'> = {}): Disposable {
    if (!this.acquire(options)) throw this.#timedOut(options)
    return held(() => this.release())
  }

  /**
   * Takes it (awaiting, as {@link Acquirable.acquireAsync}) and returns a handle that gives it
   * back once when disposed: `using _held = await lock.holdAsync()`.
   *
   * @returns a promise for a disposable that releases once.
   * @throws `TimeoutError` when `timeout` passes first.
   * @throws `signal.reason` when the wait is given up.
   * @example
   * ```ts
   * {
   *   using _held = await lock.holdAsync()
   *   console.log(counter.value)
   * }
   * ```
   */
  async holdAsync(options: Omit<AcquireOptions, 'block'> = {}): Promise<Disposable> {
    if (!(await this.acquireAsync(options))) throw this.#timedOut(options)
    return held(() => this.release())
  }

  /**
   * Gives back what {@link Acquirable.acquire} took.
   *
   * @example
   * ```ts
   * lock.release()
   * ```
   */
  abstract release(): void

  /**
   * The algorithm that takes it, as steps that may wait (see `steps.ts`).
   *
   * @internal
   */
  abstract [kAcquireSteps](block: boolean, deadline: number | undefined): Steps<boolean>

  #timedOut(options: AcquireOptions): TimeoutError {
    return new TimeoutError(
      `could not acquire the ${this.constructor.name} within ${String(options.timeout)} ms`,
    )
  }
}

/** What `hold()` returns: releases once, when disposed. */
function held(release: () => void): Disposable {
  let released = false
  return {
    [Symbol.dispose]() {
      if (released) return
      released = true
      release()
    },
  }
}
