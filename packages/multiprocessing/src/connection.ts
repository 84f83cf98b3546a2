/**
 * `Connection`: one end of a {@link Pipe}, Python's `multiprocessing.connection.Connection`.
 * Like a queue, the pipe's state lives with whoever created it; a connection passed to a task
 * reaches it over the owner's local socket.
 */
import { randomBytes } from 'node:crypto'

import { InvalidStateError } from '@concurrent/future'
import { DataCloneError } from '@concurrent/worker'

import {
  checkWaitingOptions,
  failureErrors,
  linkTo,
  localCall,
  remoteOf,
  signalsFor,
  type Link as ChannelLink,
  type Remote,
} from './internal/channels/channel-call.js'
import { Client, request } from './internal/channels/client.js'
import { PipeState } from './internal/channels/pipe-state.js'
import { deadlineFor } from './internal/sync/steps.js'
import { Adopt, kEncode, registerHandle } from './internal/transport/handles.js'
import { pack, unpack } from './internal/transport/items.js'
import type { End, Packed } from './internal/channels/messages.js'

/**
 * Options of {@link Connection.recv}.
 *
 * @example
 * ```ts
 * const message = await connection.recv({ timeout: 5_000 }) // TimeoutError if nothing came
 * ```
 * @category Communication
 */
export interface RecvOptions {
  /**
   * Milliseconds to wait for a value; when they pass, the call rejects with `TimeoutError`
   * (Python's `recv()` has no timeout; `poll(timeout)` then `recv()` is the Python way).
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
  /**
   * Gives the wait up: the call rejects with `signal.reason` and receives nothing. Inside a
   * task, the task's own cancellation does the same without being passed.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * Options of {@link Connection.poll}.
 *
 * @example
 * ```ts
 * if (await connection.poll({ timeout: 100 })) console.log(await connection.recv())
 * ```
 * @category Communication
 */
export interface PollOptions {
  /**
   * Milliseconds to wait for something to receive. `0` looks once (Python's default);
   * `Infinity` waits as long as it takes (Python's `poll(None)`).
   *
   * @defaultValue `0`
   */
  readonly timeout?: number | undefined
  /**
   * Gives the wait up: the call rejects with `signal.reason`.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/** Where a pipe's state is: in this thread, or with the owner at an address. */
type Link = ChannelLink<PipeState>

/** One handle on one end of a pipe. */
interface ConnectionState {
  readonly link: Link
  readonly end: End
  /** This handle's own reference on its end: the end closes once every reference is closed. */
  readonly ref: string
  readonly duplex: boolean
}

/** A connection as it travels: a new handle on the same end. */
interface ConnectionData extends Remote {
  readonly end: End
  readonly ref: string
  readonly duplex: boolean
}

const { readError, writeError } = failureErrors('Pipe')

const VALUE = 'the value sent on the Connection'

/**
 * One end of a {@link Pipe}: what one side sends, the other receives, in order — Python's
 * `Connection`. Values are copied with the structured clone algorithm.
 *
 * A connection passed to a task (of any executor, or through {@link Pool} or {@link Process})
 * reconnects there.
 * Each such copy is a handle of its own, open until it is closed or its task ends (as a
 * process's file descriptors close when it exits); an end is closed once every handle on it
 * is. Then the other side's `recv` raises {@link EOFError} (after what was sent before) and its
 * `send` raises {@link BrokenPipeError}.
 *
 * - **Cancel**: a `recv` given up (its `signal` aborted, its task cancelled) receives nothing;
 *   a value that was on its way is put back first in line.
 * - **Lifetime**: the pipe lives in the thread that created it; a handle elsewhere fails with
 *   {@link EOFError} or {@link BrokenPipeError} once that thread has exited.
 *
 * @typeParam T - the type of the values sent both ways.
 * @example
 * ```ts
 * import { Pipe } from '@concurrent/multiprocessing'
 *
 * const [parent, child] = Pipe<string>()
 * await child.send('ping')
 * console.log(await parent.recv()) // 'ping'
 * ```
 * @category Communication
 */
export class Connection<T = unknown> implements Disposable {
  /** Whether this end can receive (`false` for the writing end of `Pipe({ duplex: false })`). */
  readonly readable: boolean
  /** Whether this end can send (`false` for the reading end of `Pipe({ duplex: false })`). */
  readonly writable: boolean
  readonly #link: Link
  readonly #end: End
  readonly #duplex: boolean
  readonly #ref: string
  #closed = false

  /**
   * Connections come from {@link Pipe}; this constructor is not public.
   *
   * @internal
   */
  constructor(adopt?: Adopt<ConnectionState>) {
    if (!(adopt instanceof Adopt)) {
      throw new TypeError('Connections come in pairs from Pipe(): call Pipe() instead')
    }
    const { link, end, ref, duplex } = adopt.state
    this.#link = link
    this.#end = end
    this.#ref = ref
    this.#duplex = duplex
    this.readable = duplex || end === 0
    this.writable = duplex || end === 1
  }

  /** Whether {@link Connection.close} was called on this handle. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Sends `value` to the other end. The value is copied now.
   *
   * @returns a promise that resolves once the pipe holds the value.
   * @throws {@link BrokenPipeError} when every handle on the other end is closed.
   * @throws `DataCloneError` when the value cannot be copied (a function; a lock or shared
   * memory, which travel only as task arguments).
   * @throws RangeError when the value takes more than {@link MAX_MESSAGE_BYTES} once
   * serialized (nothing is sent).
   * @throws `InvalidStateError` when this handle is closed or cannot send.
   * @example
   * ```ts
   * await connection.send({ step: 1, of: 3 })
   * ```
   */
  async send(value: T): Promise<void> {
    this.#check(this.writable, 'read-only')
    const sent = pack(value, VALUE)
    const link = this.#link
    if ('local' in link) {
      const failure = link.local.send(this.#end, sent)
      if (failure !== undefined) throw writeError(failure)
      return
    }
    await request<undefined>(
      Client.for(link.address, link.secret),
      { type: 'send', channel: link.channel, end: this.#end, value: sent },
      { signals: [], error: writeError, what: VALUE },
    )
  }

  /**
   * Receives the next value sent by the other end, waiting for one.
   *
   * @returns a promise for the value.
   * @throws {@link EOFError} when nothing is left and every handle on the other end is closed.
   * @throws `TimeoutError` when nothing comes within `timeout`.
   * @throws `signal.reason` (or the task's `CancelledError`) when the wait is given up; nothing
   * is taken.
   * @throws `InvalidStateError` when this handle is closed or cannot receive.
   * @example
   * ```ts
   * const message = await connection.recv({ timeout: 5_000 })
   * ```
   */
  async recv(options: RecvOptions = {}): Promise<T> {
    this.#check(this.readable, 'write-only')
    checkWaitingOptions(options)
    const signals = signalsFor(options.signal)
    const deadline = deadlineFor(options.timeout)
    const link = this.#link
    if ('local' in link) {
      const value = await localCall<Packed>(
        (receiver) => link.local.recv(this.#end, receiver, deadline),
        signals,
        readError,
      )
      return (await unpack(value)) as T
    }
    return request<T>(
      Client.for(link.address, link.secret),
      { type: 'recv', channel: link.channel, end: this.#end, timeout: options.timeout },
      { signals, error: readError, decode: unpack as (value: unknown) => Promise<T> },
    )
  }

  /**
   * Whether there is something to receive: a value, or the end of the pipe (then `recv` raises
   * {@link EOFError} at once). Waits up to `timeout` for it — by default not at all, as in
   * Python.
   *
   * @returns a promise for `true` when `recv` would return (or raise) at once.
   * @throws `signal.reason` when the signal aborts first.
   * @throws `InvalidStateError` when this handle is closed or cannot receive.
   * @example
   * ```ts
   * if (await connection.poll({ timeout: 100 })) console.log(await connection.recv())
   * ```
   */
  async poll(options: PollOptions = {}): Promise<boolean> {
    this.#check(this.readable, 'write-only')
    checkWaitingOptions(options)
    const timeout = options.timeout ?? 0
    const signals = signalsFor(options.signal)
    const link = this.#link
    if ('local' in link) {
      return localCall<boolean>(
        (receiver) => link.local.poll(this.#end, receiver, deadlineFor(timeout)),
        signals,
        readError,
      )
    }
    return request<boolean>(
      Client.for(link.address, link.secret),
      { type: 'poll', channel: link.channel, end: this.#end, timeout },
      { signals, error: readError },
    )
  }

  /**
   * Closes this handle. Once every handle on this end is closed, the other end's `recv`
   * raises {@link EOFError} after taking what was sent, and its `send` raises
   * {@link BrokenPipeError}. Closing twice does nothing.
   *
   * @example
   * ```ts
   * await writer.send('done')
   * writer.close()
   * ```
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#release(this.#ref)
  }

  /** Closes this handle (`using connection = …`, like Python's `with`). */
  [Symbol.dispose](): void {
    this.close()
  }

  /**
   * A new handle on this end, for another thread or process: open until `onRelease`'s release
   * runs (its task ended) or, sent through a queue or a pipe, until its receiver closes it.
   *
   * @internal
   */
  [kEncode](_destination: unknown, onRelease: (release: () => void) => void): ConnectionData {
    if (this.#closed) {
      throw new DataCloneError('a closed Connection, which cannot be sent: send an open one')
    }
    const ref = newRef()
    const link = this.#link
    if ('local' in link) {
      link.local.addRef(this.#end, ref)
    } else {
      const { address, secret, channel } = link
      Client.for(address, secret).post({ type: 'addref', channel, end: this.#end, ref })
    }
    onRelease(() => this.#release(ref))
    return { ...remoteOf(link), end: this.#end, ref, duplex: this.#duplex }
  }

  #release(ref: string): void {
    const link = this.#link
    if ('local' in link) {
      link.local.release(this.#end, ref)
    } else {
      Client.for(link.address, link.secret).post({
        type: 'release',
        channel: link.channel,
        end: this.#end,
        ref,
      })
    }
  }

  #check(allowed: boolean, kind: string): void {
    if (this.#closed) throw new InvalidStateError('the Connection is closed')
    if (!allowed) throw new InvalidStateError(`the Connection is ${kind}`)
  }
}

/**
 * Creates the two connections of a new pipe in this thread.
 *
 * @internal
 */
export function createPipe<T>(duplex: boolean): [Connection<T>, Connection<T>] {
  const refs = [newRef(), newRef()] as const
  const link: Link = { local: new PipeState(refs) }
  return [
    new Connection<T>(new Adopt({ link, end: 0, ref: refs[0], duplex })),
    new Connection<T>(new Adopt({ link, end: 1, ref: refs[1], duplex })),
  ]
}

function newRef(): string {
  return randomBytes(8).toString('hex')
}

registerHandle(
  Connection,
  'Connection',
  new URL('./connection.js', import.meta.url).href,
  ({ end, ref, duplex, ...remote }: ConnectionData) =>
    new Connection(new Adopt({ link: linkTo('pipe', remote), end, ref, duplex })),
)
