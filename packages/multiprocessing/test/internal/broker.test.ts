/**
 * The owner's side of queues and pipes, over a raw socket: what happens to values and waits
 * when a client goes away at the worst moment, and to clients that do not know the secret.
 */
import { connect, type Socket } from 'node:net'

import { describe, expect, it } from 'vitest'

import { Broker } from '../../src/internal/broker.js'
import { QueueState } from '../../src/internal/queue-state.js'
import { encodeFrame, FrameReader, type Reply, type Request } from '../../src/internal/wire.js'

/** A raw client: sends frames, collects replies. */
function rawClient(broker: Broker, secret = broker.secret) {
  const socket: Socket = connect(broker.address)
  const reader = new FrameReader()
  const replies: Reply[] = []
  const waiters: Array<() => void> = []
  socket.on('data', (chunk: Buffer) => {
    replies.push(...(reader.push(chunk) as Reply[]))
    for (const wake of waiters.splice(0)) wake()
  })
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  socket.on('error', () => undefined)
  socket.write(encodeFrame({ type: 'hello', secret }))
  return {
    send(request: Request) {
      socket.write(encodeFrame(request))
    },
    async reply(req: number): Promise<Reply> {
      for (;;) {
        const found = replies.find((reply) => reply.req === req)
        if (found !== undefined) return found
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
    destroy() {
      socket.destroy()
    },
    closed,
  }
}

function localGet(state: QueueState): Promise<unknown> {
  return new Promise((resolve, reject) => {
    state.get({ deliver: (value) => (resolve(value), true), fail: reject }, true, undefined)
  })
}

function localPut(state: QueueState, value: unknown): void {
  state.put(value, { deliver: () => true, fail: () => undefined }, true, undefined)
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
}

describe('Broker', () => {
  it('puts a taken value back in front when the client closes before settling it', async () => {
    const broker = Broker.current()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    localPut(state, 'first')
    localPut(state, 'second')
    const client = rawClient(broker)
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    expect(await client.reply(1)).toMatchObject({ ok: true, value: 'first' })
    expect(state.size).toBe(1)
    client.destroy()
    await client.closed
    await until(() => state.size === 2)
    expect(await localGet(state)).toBe('first')
    expect(await localGet(state)).toBe('second')
  })

  it('keeps a value the client settles as kept, and puts back one it hands back', async () => {
    const broker = Broker.current()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    localPut(state, 'a')
    localPut(state, 'b')
    const client = rawClient(broker)
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    await client.reply(1)
    client.send({ type: 'settle', req: 1, keep: true })
    client.send({ type: 'get', req: 2, channel, block: true, timeout: undefined })
    expect(await client.reply(2)).toMatchObject({ ok: true, value: 'b' })
    client.send({ type: 'settle', req: 2, keep: false })
    client.send({ type: 'size', req: 3, channel })
    expect(await client.reply(3)).toMatchObject({ ok: true, value: 1 })
    client.destroy()
    await client.closed
    expect(state.size).toBe(1)
    expect(await localGet(state)).toBe('b')
  })

  it('withdraws a waiting get when the client goes away, so the next item is not lost', async () => {
    const broker = Broker.current()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const client = rawClient(broker)
    client.send({ type: 'get', req: 1, channel, block: true, timeout: undefined })
    await new Promise((resolve) => setTimeout(resolve, 50))
    client.destroy()
    await client.closed
    await new Promise((resolve) => setTimeout(resolve, 20))
    localPut(state, 'kept')
    expect(await localGet(state)).toBe('kept')
  })

  it('answers a cancelled waiting request with `cancelled`, and takes nothing', async () => {
    const broker = Broker.current()
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
    const broker = Broker.current()
    const client = rawClient(broker)
    client.send({ type: 'size', req: 1, channel: 999_999 })
    expect(await client.reply(1)).toMatchObject({ ok: false, failure: 'unknown-channel' })
    client.destroy()
  })

  it('drops a client that does not present the secret', async () => {
    const broker = Broker.current()
    const state = new QueueState(Infinity)
    const channel = broker.publish(state)
    const client = rawClient(broker, 'not the secret')
    client.send({ type: 'size', req: 1, channel })
    await client.closed
  })
})
