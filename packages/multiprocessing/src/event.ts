/**
 * `Event`: Python's `multiprocessing.Event`, a flag in shared memory that threads wait on.
 */
import type { Destination } from '@concurrent/worker'

import { runAsync, runBlocking, type Steps } from './internal/sync/steps.js'
import { sharedBuffer, sharedWords, waitDeadline } from './internal/sync/atomics.js'
import { Adopt, kEncode, registerHandle } from './internal/transport/handles.js'

const FLAG = 0
/** Bumped by every `set()`, so a waiter learns of a set even if a clear follows at once. */
const GENERATION = 1

/**
 * Options of {@link Event.wait}, {@link Condition.wait} and {@link Barrier.wait} (and their
 * awaitable forms).
 *
 * @example
 * ```ts
 * // in a task on a thread pool:
 * if (!ready.wait({ timeout: 5_000 })) throw new Error('never got ready')
 * ```
 * @category Synchronization
 */
export interface SyncWaitOptions {
  /**
   * Milliseconds to wait.
   *
   * @defaultValue `Infinity` (for a barrier: its own `timeout`)
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

/**
 * A flag that threads wait for — Python's `multiprocessing.Event`: `set()` raises it and wakes
 * every waiter, `clear()` lowers it, `wait()` returns at once while it is up. Shared by the main
 * thread and tasks in worker threads (not child processes: see {@link Lock}).
 *
 * `wait` blocks the calling thread (for tasks); `waitAsync` awaits without blocking the event
 * loop (for the main thread). A task cancelled while it waits stops with `CancelledError`.
 *
 * @example
 * ```ts
 * // tasks.ts
 * export function worker(go: Event): string {
 *   go.wait() // blocks this worker thread until the main thread says go
 *   return 'started'
 * }
 *
 * // main.ts
 * const go = new Event()
 * const result = pool.applyAsync(tasks.worker, [go])
 * go.set()
 * console.log(await result.get()) // 'started'
 * ```
 * @category Synchronization
 */
export class Event {
  readonly #view: Int32Array

  /** Creates an event whose flag is down. */
  constructor()
  /** @internal */
  constructor(adopt: Adopt<SharedArrayBuffer>)
  constructor(adopt?: Adopt<SharedArrayBuffer>) {
    this.#view = sharedWords(adopt, 2)
  }

  /**
   * Whether the flag is up — Python's `is_set()`.
   *
   * @returns `true` when set.
   * @example
   * ```ts
   * if (done.isSet()) return
   * ```
   */
  isSet(): boolean {
    return Atomics.load(this.#view, FLAG) === 1
  }

  /**
   * Raises the flag and wakes every thread waiting for it.
   *
   * @example
   * ```ts
   * ready.set()
   * ```
   */
  set(): void {
    Atomics.store(this.#view, FLAG, 1)
    Atomics.add(this.#view, GENERATION, 1)
    Atomics.notify(this.#view, GENERATION)
  }

  /**
   * Lowers the flag; later waits wait again.
   *
   * @example
   * ```ts
   * ready.clear()
   * ```
   */
  clear(): void {
    Atomics.store(this.#view, FLAG, 0)
  }

  /**
   * Blocks the calling thread until the flag is up (or was raised while it waited), or until
   * `timeout` passes.
   *
   * @returns `true` when the flag is (or was) raised; `false` when the timeout passed first.
   * @throws `CancelledError` when the task calling it is cancelled while it waits.
   * @throws TypeError/RangeError for invalid options.
   * @example
   * ```ts
   * if (!ready.wait({ timeout: 5_000 })) throw new Error('never got ready')
   * ```
   */
  wait(options: SyncWaitOptions = {}): boolean {
    return runBlocking(this.#waitSteps(waitDeadline(options)))
  }

  /**
   * Waits, without blocking the event loop, until the flag is up (or was raised while it
   * waited), or until `timeout` passes.
   *
   * @returns a promise for `true` when the flag is (or was) raised, `false` on timeout.
   * @throws `signal.reason` (or the task's `CancelledError`) when the wait is given up.
   * @example
   * ```ts
   * await ready.waitAsync()
   * ```
   */
  async waitAsync(options: SyncWaitOptions = {}): Promise<boolean> {
    return runAsync(this.#waitSteps(waitDeadline(options)), options.signal)
  }

  /** @internal */
  [kEncode](destination: Destination): SharedArrayBuffer {
    return sharedBuffer(this.#view, destination, 'an Event')
  }

  *#waitSteps(deadline: number | undefined): Steps<boolean> {
    const view = this.#view
    const generation = Atomics.load(view, GENERATION)
    for (;;) {
      if (Atomics.load(view, FLAG) === 1) return true
      if (Atomics.load(view, GENERATION) !== generation) return true
      const outcome = yield { view, index: GENERATION, expected: generation, deadline }
      if (outcome === 'timed-out') {
        return Atomics.load(view, FLAG) === 1 || Atomics.load(view, GENERATION) !== generation
      }
    }
  }
}

registerHandle(
  Event,
  'Event',
  new URL('./event.js', import.meta.url).href,
  (buffer: SharedArrayBuffer) => new Event(new Adopt(buffer)),
)
