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
 * The broker is a stream server on a local socket, started the first time one of the thread's
 * queues or pipes is passed on. Worker threads and child processes reach it alike; a handle in
 * the owner's own thread skips it and calls the state directly. It is not a general RPC
 * server: it knows queue and pipe operations only.
 *
 * Who can talk to it (the threat model, stated for users in the README):
 * - The operating system first. On Linux and macOS the socket is a file inside a directory
 *   made for it by `mkdtemp` (mode `0700`): only this user (and root) can reach it. The
 *   directory is removed when the thread exits; one left behind by a program that was killed
 *   is removed by the next program that starts a broker ({@link sweepStaleDirectories}).
 *   On Windows it is a named pipe with the default
 *   security of the process, which lets only this user, administrators and SYSTEM open it for
 *   writing.
 * - Then the secret: a connection must open with the hello carrying the 128-bit secret that
 *   only descriptors this program handed out carry (see `wire.ts`). Until then it may send at
 *   most the hello's length, within {@link HANDSHAKE_TIMEOUT}, and at most
 *   {@link MAX_PENDING_HANDSHAKES} connections may be waiting to say it; any other connection
 *   is closed at once.
 * - Every frame, before and after the hello, is checked before it is used, and a connection
 *   that sends one that is too long or malformed is closed: that connection only, with what it
 *   was waiting for withdrawn and what it had taken put back. Nothing a peer sends can end the
 *   program.
 * A peer that knows the secret is this program's own code: it can take and put items as any
 *   handle can, but still cannot make the owner crash or hold more than one message of
 *   {@link MAX_FRAME_BYTES} per connection.
 *
 * When a client's socket closes (its thread or process ended or was killed), everything it was
 * waiting for is withdrawn and every value it had taken but not settled goes back in front, so
 * no item is lost to a receiver that is gone. The server and its sockets never keep the
 * program alive.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { readdir, rm, stat } from 'node:fs/promises'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { threadId } from 'node:worker_threads'

import type { PipeState } from './pipe-state.js'
import type { QueueState } from './queue-state.js'
import type { Receiver, Withdraw } from './receiver.js'
import { deadlineFor } from '../sync/steps.js'
import {
  decodeRequest,
  encodeFrame,
  FrameReader,
  helloLength,
  isHello,
  MAX_FRAME_BYTES,
  writeFrame,
} from './wire.js'
import type { Failure, Packed, Reply, Request } from './messages.js'

/** The state of a queue or a pipe. */
export type ChannelState = QueueState | PipeState

/** Milliseconds a new connection has to present the secret before it is closed. */
export const HANDSHAKE_TIMEOUT = 5_000

/**
 * How many connections may be waiting to present the secret at once; one more is closed at
 * once. A handle presents it as soon as it connects, so only a burst of more workers than this
 * connecting in the same instant, or someone who does not know the secret, ever waits long.
 */
export const MAX_PENDING_HANDSHAKES = 128

/** Settings of a {@link Broker}; tests shorten them. */
export interface BrokerOptions {
  /** @defaultValue {@link HANDSHAKE_TIMEOUT} */
  readonly handshakeTimeout?: number
  /** @defaultValue {@link MAX_PENDING_HANDSHAKES} */
  readonly maxPendingHandshakes?: number
}

// One broker per thread, shared by every copy of this module in it: a task module loaded
// through a TypeScript loader gets a copy of its own (see @concurrent/worker's task context).
// For the same reason states are told apart by their `kind`, never with `instanceof`.
const brokerKey = Symbol.for('concurrent.multiprocessing.broker')
const shared = globalThis as { [brokerKey]?: Broker }

export class Broker {
  /** Where clients connect. */
  readonly address: string
  /** What a client must present first: 128 random bits, as hex. */
  readonly secret = randomBytes(16).toString('hex')
  readonly #handshakeTimeout: number
  readonly #maxPending: number
  readonly #channels = new Map<number, ChannelState>()
  readonly #ids = new WeakMap<ChannelState, number>()
  readonly #sockets = new Set<Socket>()
  /** The private directory that holds the socket file; none for a named pipe. */
  readonly #directory: string | undefined
  #pending = 0
  #nextId = 1
  #server: Server | undefined
  #closed = false

  /** A broker of its own; a thread's queues and pipes use {@link Broker.current}. */
  constructor(options: BrokerOptions = {}) {
    this.#handshakeTimeout = options.handshakeTimeout ?? HANDSHAKE_TIMEOUT
    this.#maxPending = options.maxPendingHandshakes ?? MAX_PENDING_HANDSHAKES
    const name = `concurrent-mp-${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`
    if (process.platform === 'win32') {
      this.address = `\\\\.\\pipe\\${name}`
    } else {
      this.#directory = privateDirectory()
      this.address = join(this.#directory, SOCKET_NAME)
      process.once('exit', this.#removeDirectory)
      sweepOnce(dirname(this.#directory))
    }
  }

  /** This thread's broker, created on first use. */
  static current(): Broker {
    return (shared[brokerKey] ??= new Broker())
  }

  /** This thread's broker if it has one. */
  static existing(): Broker | undefined {
    return shared[brokerKey]
  }

  /** How many connections have not presented the secret yet. */
  get pendingHandshakes(): number {
    return this.#pending
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

  /**
   * Stops serving: closes the server and every connection, and removes the socket's
   * directory. For a broker made with `new`; the thread's own serves until the thread exits.
   */
  async close(): Promise<void> {
    this.#closed = true
    for (const socket of this.#sockets) socket.destroy()
    const server = this.#server
    this.#server = undefined
    if (server !== undefined) await new Promise((resolve) => server.close(resolve))
    process.removeListener('exit', this.#removeDirectory)
    this.#removeDirectory()
  }

  #serve(): void {
    if (this.#server !== undefined || this.#closed) return
    const server = createServer((socket) => this.#accept(socket))
    server.on('error', (error) => {
      // Listening failed (out of file descriptors, the directory is gone): clients cannot
      // connect and fail as if the owner had gone. Try again with the next queue passed on.
      if (this.#server === server) this.#server = undefined
      process.emitWarning(
        `Queue and Pipe handles in other threads and processes cannot reach this thread: ${String(error)}`,
        { code: 'CONCURRENT_MP_LISTEN' },
      )
    })
    // Binding happens within listen() itself, so a descriptor handed out right after this
    // call already names a socket that accepts connections.
    server.listen(this.address)
    server.unref()
    this.#server = server
  }

  #accept(socket: Socket): void {
    socket.unref()
    socket.on('error', () => undefined)
    if (this.#closed || this.#pending >= this.#maxPending) {
      socket.destroy()
      return
    }
    this.#pending++
    this.#sockets.add(socket)
    const timer = setTimeout(() => socket.destroy(), this.#handshakeTimeout)
    timer.unref()
    let peer: Peer | undefined
    const trusted = (): void => {
      this.#pending--
      clearTimeout(timer)
      peer = new Peer(socket, (id) => this.#channels.get(id))
      reader.limit = MAX_FRAME_BYTES
    }
    const secret = this.secret
    const reader = new FrameReader(helloLength(secret))
    const onBody = (body: Buffer): boolean => {
      if (peer !== undefined) {
        const request = decodeRequest(body)
        if (request !== undefined && peer.handle(request)) return true
      } else if (isHello(body, secret)) {
        trusted()
        return true
      }
      socket.destroy()
      return false
    }
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, onBody)
      } catch {
        socket.destroy()
      }
    })
    socket.on('close', () => {
      this.#sockets.delete(socket)
      if (peer === undefined) {
        this.#pending--
        clearTimeout(timer)
      } else {
        peer.close()
      }
    })
  }

  readonly #removeDirectory = (): void => {
    if (this.#directory === undefined) return
    try {
      rmSync(this.#directory, { recursive: true, force: true })
    } catch {
      // Already gone, or not ours to remove any more.
    }
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

  /**
   * Serves `request`.
   *
   * @returns `false` for a request this connection may not make — one numbered as a request
   * still waiting or holding a value — which closes the connection.
   */
  handle(request: Request): boolean {
    switch (request.type) {
      case 'cancel': {
        const withdraw = this.#waiting.get(request.req)
        if (withdraw?.() === true) {
          this.#waiting.delete(request.req)
          this.#fail(request.req, 'cancelled')
        }
        return true
      }
      case 'settle': {
        const putBack = this.#taken.get(request.req)
        this.#taken.delete(request.req)
        if (!request.keep) putBack?.()
        return true
      }
      case 'push': {
        const state = this.#channel(request.channel)
        if (state?.kind === 'queue') {
          state.put(own(request.value), { deliver: () => true, fail: noop }, true, undefined)
        }
        return true
      }
      case 'addref':
      case 'release': {
        const state = this.#channel(request.channel)
        if (state?.kind !== 'pipe') return true
        if (request.type === 'addref') state.addRef(request.end, request.ref)
        else state.release(request.end, request.ref)
        return true
      }
    }
    const { req } = request
    if (this.#waiting.has(req) || this.#taken.has(req)) return false
    const state = this.#channel(request.channel)
    switch (request.type) {
      case 'put':
      case 'get':
      case 'size': {
        if (state?.kind !== 'queue') {
          this.#fail(req, 'unknown-channel')
        } else if (request.type === 'size') {
          this.#answer({ type: 'reply', req, ok: true, value: state.size })
        } else if (request.type === 'put') {
          const receiver = this.#receiver<undefined>(req)
          const deadline = deadlineFor(request.timeout)
          this.#park(req, state.put(own(request.value), receiver, request.block, deadline))
        } else {
          const receiver = this.#receiver<Packed>(req, (value) => state.unget(value))
          this.#park(req, state.get(receiver, request.block, deadlineFor(request.timeout)))
        }
        return true
      }
      case 'send':
      case 'recv':
      case 'poll': {
        if (state?.kind !== 'pipe') {
          this.#fail(req, 'unknown-channel')
        } else if (request.type === 'send') {
          const failure = state.send(request.end, own(request.value))
          if (failure === undefined) {
            this.#answer({ type: 'reply', req, ok: true, value: undefined })
          } else {
            this.#fail(req, failure)
          }
        } else if (request.type === 'recv') {
          const end = request.end
          const receiver = this.#receiver<Packed>(req, (value) => state.unrecv(end, value))
          this.#park(req, state.recv(end, receiver, deadlineFor(request.timeout)))
        } else {
          const receiver = this.#receiver<boolean>(req)
          this.#park(req, state.poll(request.end, receiver, deadlineFor(request.timeout)))
        }
        return true
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

/** What a broker's directory is called, before `mkdtemp`'s random suffix. */
const DIRECTORY_PREFIX = 'concurrent-mp-'
/** The socket's name in its directory. */
const SOCKET_NAME = 'socket'
/** How old a directory without a socket must be before a sweep takes it for abandoned. */
const ABANDONED_AFTER = 60_000

/**
 * A new directory only this user can enter (`mkdtemp` makes it `0700`), short enough for a
 * socket path (about 100 bytes at most on Linux and macOS).
 */
function privateDirectory(): string {
  const base = tmpdir()
  const parent = Buffer.byteLength(base) <= 80 ? base : '/tmp'
  return mkdtempSync(join(parent, DIRECTORY_PREFIX))
}

const sweptKey = Symbol.for('concurrent.multiprocessing.swept')

/** Sweeps `parent` once per thread, in the background. */
function sweepOnce(parent: string): void {
  const flags = globalThis as { [sweptKey]?: true }
  if (flags[sweptKey]) return
  flags[sweptKey] = true
  void sweepStaleDirectories(parent)
}

/**
 * Removes the brokers' directories in `parent` that their programs left behind: a program
 * killed by a signal never runs its `exit` handlers. A directory is stale when its socket
 * refuses connections (nobody listens on it any more), or when it has no socket and is over a
 * minute old; only this user's directories are looked at. A live broker's directory is never
 * removed: its socket accepts the probe (which is closed at once).
 *
 * @returns a promise that settles once every directory was looked at; it never rejects.
 */
export async function sweepStaleDirectories(parent: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(parent)
  } catch {
    return
  }
  const uid = process.getuid?.()
  await Promise.all(
    names
      .filter((name) => name.startsWith(DIRECTORY_PREFIX))
      .map(async (name) => {
        const directory = join(parent, name)
        try {
          const info = await stat(directory)
          if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) return
          const refused = await probe(join(directory, SOCKET_NAME))
          const stale =
            refused === 'ECONNREFUSED' ||
            (refused === 'ENOENT' && Date.now() - info.mtimeMs > ABANDONED_AFTER)
          if (stale) await rm(directory, { recursive: true, force: true })
        } catch {
          // Gone meanwhile, or not ours to look at.
        }
      }),
  )
}

/** Connects to the socket at `path` and hangs up. @returns the error code, if it failed. */
function probe(path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path)
    socket.unref()
    socket.on('connect', () => {
      socket.destroy()
      resolve(undefined)
    })
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'unknown'))
  })
}

function noop(): void {
  // A push needs no answer.
}

/**
 * `bytes` as an item to keep: a copy when it is a small view of a much bigger buffer (a socket
 * chunk that held several frames), so a kept item never pins memory it does not use.
 */
function own(bytes: Packed): Packed {
  // `new Uint8Array(view)` copies (a Buffer's `slice` would not).
  return bytes.byteLength * 2 < bytes.buffer.byteLength ? new Uint8Array(bytes) : bytes
}
