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

import { PipeState } from './pipe-state.js'
import { QueueState } from './queue-state.js'
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
    const reader = new FrameReader()
    const waiting = new Map<number, Withdraw>()
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
          this.#handle(socket, waiting, message as Request)
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
    socket.on('close', () => {
      // Whatever this client waited for is withdrawn: nothing is handed to a closed socket.
      for (const withdraw of waiting.values()) withdraw()
      waiting.clear()
    })
  }

  #handle(socket: Socket, waiting: Map<number, Withdraw>, request: Request): void {
    const answer = (reply: Reply): boolean => writeFrame(socket, encodeFrame(reply))
    const receiver = <T>(req: number): Receiver<T> => ({
      deliver: (value) => {
        waiting.delete(req)
        return answer({ type: 'reply', req, ok: true, value })
      },
      fail: (failure) => {
        waiting.delete(req)
        answer({ type: 'reply', req, ok: false, failure })
      },
    })
    const park = (req: number, withdraw: Withdraw | undefined): void => {
      if (withdraw !== undefined) waiting.set(req, withdraw)
    }
    const fail = (req: number, failure: Failure): void => {
      answer({ type: 'reply', req, ok: false, failure })
    }
    switch (request.type) {
      case 'hello':
        return
      case 'cancel': {
        const withdraw = waiting.get(request.req)
        if (withdraw?.() === true) {
          waiting.delete(request.req)
          fail(request.req, 'cancelled')
        }
        return
      }
      case 'put':
      case 'get':
      case 'size':
      case 'unget': {
        const state = this.#channels.get(request.channel)
        if (!(state instanceof QueueState)) {
          if (request.type !== 'unget') fail(request.req, 'unknown-channel')
          return
        }
        if (request.type === 'unget') {
          state.unget(request.value)
        } else if (request.type === 'size') {
          answer({ type: 'reply', req: request.req, ok: true, value: state.size })
        } else if (request.type === 'put') {
          const deadline = deadlineFor(request.timeout)
          park(request.req, state.put(request.value, receiver(request.req), request.block, deadline))
        } else {
          const deadline = deadlineFor(request.timeout)
          park(request.req, state.get(receiver(request.req), request.block, deadline))
        }
        return
      }
      case 'send':
      case 'recv':
      case 'poll':
      case 'unrecv':
      case 'addref':
      case 'release': {
        const state = this.#channels.get(request.channel)
        if (!(state instanceof PipeState)) {
          if (request.type === 'send' || request.type === 'recv' || request.type === 'poll') {
            fail(request.req, 'unknown-channel')
          }
          return
        }
        switch (request.type) {
          case 'send': {
            const failure = state.send(request.end, request.value)
            if (failure === undefined) {
              answer({ type: 'reply', req: request.req, ok: true, value: undefined })
            } else {
              fail(request.req, failure)
            }
            return
          }
          case 'recv':
            park(
              request.req,
              state.recv(request.end, receiver(request.req), deadlineFor(request.timeout)),
            )
            return
          case 'poll':
            park(
              request.req,
              state.poll(request.end, receiver(request.req), deadlineFor(request.timeout)),
            )
            return
          case 'unrecv':
            state.unrecv(request.end, request.value)
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
}

/** A fresh local socket address for this thread. */
function socketAddress(): string {
  const name = `concurrent-mp-${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`
  if (process.platform === 'win32') return `\\\\.\\pipe\\${name}`
  if (process.platform === 'linux') return `\0${name}`
  return join(tmpdir(), `${name}.sock`)
}
