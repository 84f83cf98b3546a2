/**
 * A cancellation flag that synchronous code can poll, shared between threads.
 *
 * `AbortSignal` only tells its listeners through the event loop, so a CPU-bound loop that never
 * yields cannot see it. A `CancelToken` keeps its state in one `Int32` of a
 * `SharedArrayBuffer`: reading `token.cancelled` is a single atomic load, and a copy of the token
 * made in another worker thread from {@link CancelToken.buffer} sees the flag flip the instant
 * the owner cancels. It is not a scheduler and never interrupts anything by itself; code has to
 * look at it (or at {@link CancelToken.signal}, which fires through the event loop).
 *
 * The reason for a cancellation is a JavaScript value and cannot live in shared memory: a
 * token rebuilt in another thread reports a plain {@link CancelledError} as its reason.
 */
import { CancelledError } from './errors.js'

const ACTIVE = 0
const CANCELLED = 1

/**
 * A cancellation flag that a synchronous, CPU-bound loop can poll without yielding, and that
 * worker threads share through a `SharedArrayBuffer`.
 *
 * Bridged both ways to `AbortSignal`: {@link CancelToken.fromSignal} follows a signal, and
 * {@link CancelToken.signal} is a signal that aborts when the token is cancelled.
 *
 * @example
 * ```ts
 * import { CancelToken } from '@concurrent/cancellation'
 *
 * const token = new CancelToken()
 * setTimeout(() => token.cancel('took too long'), 100)
 *
 * function countPrimes(limit: number, token: CancelToken): number {
 *   let count = 0
 *   for (let n = 2; n < limit; n++) {
 *     if ((n & 0xfff) === 0) token.throwIfCancelled() // one atomic load, no await
 *     if (isPrime(n)) count++
 *   }
 *   return count
 * }
 * ```
 * @category Cancellation
 */
export class CancelToken {
  /**
   * The flag in shared memory, once another thread may see it: rebuilt from a buffer, or ours
   * handed out through {@link CancelToken.buffer}. Until then the token is this thread's alone
   * and keeps its state in {@link CancelToken.#local}: allocating shared memory costs about a
   * microsecond, which a token made for every in-process task would pay for nothing.
   */
  #flag: Int32Array | undefined
  #local = ACTIVE
  #reason: unknown
  #controller: AbortController | undefined
  /** Rebuilt from another token's buffer, or its buffer handed out: another thread may cancel it. */
  #shared: boolean
  #watching = false
  #disposed = false

  /**
   * Creates a token that is not cancelled, or rebuilds one from another token's
   * {@link CancelToken.buffer} and {@link CancelToken.index} (for example inside a worker
   * thread).
   *
   * @param buffer - the shared state of an existing token; omit it to create a new one.
   * @param index - which `Int32` of `buffer` holds the flag (default 0), so that one buffer can
   * hold the flags of many tokens.
   * @throws TypeError when `buffer` is not a `SharedArrayBuffer`, or `index` is not an integer
   * slot inside it.
   */
  constructor(buffer?: SharedArrayBuffer, index = 0) {
    this.#shared = buffer !== undefined
    if (buffer === undefined) return
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < 4) {
      throw new TypeError(
        `Expected \`buffer\` to be a SharedArrayBuffer of at least 4 bytes, got \`${Object.prototype.toString.call(buffer)}\` (${typeof buffer})`,
      )
    }
    const slots = Math.floor(buffer.byteLength / Int32Array.BYTES_PER_ELEMENT)
    if (!Number.isInteger(index) || index < 0 || index >= slots) {
      throw new TypeError(
        `Expected \`index\` to be an integer from 0 to ${slots - 1} (the buffer holds ${slots} flags), got ${String(index)}`,
      )
    }
    this.#flag = new Int32Array(buffer, index * Int32Array.BYTES_PER_ELEMENT, 1)
  }

  /**
   * A token that is cancelled when `signal` aborts, with the signal's reason.
   *
   * The token listens to the signal until it aborts; a signal that is already aborted gives a
   * token that is already cancelled.
   *
   * @example
   * ```ts
   * import { CancelToken } from '@concurrent/cancellation'
   *
   * const token = CancelToken.fromSignal(AbortSignal.timeout(1_000))
   * ```
   */
  static fromSignal(signal: AbortSignal): CancelToken {
    const token = new CancelToken()
    if (signal.aborted) token.cancel(signal.reason)
    else signal.addEventListener('abort', () => token.cancel(signal.reason), { once: true })
    return token
  }

  /**
   * The shared memory behind this token. Send it to a worker thread (it is structured-cloned as
   * shared memory, not copied) and rebuild the token there with
   * `new CancelToken(buffer, index)` ({@link CancelToken.index}: 0 unless the token was built
   * on a slot of a larger buffer).
   */
  get buffer(): SharedArrayBuffer {
    // Whoever holds the buffer may cancel from another thread: from now on the signal watches.
    this.#shared = true
    const flag = this.#sharedFlag()
    if (this.#controller !== undefined && !this.#controller.signal.aborted) {
      this.#watchOtherThreads()
    }
    return flag.buffer as SharedArrayBuffer
  }

  /** Which `Int32` of {@link CancelToken.buffer} holds this token's flag. */
  get index(): number {
    return this.#flag === undefined ? 0 : this.#flag.byteOffset / Int32Array.BYTES_PER_ELEMENT
  }

  /** Whether the token has been cancelled, here or in any thread sharing it: one atomic load. */
  get cancelled(): boolean {
    return (this.#flag === undefined ? this.#local : Atomics.load(this.#flag, 0)) === CANCELLED
  }

  /**
   * Why the token was cancelled: the value given to {@link CancelToken.cancel} (a
   * {@link CancelledError} when none was given, or when the token was cancelled from another
   * thread), or `undefined` while it is not cancelled.
   */
  get reason(): unknown {
    if (!this.cancelled) return undefined
    this.#reason ??= new CancelledError()
    return this.#reason
  }

  /**
   * An `AbortSignal` that aborts, with {@link CancelToken.reason}, when the token is cancelled:
   * hand it to `fetch`, streams, timers and anything else that takes a signal.
   *
   * When the token is cancelled from another thread (it was rebuilt from a buffer, or its
   * {@link CancelToken.buffer} was handed out), the signal learns of it through
   * `Atomics.waitAsync`, so it fires on this thread's event loop without polling; waiting does
   * not keep the process alive. Reading the signal always agrees with
   * {@link CancelToken.cancelled}.
   */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController()
    // A cancellation from another thread may not have been delivered yet; reading agrees with
    // `cancelled` all the same.
    if (this.cancelled) this.#controller.abort(this.reason)
    else if (this.#shared) this.#watchOtherThreads()
    return this.#controller.signal
  }

  /**
   * Cancels the token. Every thread sharing it sees {@link CancelToken.cancelled} become `true`,
   * and {@link CancelToken.signal} aborts. Cancelling a cancelled token does nothing.
   *
   * @param reason - why; defaults to a new {@link CancelledError}.
   * @returns `true` if this call cancelled the token, `false` if it was already cancelled.
   */
  cancel(reason?: unknown): boolean {
    const flag = this.#flag
    if (flag === undefined) {
      if (this.#local === CANCELLED) return false
      this.#local = CANCELLED
    } else if (Atomics.compareExchange(flag, 0, ACTIVE, CANCELLED) !== ACTIVE) {
      return false
    }
    this.#reason = reason ?? new CancelledError()
    if (flag !== undefined) Atomics.notify(flag, 0)
    this.#controller?.abort(this.#reason)
    return true
  }

  /**
   * Throws {@link CancelToken.reason} if the token is cancelled; otherwise does nothing.
   * Cheap enough to call in a hot loop.
   *
   * @throws the cancellation reason (a {@link CancelledError} unless the token was cancelled
   * with another reason).
   */
  throwIfCancelled(): void {
    if (this.cancelled) throw this.reason
  }

  /**
   * Stops listening for a cancellation from another thread (see {@link CancelToken.signal}).
   * The flag itself keeps working; only {@link CancelToken.signal} stops learning of remote
   * cancellations. Call it when a shared token's work is over, so its waiter does not stay
   * registered for as long as the shared buffer lives. Idempotent.
   */
  [Symbol.dispose](): void {
    if (this.#disposed) return
    this.#disposed = true
    // Wakes our own pending Atomics.waitAsync; its callback sees #disposed and stops.
    if (this.#watching && this.#flag !== undefined) Atomics.notify(this.#flag, 0)
  }

  /** The flag in shared memory, made now (holding the state so far) if the token had none. */
  #sharedFlag(): Int32Array {
    if (this.#flag === undefined) {
      this.#flag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT))
      this.#flag[0] = this.#local
    }
    return this.#flag
  }

  #watchOtherThreads(): void {
    if (this.#watching || this.#disposed) return
    this.#watching = true
    const result = Atomics.waitAsync(this.#sharedFlag(), 0, ACTIVE)
    const onChange = (): void => {
      this.#watching = false
      if (this.#disposed) return
      if (this.cancelled) this.#controller?.abort(this.reason)
      else this.#watchOtherThreads()
    }
    if (result.async) void result.value.then(onChange)
    else onChange()
  }
}
