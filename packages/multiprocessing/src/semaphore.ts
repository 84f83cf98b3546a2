/**
 * `Semaphore` and `BoundedSemaphore`: Python's counting semaphores, in shared memory.
 */
import { checkInteger } from '@concurrent/future/internal'
import type { Destination } from '@concurrent/worker'

import { Acquirable } from './internal/sync/acquirable.js'
import { expired, type Steps } from './internal/sync/steps.js'
import { kAcquireSteps, sharedBuffer } from './internal/sync/atomics.js'
import { Adopt, kEncode, registerHandle } from './internal/transport/handles.js'

const VALUE = 0
/** The initial value, which a bounded semaphore never exceeds; `-1` for an unbounded one. */
const BOUND = 1

/**
 * A counter that `acquire` decrements, waiting while it is zero, and `release` increments —
 * Python's `multiprocessing.Semaphore`, shared by the main thread and tasks in worker threads
 * (not child processes: see {@link Lock}). Use it to let at most `value` tasks into a section
 * at once.
 *
 * Blocking, awaiting and cancellation work as for {@link Lock}: `acquire`/`hold` block the
 * calling thread (for tasks), `acquireAsync`/`holdAsync` await (for the main thread).
 *
 * @example
 * ```ts
 * // tasks.ts: however many tasks run, at most two render at a time
 * import type { Semaphore } from '@concurrent/multiprocessing'
 *
 * export function render(page: number, slots: Semaphore): string {
 *   using _slot = slots.hold()
 *   return renderPage(page)
 * }
 *
 * // main.ts
 * import { Pool, Semaphore, taskModule } from '@concurrent/multiprocessing'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * const slots = new Semaphore(2)
 * await using pool = new Pool({ processes: 8, kind: 'thread' })
 * const pages = await pool.starmap(tasks.render, [1, 2, 3, 4].map((page) => [page, slots]))
 * ```
 * @category Synchronization
 */
export class Semaphore extends Acquirable {
  readonly #view: Int32Array

  /**
   * Creates a semaphore.
   *
   * @param value - the initial count.
   * @throws TypeError/RangeError when `value` is not an integer from 0 up.
   */
  constructor(value?: number)
  /** @internal */
  constructor(adopt: Adopt<SharedArrayBuffer>)
  constructor(value: number | Adopt<SharedArrayBuffer> = 1) {
    super()
    if (value instanceof Adopt) {
      this.#view = new Int32Array(value.state)
      return
    }
    checkInteger(value, 'value', 0)
    this.#view = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT))
    this.#view[VALUE] = value
    this.#view[BOUND] = this.bounded ? value : -1
  }

  /** Whether `release` refuses to go above the initial value ({@link BoundedSemaphore}). */
  protected get bounded(): boolean {
    return false
  }

  /**
   * Increments the counter by `n`, waking up to `n` waiters.
   *
   * @param n - how much to add.
   * @throws RangeError when `n` is not an integer from 1 up, or (for a
   * {@link BoundedSemaphore}) when the counter would exceed its initial value.
   * @example
   * ```ts
   * slots.release()
   * ```
   */
  override release(n = 1): void {
    checkInteger(n, 'n', 1)
    const view = this.#view
    const bound = Atomics.load(view, BOUND)
    for (;;) {
      const value = Atomics.load(view, VALUE)
      if (bound >= 0 && value + n > bound) {
        throw new RangeError(
          `BoundedSemaphore released too many times: its value would exceed its initial ${bound}`,
        )
      }
      if (Atomics.compareExchange(view, VALUE, value, value + n) === value) break
    }
    Atomics.notify(view, VALUE, n)
  }

  /**
   * The counter now (a hint: it may change at once) — Python's `get_value()`.
   *
   * @returns the current value.
   * @example
   * ```ts
   * console.log(slots.getValue())
   * ```
   */
  getValue(): number {
    return Atomics.load(this.#view, VALUE)
  }

  /** @internal */
  [kEncode](destination: Destination): SharedArrayBuffer {
    return sharedBuffer(
      this.#view,
      destination,
      this.bounded ? 'a BoundedSemaphore' : 'a Semaphore',
    )
  }

  /** @internal */
  override *[kAcquireSteps](block: boolean, deadline: number | undefined): Steps<boolean> {
    const view = this.#view
    for (;;) {
      const value = Atomics.load(view, VALUE)
      if (value > 0) {
        if (Atomics.compareExchange(view, VALUE, value, value - 1) === value) return true
        continue
      }
      if (!block) return false
      const outcome = yield { view, index: VALUE, expected: 0, deadline }
      if (outcome === 'timed-out' && expired(deadline)) {
        const late = Atomics.load(view, VALUE)
        return late > 0 && Atomics.compareExchange(view, VALUE, late, late - 1) === late
      }
    }
  }
}

/**
 * A {@link Semaphore} whose `release` refuses to raise the counter above its initial value —
 * Python's `multiprocessing.BoundedSemaphore`, which catches a release without a matching
 * acquire.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from '@concurrent/multiprocessing'
 *
 * const slots = new BoundedSemaphore(2)
 * slots.release() // RangeError: released too many times
 * ```
 * @category Synchronization
 */
export class BoundedSemaphore extends Semaphore {
  /** Always `true`: `release` refuses to go above the initial value. */
  protected override get bounded(): boolean {
    return true
  }
}

const module = new URL('./semaphore.js', import.meta.url).href
registerHandle(
  Semaphore,
  'Semaphore',
  module,
  (buffer: SharedArrayBuffer) => new Semaphore(new Adopt(buffer)),
)
registerHandle(
  BoundedSemaphore,
  'BoundedSemaphore',
  module,
  (buffer: SharedArrayBuffer) => new BoundedSemaphore(new Adopt(buffer)),
)
