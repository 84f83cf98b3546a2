/**
 * The Future: a result that is not there yet, after CPython's `concurrent.futures.Future`.
 *
 * A future is a small state machine (pending → running → finished, or → cancelled) that an
 * executor drives and callers observe. Only {@link Future} itself changes the state, through
 * one private transition function that checks the move is legal and then notifies the done
 * callbacks synchronously, in the order they were added (as CPython's `_invoke_callbacks`
 * does). It holds no timers and no workers of its own: timeouts on `result()`/`exception()`
 * live only as long as that one wait.
 *
 * It is not a Promise. It is `PromiseLike`, so `await future` works, but a promise is only
 * created when someone awaits it: a future that fails while nobody is waiting never causes an
 * unhandled rejection.
 */
import { CancelledError } from '@concurrent/cancellation'

import { InvalidStateError, TimeoutError } from './errors.js'
import { deadlineIn, setDeadline } from './internal/deadline.js'
import { reportCallbackError } from './internal/report.js'
import { checkSignal, checkTimeout } from './internal/validate.js'

/**
 * Where a {@link Future} is in its life: `'pending'` (queued), `'running'`, `'cancelled'` or
 * `'finished'` (with a result or an exception).
 *
 * @example
 * ```ts
 * import { Future, type FutureState } from '@concurrent/future'
 *
 * const state: FutureState = new Future<number>().state // 'pending'
 * ```
 * @category Futures
 */
export type FutureState = 'pending' | 'running' | 'cancelled' | 'finished'

/**
 * Options of {@link Future.result} and {@link Future.exception}.
 *
 * @example
 * ```ts
 * const value = await future.result({ timeout: 2_000, signal: AbortSignal.timeout(10_000) })
 * ```
 */
export interface WaitOptions {
  /**
   * Milliseconds to wait before rejecting with {@link TimeoutError}; the future itself is left
   * alone and keeps running. `0` checks once without waiting.
   *
   * @defaultValue `Infinity` (wait as long as it takes)
   */
  readonly timeout?: number | undefined
  /**
   * Stops waiting (rejecting with `signal.reason`) when it aborts; the future itself is left
   * alone.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * Options of {@link Future.cancel}.
 *
 * @example
 * ```ts
 * future.cancel({ interrupt: true, reason: 'the user closed the tab' })
 * ```
 */
export interface CancelOptions {
  /**
   * Also interrupt the task if it is already running: its in-task signal and token fire, and an
   * executor that supports it terminates and replaces the worker of a task that does not stop
   * within the executor's grace period. Without it, a running future cannot be cancelled
   * (Python's rule).
   *
   * @defaultValue `false`
   */
  readonly interrupt?: boolean | undefined
  /**
   * Why the future is cancelled; becomes the `cause` of the {@link CancelledError} it rejects with.
   *
   * @defaultValue none
   */
  readonly reason?: unknown
}

/**
 * A function called with the future once it is done (finished or cancelled).
 *
 * @example
 * ```ts
 * import type { DoneCallback } from '@concurrent/future'
 *
 * const log: DoneCallback<number> = (future) => console.log(future.state)
 * future.addDoneCallback(log)
 * ```
 * @category Futures
 */
export type DoneCallback<T> = (future: Future<T>) => void

/**
 * Called by {@link Future.cancel} with `{ interrupt: true }` on a running future, so the
 * executor that runs the task can stop it. Installed with {@link Future.setInterruptHandler}.
 *
 * @example
 * ```ts
 * import { Future } from '@concurrent/future'
 *
 * const future = new Future<string>()
 * const controller = new AbortController()
 * future.setRunningOrNotifyCancel()
 * future.setInterruptHandler(() => controller.abort())
 * future.cancel({ interrupt: true }) // true: the handler aborts the work
 * ```
 * @category Futures
 */
export type InterruptHandler = (error: CancelledError) => void

type Settled<T> =
  | { readonly state: 'cancelled'; readonly error: CancelledError }
  | { readonly state: 'finished'; readonly ok: true; readonly value: T }
  | { readonly state: 'finished'; readonly ok: false; readonly error: unknown }

type Snapshot<T> = { readonly state: 'pending' } | { readonly state: 'running' } | Settled<T>

const PENDING = { state: 'pending' } as const
const RUNNING = { state: 'running' } as const

/** Lets the test suite prove that waiters always remove themselves; not public API. */
const callbackCount = Symbol.for('concurrent.future.callbackCount')
const inspect = Symbol.for('nodejs.util.inspect.custom')

/**
 * The eventual result of a task: pending, running, cancelled or finished with a value or an
 * exception. Executors create futures; callers wait on them, await them, cancel them and attach
 * callbacks. Semantics follow Python's `concurrent.futures.Future` with millisecond timeouts.
 *
 * - **Cancel**: `cancel()` succeeds only while the future is pending (Python's rule);
 *   `cancel({ interrupt: true })` also stops a running task when its executor supports it. A
 *   cancelled future rejects with {@link CancelledError}.
 * - **Timeout**: `result({ timeout })` rejects with {@link TimeoutError} and leaves the future
 *   running.
 * - **Executor shutdown / worker crash**: the executor settles the future
 *   (`ShutdownError`-free: a submitted task always ends finished or cancelled; a crashed worker
 *   fails it with `WorkerCrashedError`).
 *
 * @typeParam T - the value the future finishes with.
 * @example
 * ```ts
 * import { Future } from '@concurrent/future'
 *
 * const future = new Future<number>()
 * future.addDoneCallback((f) => console.log('done:', f.state))
 * setTimeout(() => {
 *   if (future.setRunningOrNotifyCancel()) future.setResult(42)
 * }, 10)
 * console.log(await future) // 42
 * ```
 * @category Futures
 */
export class Future<T> implements PromiseLike<T> {
  #state: Snapshot<T> = PENDING
  /** Done callbacks waiting; made with the first (most futures of a map never get one). */
  #callbacks: Set<{ readonly fn: DoneCallback<T> }> | undefined
  #promise: Promise<T> | undefined
  #interrupt: InterruptHandler | undefined

  /** `'Future'`, so `Object.prototype.toString` and debuggers name it. */
  get [Symbol.toStringTag](): string {
    return 'Future'
  }

  /** Where the future is in its life. */
  get state(): FutureState {
    return this.#state.state
  }

  /** `true` if the future was cancelled. */
  cancelled(): boolean {
    return this.#state.state === 'cancelled'
  }

  /** `true` if the task is running now (and so can no longer be cancelled without `interrupt`). */
  running(): boolean {
    return this.#state.state === 'running'
  }

  /** `true` if the future is cancelled or finished (with a value or an exception). */
  done(): boolean {
    const { state } = this.#state
    return state === 'cancelled' || state === 'finished'
  }

  /**
   * The outcome of a done future, read synchronously, in `Promise.allSettled`'s shape:
   * `{ status: 'fulfilled', value }` or `{ status: 'rejected', reason }` (a cancelled future's
   * reason is its {@link CancelledError}); `undefined` while pending or running.
   *
   * @example
   * ```ts
   * const outcome = future.outcome
   * if (outcome?.status === 'fulfilled') console.log(outcome.value)
   * ```
   */
  get outcome(): PromiseSettledResult<T> | undefined {
    const snapshot = this.#state
    switch (snapshot.state) {
      case 'pending':
      case 'running':
        return undefined
      case 'cancelled':
        return { status: 'rejected', reason: snapshot.error }
      case 'finished':
        return snapshot.ok
          ? { status: 'fulfilled', value: snapshot.value }
          : { status: 'rejected', reason: snapshot.error }
    }
  }

  /**
   * Attempts to cancel the future.
   *
   * A pending future is cancelled at once: its done callbacks run and anyone waiting on it gets
   * a {@link CancelledError}. A running future is cancelled only with `{ interrupt: true }` and
   * only if its executor installed an interrupt handler; it is then cancelled at once and the
   * executor is told to stop the task.
   *
   * @returns `true` if the future is now cancelled (or already was); `false` if it is running
   * (and cannot be interrupted) or already finished.
   * @example
   * ```ts
   * const future = pool.submit(tasks.slow)
   * future.cancel() // true while it waits in the queue
   * future.cancel({ interrupt: true }) // also stops it once it has started
   * ```
   */
  cancel(options: CancelOptions = {}): boolean {
    const { state } = this.#state
    if (state === 'cancelled') return true
    if (state === 'finished') return false
    const interrupt = this.#interrupt
    if (state === 'running' && !(options.interrupt === true && interrupt !== undefined)) {
      return false
    }
    const error = new CancelledError(
      state === 'running' ? 'the running task was interrupted' : 'the future was cancelled',
      options.reason === undefined ? undefined : { cause: options.reason },
    )
    this.#transition({ state: 'cancelled', error })
    if (state === 'running' && interrupt !== undefined) {
      try {
        interrupt(error)
      } catch (thrown) {
        reportCallbackError(thrown, 'an interrupt handler')
      }
    }
    return true
  }

  /**
   * Waits for the future's value.
   *
   * @returns a promise that resolves with the value once the future finishes successfully.
   * @throws {@link CancelledError} if the future is cancelled.
   * @throws {@link TimeoutError} if `timeout` ms pass first (the future is left alone).
   * @throws `signal.reason` if `signal` aborts first (the future is left alone).
   * @throws the task's own exception if it failed.
   * @throws RangeError/TypeError (as a rejection) for an invalid `timeout` or `signal`.
   * @example
   * ```ts
   * const value = await future.result({ timeout: 5_000 })
   * ```
   */
  result(options: WaitOptions = {}): Promise<T> {
    return this.#wait(options).then((settled) => {
      if (settled.state === 'finished' && settled.ok) return settled.value
      throw settled.error
    })
  }

  /**
   * Waits for the future to finish and gives the exception it failed with, without throwing it.
   *
   * @returns a promise for the task's exception, or `undefined` if it finished successfully.
   * @throws {@link CancelledError} if the future is cancelled (Python's rule).
   * @throws {@link TimeoutError} if `timeout` ms pass first (the future is left alone).
   * @throws `signal.reason` if `signal` aborts first.
   * @throws RangeError/TypeError (as a rejection) for an invalid `timeout` or `signal`.
   * @example
   * ```ts
   * const error = await future.exception()
   * if (error !== undefined) console.error('task failed:', error)
   * ```
   */
  exception(options: WaitOptions = {}): Promise<unknown> {
    return this.#wait(options).then((settled) => {
      if (settled.state === 'cancelled') throw settled.error
      return settled.ok ? undefined : settled.error
    })
  }

  /**
   * Calls `fn(future)` once the future is done (finished or cancelled); at once if it already
   * is. Callbacks run in the order they were added. One that throws is reported as a process
   * warning and does not affect the future or the other callbacks.
   *
   * @returns a function that removes the callback (a no-op once it has run), so that waiters
   * never leak.
   * @example
   * ```ts
   * const remove = future.addDoneCallback((f) => console.log(f.state))
   * remove() // changed my mind
   * ```
   */
  addDoneCallback(fn: DoneCallback<T>): () => void {
    if (typeof fn !== 'function') {
      throw new TypeError(`Expected \`fn\` to be a function, got \`${String(fn)}\` (${typeof fn})`)
    }
    if (this.done()) {
      this.#invoke(fn)
      return noop
    }
    const entry = { fn }
    const callbacks = (this.#callbacks ??= new Set())
    callbacks.add(entry)
    return () => {
      callbacks.delete(entry)
    }
  }

  /**
   * Makes `await future` work: settles with the future's value, or rejects with its exception
   * (or {@link CancelledError}).
   *
   * @returns a promise, created the first time anyone awaits the future.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#promise ??= this.result()
    return this.#promise.then(onfulfilled, onrejected)
  }

  /**
   * For executor authors: marks the future as running, unless it was cancelled while pending.
   * Call it right before starting the task, and skip the task when it returns `false`.
   *
   * @returns `true` if the future is now running; `false` if it was cancelled.
   * @throws {@link InvalidStateError} if the future is already running or finished.
   */
  setRunningOrNotifyCancel(): boolean {
    const { state } = this.#state
    if (state === 'cancelled') return false
    if (state !== 'pending') {
      throw new InvalidStateError(`cannot start a future that is ${state}`)
    }
    this.#transition(RUNNING)
    return true
  }

  /**
   * For executor authors: finishes the future with a value, runs its done callbacks and wakes
   * its waiters.
   *
   * @throws {@link InvalidStateError} if the future is already done (finished or cancelled).
   */
  setResult(value: T): void {
    this.#transition({ state: 'finished', ok: true, value })
  }

  /**
   * For executor authors: finishes the future with an exception, runs its done callbacks and
   * wakes its waiters.
   *
   * @throws {@link InvalidStateError} if the future is already done (finished or cancelled).
   */
  setException(error: unknown): void {
    this.#transition({ state: 'finished', ok: false, error })
  }

  /**
   * For executor authors: installs the function that {@link Future.cancel} with
   * `{ interrupt: true }` calls when the future is running. The future is already cancelled when
   * the handler runs; the handler's job is to stop the work. Without a handler, a running future
   * cannot be cancelled. Replaces any earlier handler; it is dropped once the future is done.
   */
  setInterruptHandler(handler: InterruptHandler | undefined): void {
    if (!this.done()) this.#interrupt = handler
  }

  /** The number of done callbacks waiting; lets tests prove that waiters never leak. */
  get [callbackCount](): number {
    return this.#callbacks?.size ?? 0
  }

  /** A readable form for `console.log` and the debugger. */
  [inspect](): string {
    const snapshot = this.#state
    if (snapshot.state !== 'finished') return `Future <${snapshot.state}>`
    return snapshot.ok ? `Future <finished> value` : `Future <finished> exception`
  }

  #wait({ timeout, signal }: WaitOptions): Promise<Settled<T>> {
    try {
      checkTimeout(timeout)
      checkSignal(signal)
    } catch (error) {
      // A method that returns a promise reports bad options through it, never by throwing.
      return Promise.reject(error)
    }
    const now = this.#state
    if (now.state === 'cancelled' || now.state === 'finished') return Promise.resolve(now)
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    if (timeout === 0) return Promise.reject(timedOut(timeout))
    return new Promise<Settled<T>>((resolve, reject) => {
      let clearTimer: (() => void) | undefined
      const cleanup = (): void => {
        clearTimer?.()
        signal?.removeEventListener('abort', onAbort)
        remove()
      }
      const onAbort = (): void => {
        cleanup()
        reject(signal?.reason)
      }
      const remove = this.addDoneCallback(() => {
        cleanup()
        resolve(this.#state as Settled<T>)
      })
      if (timeout !== undefined && timeout !== Infinity) {
        clearTimer = setDeadline(deadlineIn(timeout), () => {
          cleanup()
          reject(timedOut(timeout))
        })
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** The only place the state changes: checks the move is legal, then notifies. */
  #transition(next: Snapshot<T>): void {
    const from = this.#state.state
    const legal =
      next.state !== 'pending' &&
      (from === 'pending' || (from === 'running' && next.state !== 'running'))
    if (!legal) {
      throw new InvalidStateError(`cannot move a future from ${from} to ${next.state}`)
    }
    this.#state = next
    if (next.state === 'running') return
    this.#interrupt = undefined
    // Iterating the live set lets a callback remove one that has not run yet; callbacks added
    // from here on run at once (the future is done) and never join the set.
    const callbacks = this.#callbacks
    if (callbacks === undefined) return
    for (const entry of callbacks) {
      callbacks.delete(entry)
      this.#invoke(entry.fn)
    }
  }

  #invoke(fn: DoneCallback<T>): void {
    try {
      fn(this)
    } catch (error) {
      reportCallbackError(error, 'a done callback')
    }
  }
}

/**
 * `true` if `value` is a {@link Future}.
 *
 * @example
 * ```ts
 * import { isFuture } from '@concurrent/future'
 *
 * const results = values.map((v) => (isFuture(v) ? v.result() : Promise.resolve(v)))
 * ```
 * @category Futures
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future
}

function timedOut(timeout: number): TimeoutError {
  return new TimeoutError(`the future did not complete within ${timeout} ms`)
}

function noop(): void {}
