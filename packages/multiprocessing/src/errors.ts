/**
 * The errors this package owns: Python's `queue.Empty` and `queue.Full`, the `EOFError` and
 * `BrokenPipeError` a pipe raises when its other end is closed, and `threading`'s
 * `BrokenBarrierError`. Timeouts elsewhere raise `TimeoutError`, state errors
 * `InvalidStateError` and cancellations `CancelledError` (from `@concurrent/future`); a lock or
 * shared memory handed to a process raises `DataCloneError` (from `@concurrent/worker`).
 */
import { registerClass } from '@concurrent/worker'

/**
 * `queue.get()` found nothing to take: the queue stayed empty until the timeout passed, or it
 * was empty when asked not to wait (`getNowait()`, `get({ block: false })`). Python's
 * `queue.Empty`.
 *
 * @example
 * ```ts
 * import { EmptyError, Queue } from '@concurrent/multiprocessing'
 *
 * const queue = new Queue<number>()
 * try {
 *   await queue.get({ timeout: 100 })
 * } catch (error) {
 *   if (error instanceof EmptyError) console.log('nothing arrived within 100 ms')
 * }
 * ```
 * @category Errors
 */
export class EmptyError extends Error {
  override readonly name = 'EmptyError'

  /**
   * @param message - what was empty.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message = 'the queue is empty', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * `queue.put()` found no room: the queue stayed at its `maxsize` until the timeout passed, or it
 * was full when asked not to wait (`putNowait()`, `put(item, { block: false })`). Python's
 * `queue.Full`.
 *
 * @example
 * ```ts
 * import { FullError, Queue } from '@concurrent/multiprocessing'
 *
 * const queue = new Queue<number>(1)
 * await queue.put(1)
 * try {
 *   await queue.putNowait(2)
 * } catch (error) {
 *   if (error instanceof FullError) console.log('the queue holds its maxsize of 1 already')
 * }
 * ```
 * @category Errors
 */
export class FullError extends Error {
  override readonly name = 'FullError'

  /**
   * @param message - what was full.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message = 'the queue is full', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * `connection.recv()` has nothing left to receive and never will: every handle on the other
 * end of the pipe is closed (or its owner exited). Python's `EOFError`, raised once the values
 * sent before the close have all been received.
 *
 * @example
 * ```ts
 * import { EOFError, Pipe } from '@concurrent/multiprocessing'
 *
 * const [reader, writer] = Pipe<string>({ duplex: false })
 * await writer.send('last words')
 * writer.close()
 * console.log(await reader.recv()) // 'last words'
 * try {
 *   await reader.recv()
 * } catch (error) {
 *   if (error instanceof EOFError) console.log('the writer closed its end')
 * }
 * ```
 * @category Errors
 */
export class EOFError extends Error {
  override readonly name = 'EOFError'

  /**
   * @param message - what ended.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message = 'the other end of the pipe is closed', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * `connection.send()` has nobody to send to: every handle on the other end of the pipe is
 * closed. Python's `BrokenPipeError`.
 *
 * @example
 * ```ts
 * import { BrokenPipeError, Pipe } from '@concurrent/multiprocessing'
 *
 * const [left, right] = Pipe<string>()
 * right.close()
 * try {
 *   await left.send('hello?')
 * } catch (error) {
 *   if (error instanceof BrokenPipeError) console.log('the other end is gone')
 * }
 * ```
 * @category Errors
 */
export class BrokenPipeError extends Error {
  override readonly name = 'BrokenPipeError'

  /**
   * @param message - what broke.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message = 'the other end of the pipe is closed', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * A {@link Barrier} is broken: it was aborted or reset while parties were waiting, or a waiting
 * party timed out or was cancelled. Every party waiting on it, and every later `wait()` until
 * `reset()`, raises this. Python's `threading.BrokenBarrierError`.
 *
 * @example
 * ```ts
 * import { Barrier, BrokenBarrierError } from '@concurrent/multiprocessing'
 *
 * const barrier = new Barrier(3)
 * barrier.abort()
 * try {
 *   await barrier.waitAsync()
 * } catch (error) {
 *   if (error instanceof BrokenBarrierError) console.log('the barrier was aborted')
 * }
 * ```
 * @category Errors
 */
export class BrokenBarrierError extends Error {
  override readonly name = 'BrokenBarrierError'

  /**
   * @param message - how the barrier broke.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message = 'the barrier is broken', options?: ErrorOptions) {
    super(message, options)
  }
}

// Registered, so that one thrown in a worker reaches the caller as its class (under ids of
// this package's own, so that a program's class of the same name is never mistaken for one).
for (const [ctor, name] of [
  [EmptyError, 'EmptyError'],
  [FullError, 'FullError'],
  [EOFError, 'EOFError'],
  [BrokenPipeError, 'BrokenPipeError'],
  [BrokenBarrierError, 'BrokenBarrierError'],
] as const) {
  registerClass<Error>(ctor, { id: `concurrent:${name}` })
}
