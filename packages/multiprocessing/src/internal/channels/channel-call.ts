/**
 * What queue and pipe handles share: how a handle reaches its state — directly, in the thread
 * that owns it, or through the owner's broker from anywhere else (a handle travels as the
 * owner's address, {@link remoteOf}, and one that arrives back in its owner's thread works on
 * the state directly again, {@link linkTo}) — waiting on a state in this thread, the signals an
 * operation listens to (the caller's and, inside a task, the task's own), and the errors for
 * the owner's failures.
 */
import { CancelledError } from '@concurrent/cancellation'
import { InvalidStateError, TimeoutError } from '@concurrent/future'
import { checkSignal, checkTimeout, describe } from '@concurrent/future/internal'
import { currentSignal } from '@concurrent/worker'

import { BrokenPipeError, EmptyError, EOFError, FullError } from '../../errors.js'
import { Broker, type ChannelState } from './broker.js'
import type { Receiver, Withdraw } from './receiver.js'
import type { Failure } from './messages.js'

/** The owner's address, the secret it asks for, and the channel's number there. */
export interface Remote {
  readonly address: string
  readonly secret: string
  readonly channel: number
}

/** Where a channel's state is: in this thread, or with its owner at an address. */
export type Link<S extends ChannelState> = { readonly local: S } | Remote

/**
 * The link of a handle that arrived as `remote`: the state itself when this thread owns it,
 * else the address.
 */
export function linkTo<K extends ChannelState['kind']>(
  kind: K,
  remote: Remote,
): Link<Extract<ChannelState, { readonly kind: K }>> {
  const broker = Broker.existing()
  const state = broker?.address === remote.address ? broker.state(remote.channel) : undefined
  if (state?.kind === kind) return { local: state as Extract<ChannelState, { readonly kind: K }> }
  return { address: remote.address, secret: remote.secret, channel: remote.channel }
}

/** Where other threads and processes reach `link`'s state; a local state is published first. */
export function remoteOf(link: Link<ChannelState>): Remote {
  if ('local' in link) {
    const broker = Broker.current()
    return { address: broker.address, secret: broker.secret, channel: broker.publish(link.local) }
  }
  return { address: link.address, secret: link.secret, channel: link.channel }
}

/**
 * Starts an operation on a state in this thread and settles with its outcome. While it waits,
 * an aborting signal withdraws it (nothing was taken) and rejects with the signal's reason.
 */
export function localCall<T>(
  start: (receiver: Receiver<T>) => Withdraw | undefined,
  signals: readonly AbortSignal[],
  error: (failure: Failure) => unknown,
): Promise<T> {
  const aborted = signals.find((signal) => signal.aborted)
  if (aborted !== undefined) return Promise.reject(aborted.reason as unknown)
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      for (const signal of signals) signal.removeEventListener('abort', onAbort)
    }
    const onAbort = (event: Event): void => {
      if (withdraw?.() === true) {
        cleanup()
        reject((event.target as AbortSignal).reason)
      }
    }
    const withdraw = start({
      deliver: (value) => {
        cleanup()
        resolve(value)
        return true
      },
      fail: (failure) => {
        cleanup()
        reject(error(failure))
      },
    })
    if (withdraw !== undefined) {
      for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true })
    }
  })
}

/** The signals an operation listens to: the caller's, and the running task's own. */
export function signalsFor(signal: AbortSignal | undefined): AbortSignal[] {
  const task = currentSignal()
  return signal === undefined ? [task] : [task, signal]
}

/** Options every waiting operation on a queue or a pipe takes. */
export interface WaitingOptions {
  readonly timeout?: number | undefined
  readonly signal?: AbortSignal | undefined
}

/** Checks `timeout` and `signal`. @throws TypeError/RangeError naming the bad option. */
export function checkWaitingOptions(options: WaitingOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected options to be an object, got \`${String(options)}\``)
  }
  checkTimeout(options.timeout)
  checkSignal(options.signal)
}

/** Turns the owner's failure of an operation into its error (with the cause, when known). */
export type FailureError = (failure: Failure, cause?: unknown) => Error

/**
 * The errors of reading and of writing operations on `subject` (`'Queue'`, `'Pipe'`), as
 * {@link failureError} makes them.
 */
export function failureErrors(subject: string): {
  readonly readError: FailureError
  readonly writeError: FailureError
} {
  return {
    readError: (failure, cause) => failureError(failure, subject, true, cause),
    writeError: (failure, cause) => failureError(failure, subject, false, cause),
  }
}

/**
 * The error for the owner's `failure` of an operation on `subject` (`'Queue'`, `'Pipe'`);
 * `cause` is why the owner could not be reached, when it is known.
 */
export function failureError(
  failure: Failure,
  subject: string,
  reading: boolean,
  cause?: unknown,
): Error {
  switch (failure) {
    case 'empty':
      return new EmptyError()
    case 'full':
      return new FullError()
    case 'eof':
      return new EOFError()
    case 'broken-pipe':
      return new BrokenPipeError()
    case 'timeout':
      return new TimeoutError(`nothing arrived on the ${subject} within the timeout`)
    case 'cancelled':
      return new CancelledError(`the ${subject} operation was cancelled`)
    case 'unknown-channel':
      return new InvalidStateError(`the owner of this ${subject} no longer knows it`)
    case 'gone': {
      const code = (cause as { code?: unknown } | undefined)?.code
      const message =
        cause === undefined || ownerGone.has(code)
          ? `the thread or process that created this ${subject} has exited`
          : `the thread or process that created this ${subject} cannot be reached: ${cause instanceof Error ? cause.message : describe(cause)}`
      const options = cause === undefined ? undefined : { cause }
      return reading ? new EOFError(message, options) : new BrokenPipeError(message, options)
    }
  }
}

/** Connection errors that mean the owner's socket is gone with its thread or process. */
const ownerGone: ReadonlySet<unknown> = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'])
