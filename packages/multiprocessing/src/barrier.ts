/**
 * `Barrier`: Python's `multiprocessing.Barrier` (`threading.Barrier`), in shared memory. The
 * algorithm is CPython's, over a {@link Condition}: a barrier fills until `parties` threads
 * wait, then drains as they all leave; a barrier being drained or reset makes newcomers wait;
 * a broken one fails everyone until `reset()`.
 */
import { checkInteger, checkTimeout, describe } from '@concurrent/future/internal'
import type { Destination } from '@concurrent/worker'

import { Condition, kWaitForSteps } from './condition.js'
import { BrokenBarrierError } from './errors.js'
import { Lock } from './lock.js'
import { deadlineFor, runAsync, runBlocking, type Steps } from './internal/sync/steps.js'
import { kAcquireSteps } from './internal/sync/atomics.js'
import { Adopt, kEncode, registerHandle, threadOnly } from './internal/transport/handles.js'
import type { SyncWaitOptions } from './event.js'

const STATE = 0
const COUNT = 1

const FILLING = 0
const DRAINING = 1
const RESETTING = -1
const BROKEN = -2

/**
 * Options of {@link Barrier}.
 *
 * @example
 * ```ts
 * import { Barrier } from '@concurrent/multiprocessing'
 *
 * const barrier = new Barrier(3, { timeout: 10_000 })
 * ```
 * @category Synchronization
 */
export interface BarrierOptions {
  /**
   * Milliseconds a `wait` lasts when it is given no timeout of its own; when they pass, the
   * barrier breaks.
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
}

/** A barrier's state: its shared words, its lock and condition, and its default timeout. */
interface BarrierState {
  readonly buffer: SharedArrayBuffer
  readonly parties: number
  readonly timeout: number | undefined
  readonly lock: Lock
  readonly condition: Condition
}

/**
 * A meeting point for a fixed number of threads — Python's `multiprocessing.Barrier`: each
 * calls `wait()`, and all go on together once `parties` of them wait. Shared by the main thread
 * and tasks in worker threads (not child processes: see {@link Lock}).
 *
 * `wait` blocks the calling thread (for tasks); `waitAsync` awaits (for the main thread). A
 * barrier whose wait times out breaks: every party waiting on it, and every later `wait` until
 * `reset()`, fails with {@link BrokenBarrierError}. Python's `action` argument (a function run
 * by one party when all have arrived) is not supported: a function cannot be shared between
 * threads; run it after `wait()` in the party that gets index 0.
 *
 * @example
 * ```ts
 * // tasks.ts: every worker loads its part, then all compute together
 * export function step(barrier: Barrier, part: number): number {
 *   load(part)
 *   const index = barrier.wait({ timeout: 10_000 }) // blocks until 3 parties wait
 *   return index
 * }
 *
 * // main.ts
 * const barrier = new Barrier(3)
 * await using pool = new Pool({ processes: 3, kind: 'thread' })
 * console.log(await pool.starmap(tasks.step, [[barrier, 0], [barrier, 1], [barrier, 2]]))
 * ```
 * @category Synchronization
 */
export class Barrier {
  /** How many threads must wait before all go on. */
  readonly parties: number
  readonly #timeout: number | undefined
  readonly #view: Int32Array
  readonly #lock: Lock
  readonly #condition: Condition

  /**
   * Creates a barrier for `parties` threads.
   *
   * @param parties - how many must wait before all go on.
   * @throws TypeError/RangeError when `parties` is not an integer from 1 up, or `timeout` is
   * not a number of milliseconds.
   */
  constructor(parties: number, options?: BarrierOptions)
  /** @internal */
  constructor(adopt: Adopt<BarrierState>)
  constructor(parties: number | Adopt<BarrierState>, options: BarrierOptions = {}) {
    if (parties instanceof Adopt) {
      const state = parties.state
      this.parties = state.parties
      this.#view = new Int32Array(state.buffer)
      this.#lock = state.lock
      this.#condition = state.condition
      this.#timeout = state.timeout
      return
    }
    if (typeof parties !== 'number') {
      throw new TypeError(
        `Expected \`parties\` to be an integer from 1 and up, got ${describe(parties)}`,
      )
    }
    checkInteger(parties, 'parties', 1)
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected Barrier options to be an object, got ${describe(options)}`)
    }
    checkTimeout(options.timeout)
    this.parties = parties
    this.#view = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT))
    this.#lock = new Lock()
    this.#condition = new Condition(this.#lock)
    this.#timeout = options.timeout
  }

  /** How many threads wait on the barrier now — Python's `n_waiting`. */
  get nWaiting(): number {
    return Atomics.load(this.#view, STATE) === FILLING ? Atomics.load(this.#view, COUNT) : 0
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return Atomics.load(this.#view, STATE) === BROKEN
  }

  /**
   * Blocks the calling thread until `parties` threads wait on the barrier, then lets them all
   * go.
   *
   * @returns this thread's arrival index, from `0` to `parties - 1` (each once per cycle).
   * @throws {@link BrokenBarrierError} when the barrier is (or becomes) broken: aborted,
   * reset while waiting, or the timeout passed (which breaks it for everyone).
   * @throws `CancelledError` when the task calling it is cancelled while it waits.
   * @example
   * ```ts
   * const index = barrier.wait()
   * if (index === 0) console.log('everyone has arrived')
   * ```
   */
  wait(options: SyncWaitOptions = {}): number {
    return runBlocking(this.#waitSteps(this.#deadline(options)))
  }

  /**
   * Like {@link Barrier.wait}, awaiting instead of blocking — the form for the main thread.
   *
   * @returns a promise for this party's arrival index.
   * @throws {@link BrokenBarrierError} as for `wait`.
   * @throws `signal.reason` when the wait is given up.
   * @example
   * ```ts
   * await barrier.waitAsync({ timeout: 5_000 })
   * ```
   */
  async waitAsync(options: SyncWaitOptions = {}): Promise<number> {
    return runAsync(this.#waitSteps(this.#deadline(options)), options.signal)
  }

  /**
   * Returns the barrier to its empty state; threads waiting on it fail with
   * {@link BrokenBarrierError}. Blocks the calling thread for as long as another holds the
   * barrier's internal lock (never long).
   *
   * @example
   * ```ts
   * barrier.reset()
   * ```
   */
  reset(): void {
    this.#withLock(() => {
      const view = this.#view
      if (Atomics.load(view, COUNT) > 0) {
        const state = Atomics.load(view, STATE)
        if (state === FILLING || state === BROKEN) Atomics.store(view, STATE, RESETTING)
      } else {
        Atomics.store(view, STATE, FILLING)
      }
      this.#condition.notifyAll()
    })
  }

  /**
   * Breaks the barrier: threads waiting on it, and later `wait` calls until `reset()`, fail
   * with {@link BrokenBarrierError}.
   *
   * @example
   * ```ts
   * barrier.abort()
   * ```
   */
  abort(): void {
    this.#withLock(() => this.#break())
  }

  /** @internal */
  [kEncode](destination: Destination): BarrierState {
    threadOnly(destination, 'a Barrier')
    // The lock and the condition travel by their own codecs.
    return {
      buffer: this.#view.buffer as SharedArrayBuffer,
      parties: this.parties,
      timeout: this.#timeout,
      lock: this.#lock,
      condition: this.#condition,
    }
  }

  #deadline(options: SyncWaitOptions): number | undefined {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected options to be an object, got ${describe(options)}`)
    }
    checkTimeout(options.timeout)
    return deadlineFor(options.timeout ?? this.#timeout)
  }

  /** Runs `body` holding the barrier's lock, blocking for it (it is only ever held briefly). */
  #withLock(body: () => void): void {
    runBlocking(this.#lock[kAcquireSteps](true, undefined))
    try {
      body()
    } finally {
      this.#lock.release()
    }
  }

  *#waitSteps(deadline: number | undefined): Steps<number> {
    const view = this.#view
    const state = (): number => Atomics.load(view, STATE)
    yield* this.#lock[kAcquireSteps](true, undefined)
    try {
      // Wait while the barrier drains or resets.
      if (state() === DRAINING || state() === RESETTING) {
        yield* this.#condition[kWaitForSteps](
          () => state() !== DRAINING && state() !== RESETTING,
          undefined,
        )
      }
      if (state() < 0) throw new BrokenBarrierError()
      const index = Atomics.add(view, COUNT, 1)
      try {
        if (index + 1 === this.parties) {
          Atomics.store(view, STATE, DRAINING)
          this.#condition.notifyAll()
        } else {
          const released = yield* this.#condition[kWaitForSteps](
            () => state() !== FILLING,
            deadline,
          )
          if (!released) {
            this.#break()
            throw new BrokenBarrierError('the barrier timed out and is now broken')
          }
          if (state() < 0) throw new BrokenBarrierError()
        }
        return index
      } finally {
        const left = Atomics.sub(view, COUNT, 1) - 1
        if (left === 0 && (state() === DRAINING || state() === RESETTING)) {
          Atomics.store(view, STATE, FILLING)
          this.#condition.notifyAll()
        }
      }
    } finally {
      this.#lock.release()
    }
  }

  #break(): void {
    Atomics.store(this.#view, STATE, BROKEN)
    this.#condition.notifyAll()
  }
}

registerHandle(
  Barrier,
  'Barrier',
  new URL('./barrier.js', import.meta.url).href,
  (state: BarrierState) => new Barrier(new Adopt(state)),
)
