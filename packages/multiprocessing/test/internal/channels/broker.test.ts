/**
 * The owner's side of queues and pipes, over a raw socket: what happens to values and waits
 * when a client goes away at the worst moment, and to peers that do not know the secret, send
 * malformed frames, announce huge ones, never say hello, or come in crowds.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { serialize } from 'node:v8'

import { afterEach, describe, expect, it, vi } from 'vitest'

import {
  Broker,
  MAX_PENDING_HANDSHAKES,
  sweepStaleDirectories,
} from '../../../src/internal/channels/broker.js'
import { QueueState } from '../../../src/internal/channels/queue-state.js'
import {
  decodeReply,
  encodeFrame,
  FrameReader,
  helloFrame,
  MAX_FRAME_BYTES,
} from '../../../src/internal/channels/wire.js'
import type { Packed, Reply, Request } from '../../../src/internal/channels/messages.js'

const brokers: Broker[] = []
const sockets: Socket[] = []

afterEach(async () => {
  vi.useRealTimers()
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(brokers.splice(0).map((broker) => broker.close()))
})

function newBroker(options: ConstructorParameters<typeof Broker>[0] = {}): Broker {
  const broker = new Broker(options)
  brokers.push(broker)
  return broker
}

/** A raw connection: sends bytes and frames, collects replies, knows when it is closed. */
function rawSocket(broker: Broker) {
  const socket: Socket = connect(broker.address)
  sockets.push(socket)
  const reader = new FrameReader(MAX_FRAME_BYTES)
  const replies: Reply[] = []
  const waiters: Array<() => void> = []
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk, (body) => {
      const reply = decodeReply(body)
      if (reply !== undefined) replies.push(reply)
      return true
    })
    for (const wake of waiters.splice(0)) wake()
  })
  let isClosed = false
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      isClosed = true
      for (const wake of waiters.splice(0)) wake()
      resolve()
    }),
  )
  socket.on('error', () => undefined)
  return {
    write(bytes: Uint8Array) {
      socket.write(bytes)
    },
    hello(secret = broker.secret) {
      socket.write(helloFrame(secret))
    },
    send(request: Request) {
      socket.write(encodeFrame(request))
    },
    /** The reply to `req`, or `undefined` once the connection is closed without one. */
    async reply(req: number): Promise<Reply | undefined> {
      for (;;) {
        const found = replies.find((reply) => reply.req === req)
        if (found !== undefined) return found
        if (isClosed) return undefined
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
    get isClosed() {
      return isClosed
    },
    destroy() {
      socket.destroy()
    },
    closed,
  }
}

/** A raw client that has said hello. */
function rawClient(broker: Broker, secret = broker.secret) {
  const client = rawSocket(broker)
  client.hello(secret)
  return client
}

/** A frame with `body` as it is, after the 4-byte length. */
function frameOf(body: Uint8Array): Buffer {
  const header = Buffer.alloc(4)
  header.writeUInt32BE(body.length)
  return Buffer.concat([header, body])
}

function packed(value: unknown): Packed {
  return serialize([value])
}

function localGet(state: QueueState): Promise<Packed> {
  return new Promise((resolve, reject) => {
    state.get({ deliver: (value) => (resolve(value), true), fail: reject }, true, undefined)
  })
}

function localPut(state: QueueState, value: unknown): void {
  state.put(packed(value), { deliver: () => true, fail: () => undefined }, true, undefined)
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(condition()).toBe(true)
}

/** Waits for I/O without timers, for tests that fake them. */
async function untilIo(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000 && !condition(); i++) await new Promise((r) => setImmediate(r))
  expect(condition()).toBe(true)
}

/** Checks that `broker` still serves: a new client puts an item on `state` and reads its size. */
async function stillServes(broker: Broker, state: QueueState, channel: number): Promise<void> {
  const client = rawClient(broker)
  const before = state.size
  client.send({ type: 'put', req: 1, channel, value: packed('ok'), block: true, timeout: 0 })
  expect(await client.reply(1)).toMatchObject({ ok: true })
  client.send({ type: 'size', req: 2, channel })
  expect(await client.reply(2)).toMatchObject({ ok: true, value: before + 1 })
  client.destroy()
  await client.closed
}

describe('Broker', () => {
  it('puts a taken value back in front when the client closes before settling it', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    localPut(state, 'first')
    localPut(state, 'second')
    const client = rawClient(broker)
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    expect(await client.reply(1)).toMatchObject({ ok: true, value: packed('first') })
    expect(state.size).toBe(1)
    client.destroy()
    await client.closed
    await until(() => state.size === 2)
    expect(await localGet(state)).toEqual(packed('first'))
    expect(await localGet(state)).toEqual(packed('second'))
  })

  it('keeps a value the client settles as kept, and puts back one it hands back', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    localPut(state, 'a')
    localPut(state, 'b')
    const client = rawClient(broker)
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    await client.reply(1)
    client.send({ type: 'settle', req: 1, keep: true })
    client.send({ type: 'get', req: 2, channel, block: true, timeout: undefined })
    expect(await client.reply(2)).toMatchObject({ ok: true, value: packed('b') })
    client.send({ type: 'settle', req: 2, keep: false })
    client.send({ type: 'size', req: 3, channel })
    expect(await client.reply(3)).toMatchObject({ ok: true, value: 1 })
    client.destroy()
    await client.closed
    expect(state.size).toBe(1)
    expect(await localGet(state)).toEqual(packed('b'))
  })

  it('withdraws a waiting get when the client goes away, so the next item is not lost', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const client = rawClient(broker)
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    client.send({ type: 'size', req: 2, channel })
    await client.reply(2)
    client.destroy()
    await client.closed
    await new Promise((resolve) => setTimeout(resolve, 20))
    localPut(state, 'kept')
    expect(await localGet(state)).toEqual(packed('kept'))
  })

  it('answers a cancelled waiting request with `cancelled`, and takes nothing', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const client = rawClient(broker)
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    client.send({ type: 'cancel', req: 1 })
    expect(await client.reply(1)).toMatchObject({ ok: false, failure: 'cancelled' })
    localPut(state, 'x')
    expect(state.size).toBe(1)
    client.destroy()
  })

  it('reports an unknown channel', async () => {
    const broker = newBroker()
    broker.publish(new QueueState(Infinity))
    const client = rawClient(broker)
    client.send({ type: 'size', req: 1, channel: 999_999 })
    expect(await client.reply(1)).toMatchObject({ ok: false, failure: 'unknown-channel' })
    client.destroy()
  })

  it('drops a client that does not present the secret', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const client = rawClient(broker, 'not the secret')
    client.send({ type: 'size', req: 1, channel })
    expect(await client.reply(1)).toBeUndefined()
    await client.closed
  })

  it('keeps a small item in memory of its own, not as a view of a bigger socket buffer', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const client = rawClient(broker)
    client.send({ type: 'push', channel, value: packed('small') })
    client.send({ type: 'size', req: 1, channel })
    expect(await client.reply(1)).toMatchObject({ ok: true, value: 1 })
    const stored = await localGet(state)
    expect(Buffer.from(stored)).toEqual(packed('small'))
    expect(stored.buffer.byteLength).toBe(stored.byteLength)
    client.destroy()
  })

  it('closes a connection that reuses the number of a request holding a value, and puts the value back', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    localPut(state, 'a')
    localPut(state, 'b')
    const client = rawClient(broker)
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    expect(await client.reply(1)).toMatchObject({ ok: true, value: packed('a') })
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    await client.closed
    await until(() => state.size === 2)
    expect(await localGet(state)).toEqual(packed('a'))
  })
})

describe('Broker, against a peer that does not play by the rules', () => {
  // The 7 bytes that killed the owner: a frame of 3 bytes holding a v8-serialized `null`.
  const NULL_FRAME = Buffer.from([0x00, 0x00, 0x00, 0x03, 0xff, 0x0f, 0x30])

  it.each([
    ['null (the 7 bytes 00 00 00 03 ff 0f 30)', NULL_FRAME],
    ['undefined', frameOf(serialize(undefined))],
    ['a number', frameOf(serialize(42))],
    ['an array', frameOf(serialize(['hello', 'secret']))],
    ['an object with a wrong type', frameOf(serialize({ type: 'hello', secret: 5 }))],
    ['an empty frame', frameOf(new Uint8Array(0))],
    ['bytes that are not a value', frameOf(Buffer.from('not v8 at all'))],
  ])('closes only the connection that sends %s before the hello', async (_what, frame) => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const witness = rawClient(broker)
    witness.send({ type: 'size', req: 1, channel })
    expect(await witness.reply(1)).toMatchObject({ ok: true, value: 0 })
    const attacker = rawSocket(broker)
    attacker.write(frame)
    await attacker.closed
    witness.send({ type: 'size', req: 2, channel })
    expect(await witness.reply(2)).toMatchObject({ ok: true, value: 0 })
    await stillServes(broker, state, channel)
  })

  it.each([
    ['null', NULL_FRAME],
    ['undefined', frameOf(serialize(undefined))],
    ['a number', frameOf(serialize(7))],
    ['an array', frameOf(serialize([1, 2, 3]))],
    ['an unknown type', frameOf(serialize({ type: 'shutdown', req: 1 }))],
    ['a get without a number', frameOf(serialize({ type: 'get', channel: 1, block: true }))],
    [
      'a put whose value is not bytes',
      frameOf(serialize({ type: 'put', req: 1, channel: 1, value: 'x', block: true })),
    ],
    [
      'a recv on end 2',
      frameOf(serialize({ type: 'recv', req: 1, channel: 1, end: 2, timeout: undefined })),
    ],
    [
      'a negative timeout',
      frameOf(serialize({ type: 'get', req: 1, channel: 1, block: true, timeout: -1 })),
    ],
    ['a NaN request number', frameOf(serialize({ type: 'size', req: Number.NaN, channel: 1 }))],
    ['a Map', frameOf(serialize(new Map([['type', 'size']])))],
    ['a second hello', helloFrame('0'.repeat(32))],
  ])(
    'closes only the connection that sends %s after the hello, and keeps its items',
    async (_what, frame) => {
      const broker = newBroker()
      const state = new QueueState(Infinity)
      const channel = broker.publish(state)
      localPut(state, 'precious')
      const attacker = rawClient(broker)
      attacker.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
      expect(await attacker.reply(1)).toMatchObject({ ok: true, value: packed('precious') })
      attacker.write(frame)
      await attacker.closed
      await until(() => state.size === 1)
      expect(await localGet(state)).toEqual(packed('precious'))
      await stillServes(broker, state, channel)
    },
  )

  it('refuses a huge length before the hello at once, holding none of what follows', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const attacker = rawSocket(broker)
    const header = Buffer.alloc(4)
    header.writeUInt32BE(0xfffffff0)
    attacker.write(header)
    // Only the 4 bytes were sent: the owner closes the connection without waiting for more.
    await attacker.closed
    await stillServes(broker, state, channel)
  })

  it('refuses a frame longer than the hello before the hello', async () => {
    const broker = newBroker()
    const attacker = rawSocket(broker)
    const header = Buffer.alloc(4)
    header.writeUInt32BE(helloFrame(broker.secret).length)
    attacker.write(header)
    await attacker.closed
  })

  it('closes an authenticated connection that announces a frame longer than MAX_FRAME_BYTES', async () => {
    const broker = newBroker()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const client = rawClient(broker)
    client.send({ type: 'size', req: 1, channel })
    await client.reply(1)
    const header = Buffer.alloc(4)
    header.writeUInt32BE(MAX_FRAME_BYTES + 1)
    client.write(header)
    await client.closed
    await stillServes(broker, state, channel)
  })

  it('closes a connection that does not say hello within the handshake timeout, and only that one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const broker = newBroker({ handshakeTimeout: 1_000 })
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const client = rawClient(broker)
    client.send({ type: 'size', req: 1, channel })
    expect(await client.reply(1)).toMatchObject({ ok: true })
    const silent = rawSocket(broker)
    await untilIo(() => broker.pendingHandshakes === 1)
    vi.advanceTimersByTime(999)
    await new Promise((resolve) => setImmediate(resolve))
    expect(silent.isClosed).toBe(false)
    vi.advanceTimersByTime(1)
    await silent.closed
    expect(broker.pendingHandshakes).toBe(0)
    // The client that said hello in time is not bound by the deadline.
    vi.advanceTimersByTime(10_000)
    client.send({ type: 'size', req: 2, channel })
    expect(await client.reply(2)).toMatchObject({ ok: true })
  })

  it('holds at most maxPendingHandshakes connections before their hello, closing more at once', async () => {
    const broker = newBroker({ maxPendingHandshakes: 3 })
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const silent = [rawSocket(broker), rawSocket(broker), rawSocket(broker)]
    await until(() => broker.pendingHandshakes === 3)
    const extra = rawSocket(broker)
    await extra.closed
    expect(silent.some((socket) => socket.isClosed)).toBe(false)
    for (const socket of silent) socket.destroy()
    await Promise.all(silent.map((socket) => socket.closed))
    await until(() => broker.pendingHandshakes === 0)
    await stillServes(broker, state, channel)
    expect(MAX_PENDING_HANDSHAKES).toBeGreaterThanOrEqual(64)
  })

  it('listens on a socket file in a directory only this user can enter, removed on close', async () => {
    const broker = newBroker()
    broker.publish(new QueueState(Infinity))
    if (process.platform === 'win32') {
      // A named pipe: Windows' default security for it keeps other users from writing to it.
      expect(broker.address.startsWith('\\\\.\\pipe\\')).toBe(true)
      return
    }
    expect(broker.address.startsWith('\0')).toBe(false)
    const directory = dirname(broker.address)
    expect(statSync(directory).mode & 0o777).toBe(0o700)
    expect(statSync(broker.address).isSocket()).toBe(true)
    await broker.close()
    expect(() => statSync(directory)).toThrow(/ENOENT/)
  })

  it('sweeps away the directory of a killed program, and keeps live and young ones', async () => {
    if (process.platform === 'win32') return // Named pipes leave no file behind.
    const parent = mkdtempSync(join(tmpdir(), 'sweep-test-'))
    const server = createServer()
    try {
      const stale = mkdtempSync(join(parent, 'concurrent-mp-'))
      // A program that listened there and was killed: its socket file stays, nobody listens.
      const bind = `require('node:net').createServer().listen(${JSON.stringify(join(stale, 'socket'))}, () => process.kill(process.pid, 'SIGKILL'))`
      spawnSync(process.execPath, ['-e', bind])
      expect(statSync(join(stale, 'socket')).isSocket()).toBe(true)
      const live = mkdtempSync(join(parent, 'concurrent-mp-'))
      await new Promise<void>((resolve) => server.listen(join(live, 'socket'), resolve))
      const young = mkdtempSync(join(parent, 'concurrent-mp-'))
      const unrelated = mkdtempSync(join(parent, 'something-else-'))
      await sweepStaleDirectories(parent)
      expect(existsSync(stale)).toBe(false)
      expect(existsSync(live)).toBe(true)
      expect(existsSync(young)).toBe(true)
      expect(existsSync(unrelated)).toBe(true)
    } finally {
      await new Promise((resolve) => server.close(resolve))
      rmSync(parent, { recursive: true, force: true })
    }
  })
})
