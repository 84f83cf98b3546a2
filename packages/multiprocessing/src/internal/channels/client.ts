/**
 * The handle's side of the wire: one socket per (this thread, owner) pair, shared by every
 * handle in this thread on that owner's queues and pipes, with requests matched to replies by
 * number. The socket keeps the program alive only while a request waits for its reply. Replies
 * are checked as the owner checks requests (see `wire.ts`): one that is malformed, too long or
 * not what its request expects closes the connection, and the requests still waiting fail as
 * if the owner had gone.
 *
 * A request given up by its caller (its signal aborted, its task was cancelled) is not simply
 * forgotten: the owner is told to withdraw it, and if the owner had already answered — the
 * item is on its way — the item is handed back to go in front of the queue, so an item is
 * never lost to a consumer that stopped waiting.
 *
 * An item that does reach the caller is confirmed to the owner (`settle`) only after the
 * caller's code has run with it: once this thread's event loop turns (`setImmediate`), or
 * before this thread sends the owner anything else, or when the task that holds the handle
 * ends ({@link flushSettles}). A consumer that dies before that has not confirmed the item,
 * and the owner puts it back: an item is never lost to a consumer's death, though it may be
 * delivered again (see the README's delivery guarantee).
 */
import { connect, type Socket } from 'node:net'

import { atTaskEnd } from '@concurrent/worker/internal'

import { cloneError } from '../transport/items.js'
import {
  decodeReply,
  encodeFrame,
  FrameReader,
  helloFrame,
  isReplyValue,
  MAX_FRAME_BYTES,
} from './wire.js'
import type { Call, CallType, Failure, Reply, Request } from './messages.js'

const clientsKey = Symbol.for('concurrent.multiprocessing.clients')
const shared = globalThis as { [clientsKey]?: Map<string, Client> }

/** How a waiting request ends: its reply, or `gone` (with why, when known). */
type Settle = (reply: Reply, cause?: unknown) => void

export class Client {
  readonly #socket: Socket
  readonly #pending = new Map<number, { readonly type: CallType; readonly settle: Settle }>()
  /** Requests whose value was kept, to confirm to the owner. */
  #kept: number[] = []
  #flushing = false
  #nextReq = 1
  #gone = false
  /** Why the connection failed, if it did with an error. */
  #cause: unknown

  private constructor(address: string, secret: string) {
    const socket = connect(address)
    socket.unref()
    socket.on('error', (error) => {
      this.#cause ??= error
    })
    const reader = new FrameReader(MAX_FRAME_BYTES)
    const onBody = (body: Buffer): boolean => {
      const reply = decodeReply(body)
      const pending = reply === undefined ? undefined : this.#pending.get(reply.req)
      // A reply to no request waiting here is dropped: nothing waits for it.
      if (reply !== undefined && pending === undefined) return true
      if (reply === undefined || pending === undefined || !isExpected(pending.type, reply)) {
        this.#cause ??= new TypeError('the owner sent a malformed reply')
        socket.destroy()
        return false
      }
      this.#pending.delete(reply.req)
      if (this.#pending.size === 0) socket.unref()
      pending.settle(reply)
      return true
    }
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, onBody)
      } catch (error) {
        this.#cause ??= error
        socket.destroy()
      }
    })
    socket.on('close', () => {
      this.#gone = true
      this.#kept = []
      if (shared[clientsKey]?.get(address) === this) shared[clientsKey].delete(address)
      const pending = [...this.#pending]
      this.#pending.clear()
      for (const [req, { settle }] of pending) {
        settle({ type: 'reply', req, ok: false, failure: 'gone' }, this.#cause)
      }
    })
    // Written once the socket connects; a request written before that waits behind it.
    socket.write(helloFrame(secret))
    this.#socket = socket
  }

  /** This thread's client for the owner at `address`. */
  static for(address: string, secret: string): Client {
    const clients = (shared[clientsKey] ??= new Map())
    let client = clients.get(address)
    if (client === undefined) {
      client = new Client(address, secret)
      clients.set(address, client)
    }
    return client
  }

  /**
   * Sends `call`; `settle` gets its reply (or `gone` if the owner goes away first).
   *
   * @param what - what the call carries, for the error when it cannot be copied.
   * @returns the request's number, to cancel it with.
   * @throws `DataCloneError` when the call carries a value that cannot be copied.
   */
  call(call: Call, settle: Settle, what = 'the value'): number {
    const req = this.#nextReq++
    let frame: Buffer
    try {
      frame = encodeFrame({ ...call, req })
    } catch (error) {
      throw cloneError(error, what)
    }
    if (this.#gone) {
      const cause = this.#cause
      queueMicrotask(() => settle({ type: 'reply', req, ok: false, failure: 'gone' }, cause))
      return req
    }
    if (this.#pending.size === 0) this.#socket.ref()
    this.#pending.set(req, { type: call.type, settle })
    this.#socket.write(this.#withSettles(frame))
    return req
  }

  /** Sends a one-way message (dropped if the owner is gone). */
  post(message: Request): void {
    if (this.#gone) return
    this.#socket.write(this.#withSettles(encodeFrame(message)))
  }

  /**
   * Sends a one-way message that carries a value, and resolves once the bytes are with the
   * operating system: a local socket then delivers them even if this thread or process ends at
   * once, so a put that resolved is never lost to its task's end.
   *
   * @returns a promise for `false` if the owner is gone.
   * @throws `DataCloneError` (synchronously) when the value cannot be copied.
   */
  push(message: Request, what: string): Promise<boolean> {
    let frame: Buffer
    try {
      frame = encodeFrame(message)
    } catch (error) {
      throw cloneError(error, what)
    }
    if (this.#gone) return Promise.resolve(false)
    return new Promise((resolve) => {
      this.#socket.write(this.#withSettles(frame), (error) =>
        resolve(error === undefined || error === null),
      )
    })
  }

  /**
   * Confirms to the owner, soon, that the value request `req` took was kept: once this
   * thread's event loop turns, so after the code that awaited the value has run with it.
   */
  keep(req: number): void {
    if (this.#gone) return
    this.#kept.push(req)
    // A task that took the value may end before the loop turns: confirm before its result
    // leaves (its worker may be stopped right after).
    atTaskEnd(flushSettles)
    if (this.#flushing) return
    this.#flushing = true
    setImmediate(() => this.flush())
  }

  /** Sends the confirmations of kept values now. */
  flush(): void {
    this.#flushing = false
    if (this.#kept.length === 0 || this.#gone) return
    this.#socket.write(this.#withSettles(Buffer.alloc(0)))
  }

  /** `frame` after the confirmations of kept values, in one write: they go first. */
  #withSettles(frame: Buffer): Buffer {
    if (this.#kept.length === 0) return frame
    const frames = this.#kept.map((req) => encodeFrame({ type: 'settle', req, keep: true }))
    this.#kept = []
    frames.push(frame)
    return Buffer.concat(frames)
  }
}

function isExpected(type: CallType, reply: Reply): boolean {
  return !reply.ok || isReplyValue(type, reply.value)
}

/**
 * Confirms every value this thread's handles have taken and kept (see {@link Client.keep}) to
 * its owner now: run when a task that took values ends, which is not the end of its thread
 * but may be the last chance.
 */
export function flushSettles(): void {
  for (const client of shared[clientsKey]?.values() ?? []) client.flush()
}

/** Options of one remote operation. */
export interface RequestOptions<T> {
  /** Signals that give the operation up. */
  readonly signals: readonly AbortSignal[]
  /**
   * The call takes a value (`get`, `recv`): `decode` turns the bytes into what the caller gets,
   * before anything is confirmed. The value is then kept when the call is still wanted
   * (confirmed once the caller has run with it), handed back to the owner when it was given up
   * meanwhile. Without it, a late success counts (a put that happened stays done).
   */
  readonly decode?: ((value: unknown) => Promise<T>) | undefined
  /** The error for a failure (with why the owner is `gone`, when known). */
  readonly error: (failure: Failure, cause?: unknown) => unknown
  /** What the call carries, for the error when it cannot be copied. */
  readonly what?: string | undefined
}

/**
 * Runs `call` on the owner and settles with its value.
 *
 * When a signal aborts first, the owner is asked to withdraw the call and the promise settles
 * with the owner's verdict: rejected with the signal's reason if the call was withdrawn, or if
 * it had taken a value (which is handed back); resolved if it had already done what it does
 * (a put that happened stays done).
 */
export function request<T>(client: Client, call: Call, options: RequestOptions<T>): Promise<T> {
  const aborted = options.signals.find((signal) => signal.aborted)
  if (aborted !== undefined) return Promise.reject(aborted.reason as unknown)
  return new Promise<T>((resolve, reject) => {
    let reason: { readonly value: unknown } | undefined
    const onAbort = (event: Event): void => {
      if (reason !== undefined) return
      reason = { value: (event.target as AbortSignal).reason }
      client.post({ type: 'cancel', req })
    }
    const req = client.call(
      call,
      (reply, cause) => {
        for (const signal of options.signals) signal.removeEventListener('abort', onAbort)
        if (!reply.ok) {
          reject(reason === undefined ? options.error(reply.failure, cause) : reason.value)
          return
        }
        const { decode } = options
        if (decode === undefined) {
          resolve(reply.value as T)
          return
        }
        if (reason !== undefined) {
          client.post({ type: 'settle', req, keep: false })
          reject(reason.value)
          return
        }
        decode(reply.value).then(
          (value) => {
            resolve(value)
            client.keep(req)
          },
          (error: unknown) => {
            // An item this thread cannot read would fail every consumer in turn: it is taken,
            // and the error is the caller's, as Python's `get()` raises an unpickling error.
            client.keep(req)
            reject(error)
          },
        )
      },
      options.what,
    )
    for (const signal of options.signals) signal.addEventListener('abort', onAbort)
  })
}
