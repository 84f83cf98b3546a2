/**
 * The owner's side of queues and pipes: every thread that creates a `Queue` or a `Pipe` owns
 * its state, and once one is handed to another thread or process, this thread's broker serves
 * it there.
 *
 * ```
 * task (thread or process)          owner thread (usually the main one)
 *   queue.get() ── Client ──socket──▶ Broker ──▶ QueueState ──▶ item (or wait in line)
 *        ▲                                          │
 *        └───────────── reply (v8-serialized) ◀─────┘
 * ```
 *
 * The broker is a stream server on a local socket (an abstract Unix socket on Linux, a file
 * socket on other Unixes, a named pipe on Windows), started the first time one of the thread's
 * queues or pipes is passed on. Worker threads and child processes reach it alike; a handle in
 * the owner's own thread skips it and calls the state directly. It is not a general RPC
 * server: it knows queue and pipe operations only, and it speaks only to clients that present
 * the secret carried by the descriptors this program handed out.
 *
 * When a client's socket closes (its thread or process ended or was killed), everything it was
 * waiting for is withdrawn, so no item is handed to a receiver that is gone. The server and its
 * sockets never keep the program alive.
 */
import { randomBytes } from 'node:crypto'
import { unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'

import type { PipeState } from './pipe-state.js'
import type { QueueState } from './queue-state.js'
import type { Receiver, Withdraw } from './receiver.js'
import { deadlineFor } from './steps.js'
import {
  encodeFrame,
  FrameReader,
  writeFrame,
  type Failure,
  type Reply,
  type Request,
} from './wire.js'

/** The state of a queue or a pipe. */
export type ChannelState = QueueState | PipeState

// One broker per thread, shared by every copy of this module in it: a task module loaded
// through a TypeScript loader gets a copy of its own (see @concurrent/worker's task context).
// For the same reason states are told apart by their `kind`, never with `instanceof`.
const brokerKey = Symbol.for('concurrent.multiprocessing.broker')
const shared = globalThis as { [brokerKey]?: Broker }

export class Broker {
  /** Where clients connect. */
  readonly address: string
  /** What a client must present first. */
  readonly secret = randomBytes(16).toString('hex')
  readonly #channels = new Map<number, ChannelState>()
  readonly #ids = new WeakMap<ChannelState, number>()
  #nextId = 1
  #server: Server | undefined

  private constructor() {
    this.address = socketAddress()
  }

  /** This thread's broker, created on first use. */
  static current(): Broker {
    return (shared[brokerKey] ??= new Broker())
  }

  /** This thread's broker if it has one. */
  static existing(): Broker | undefined {
    return shared[brokerKey]
  }

  /** The id of `state`, registering it (and starting the server) the first time. */
  publish(state: ChannelState): number {
    let id = this.#ids.get(state)
    if (id === undefined) {
      id = this.#nextId++
      this.#ids.set(state, id)
      this.#channels.set(id, state)
    }
    this.#serve()
    return id
  }

  /** The state published as `id`. */
  state(id: number): ChannelState | undefined {
    return this.#channels.get(id)
  }

  #serve(): void {
    if (this.#server !== undefined) return
    const server = createServer((socket) => this.#accept(socket))
    server.on('error', () => undefined)
    // Binding happens within listen() itself, so a descriptor handed out right after this
    // call already names a socket that accepts connections.
    server.listen(this.address)
    server.unref()
    this.#server = server
    const path = this.address
    if (!path.startsWith('\0') && !path.startsWith('\\\\')) {
      process.once('exit', () => {
        try {
          unlinkSync(path)
        } catch {
          // Already gone.
        }
      })
    }
  }

  #accept(socket: Socket): void {
    socket.unref()
    socket.on('error', () => undefined)
    const peer = new Peer(socket, (id) => this.#channels.get(id))
    const reader = new FrameReader()
    let trusted = false
    socket.on('data', (chunk: Buffer) => {
      let messages: unknown[]
      try {
        messages = reader.push(chunk)
      } catch {
        socket.destroy()
        return
      }
      for (const message of messages) {
        if (trusted) {
          peer.handle(message as Request)
        } else if (
          (message as Request).type === 'hello' &&
          (message as { secret?: unknown }).secret === this.secret
        ) {
          trusted = true
        } else {
          socket.destroy()
          return
        }
      }
    })
    socket.on('close', () => peer.close())
  }
}

/** One client connection, as the broker serves it. */
class Peer {
  readonly #socket: Socket
  readonly #channel: (id: number) => ChannelState | undefined
  /** Requests parked in a state, by number: how to withdraw each. */
  readonly #waiting = new Map<number, Withdraw>()
  /** Values handed to this client and not settled yet: how to put each back. */
  readonly #taken = new Map<number, () => void>()

  constructor(socket: Socket, channel: (id: number) => ChannelState | undefined) {
    this.#socket = socket
    this.#channel = channel
  }

  /** The client is gone: withdraw what it waits for, put back what it had not settled. */
  close(): void {
    for (const withdraw of this.#waiting.values()) withdraw()
    this.#waiting.clear()
    // Latest first, each in front: the earliest ends up first, as it was.
    for (const putBack of [...this.#taken.values()].reverse()) putBack()
    this.#taken.clear()
  }

  handle(request: Request): void {
    switch (request.type) {
      case 'hello':
        return
      case 'cancel': {
        const withdraw = this.#waiting.get(request.req)
        if (withdraw?.() === true) {
          this.#waiting.delete(request.req)
          this.#fail(request.req, 'cancelled')
        }
        return
      }
      case 'settle': {
        const putBack = this.#taken.get(request.req)
        this.#taken.delete(request.req)
        if (!request.keep) putBack?.()
        return
      }
      case 'push': {
        const state = this.#channel(request.channel)
        if (state?.kind === 'queue') {
          state.put(request.value, { deliver: () => true, fail: noop }, true, undefined)
        }
        return
      }
      case 'put':
      case 'get':
      case 'size': {
        const state = this.#channel(request.channel)
        if (state?.kind !== 'queue') {
          this.#fail(request.req, 'unknown-channel')
        } else if (request.type === 'size') {
          this.#answer({ type: 'reply', req: request.req, ok: true, value: state.size })
        } else if (request.type === 'put') {
          const receiver = this.#receiver<undefined>(request.req)
          const deadline = deadlineFor(request.timeout)
          this.#park(request.req, state.put(request.value, receiver, request.block, deadline))
        } else {
          const receiver = this.#receiver<unknown>(request.req, (value) => state.unget(value))
          const deadline = deadlineFor(request.timeout)
          this.#park(request.req, state.get(receiver, request.block, deadline))
        }
        return
      }
      case 'send':
      case 'recv':
      case 'poll':
      case 'addref':
      case 'release': {
        const state = this.#channel(request.channel)
        if (state?.kind !== 'pipe') {
          if (request.type === 'send' || request.type === 'recv' || request.type === 'poll') {
            this.#fail(request.req, 'unknown-channel')
          }
          return
        }
        switch (request.type) {
          case 'send': {
            const failure = state.send(request.end, request.value)
            if (failure === undefined) {
              this.#answer({ type: 'reply', req: request.req, ok: true, value: undefined })
            } else {
              this.#fail(request.req, failure)
            }
            return
          }
          case 'recv': {
            const end = request.end
            const receiver = this.#receiver<unknown>(request.req, (value) =>
              state.unrecv(end, value),
            )
            this.#park(request.req, state.recv(end, receiver, deadlineFor(request.timeout)))
            return
          }
          case 'poll':
            this.#park(
              request.req,
              state.poll(
                request.end,
                this.#receiver<boolean>(request.req),
                deadlineFor(request.timeout),
              ),
            )
            return
          case 'addref':
            state.addRef(request.end, request.ref)
            return
          case 'release':
            state.release(request.end, request.ref)
            return
        }
      }
    }
  }

  /**
   * The receiver for request `req`. With `putBack`, a value handed over counts as taken until
   * the client settles it.
   */
  #receiver<T>(req: number, putBack?: (value: T) => void): Receiver<T> {
    return {
      deliver: (value) => {
        this.#waiting.delete(req)
        if (!this.#answer({ type: 'reply', req, ok: true, value })) return false
        if (putBack !== undefined) this.#taken.set(req, () => putBack(value))
        return true
      },
      fail: (failure) => {
        this.#waiting.delete(req)
        this.#fail(req, failure)
      },
    }
  }

  #park(req: number, withdraw: Withdraw | undefined): void {
    if (withdraw !== undefined) this.#waiting.set(req, withdraw)
  }

  #answer(reply: Reply): boolean {
    return writeFrame(this.#socket, encodeFrame(reply))
  }

  #fail(req: number, failure: Failure): void {
    this.#answer({ type: 'reply', req, ok: false, failure })
  }
}

/** A fresh local socket address for this thread. */
function socketAddress(): string {
  const name = `concurrent-mp-${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`
  if (process.platform === 'win32') return `\\\\.\\pipe\\${name}`
  if (process.platform === 'linux') return `\0${name}`
  return join(tmpdir(), `${name}.sock`)
}

function noop(): void {
  // A push needs no answer.
}
