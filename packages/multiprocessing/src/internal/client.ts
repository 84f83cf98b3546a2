/**
 * The handle's side of the wire: one socket per (this thread, owner) pair, shared by every
 * handle in this thread on that owner's queues and pipes, with requests matched to replies by
 * number. The socket keeps the program alive only while a request waits for its reply.
 *
 * A request given up by its caller (its signal aborted, its task was cancelled) is not simply
 * forgotten: the owner is told to withdraw it, and if the owner had already answered — the
 * item is on its way — the caller's {@link request} puts that item back in front of the queue,
 * so an item is never lost to a consumer that stopped waiting.
 */
import { connect, type Socket } from 'node:net'

import { cloneError } from './marshal.js'
import {
  encodeFrame,
  FrameReader,
  type Call,
  type Failure,
  type Reply,
  type Request,
} from './wire.js'

const clientsKey = Symbol.for('concurrent.multiprocessing.clients')
const shared = globalThis as { [clientsKey]?: Map<string, Client> }

export class Client {
  readonly #socket: Socket
  readonly #pending = new Map<number, (reply: Reply) => void>()
  #nextReq = 1
  #gone = false

  private constructor(address: string, secret: string) {
    const socket = connect(address)
    socket.unref()
    socket.on('error', () => undefined)
    const reader = new FrameReader()
    socket.on('data', (chunk: Buffer) => {
      let replies: unknown[]
      try {
        replies = reader.push(chunk)
      } catch {
        socket.destroy()
        return
      }
      for (const reply of replies as Reply[]) {
        const settle = this.#pending.get(reply.req)
        if (settle === undefined) continue
        this.#pending.delete(reply.req)
        if (this.#pending.size === 0) socket.unref()
        settle(reply)
      }
    })
    socket.on('close', () => {
      this.#gone = true
      shared[clientsKey]?.delete(address)
      const pending = [...this.#pending]
      this.#pending.clear()
      for (const [req, settle] of pending)
        settle({ type: 'reply', req, ok: false, failure: 'gone' })
    })
    // Written once the socket connects; a request written before that waits behind it.
    socket.write(encodeFrame({ type: 'hello', secret }))
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
  call(call: Call, settle: (reply: Reply) => void, what = 'the value'): number {
    const req = this.#nextReq++
    let frame: Buffer
    try {
      frame = encodeFrame({ ...call, req })
    } catch (error) {
      throw cloneError(error, what)
    }
    if (this.#gone) {
      queueMicrotask(() => settle({ type: 'reply', req, ok: false, failure: 'gone' }))
      return req
    }
    if (this.#pending.size === 0) this.#socket.ref()
    this.#pending.set(req, settle)
    this.#socket.write(frame)
    return req
  }

  /** Sends a one-way message (dropped if the owner is gone). */
  post(message: Request): void {
    if (!this.#gone) this.#socket.write(encodeFrame(message))
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
      this.#socket.write(frame, (error) => resolve(error === undefined || error === null))
    })
  }
}

/** Options of one remote operation. */
export interface RequestOptions {
  /** Signals that give the operation up. */
  readonly signals: readonly AbortSignal[]
  /**
   * The call takes a value (`get`, `recv`) that must be settled: kept when the call is still
   * wanted, handed back to the owner when it was given up meanwhile. Without it, a late
   * success counts (a put that happened stays done).
   */
  readonly takes?: boolean | undefined
  /** The error for a failure. */
  readonly error: (failure: Failure) => unknown
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
export function request(client: Client, call: Call, options: RequestOptions): Promise<unknown> {
  const aborted = options.signals.find((signal) => signal.aborted)
  if (aborted !== undefined) return Promise.reject(aborted.reason as unknown)
  return new Promise((resolve, reject) => {
    let reason: { readonly value: unknown } | undefined
    const onAbort = (event: Event): void => {
      if (reason !== undefined) return
      reason = { value: (event.target as AbortSignal).reason }
      client.post({ type: 'cancel', req })
    }
    const req = client.call(
      call,
      (reply) => {
        for (const signal of options.signals) signal.removeEventListener('abort', onAbort)
        if (reply.ok) {
          const keep = reason === undefined || options.takes !== true
          if (options.takes === true) client.post({ type: 'settle', req, keep })
          if (keep) resolve(reply.value)
          else reject(reason?.value)
        } else {
          reject(reason === undefined ? options.error(reply.failure) : reason.value)
        }
      },
      options.what,
    )
    for (const signal of options.signals) signal.addEventListener('abort', onAbort)
  })
}
