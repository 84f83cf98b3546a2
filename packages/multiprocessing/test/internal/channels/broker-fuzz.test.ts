/**
 * The owner's socket as an attacker sees it. The fuzzer finds the address and the secret in a
 * descriptor of a queue, as anyone who obtained one would, and throws random and malformed
 * frames at it — random bytes, lengths from 0 to 0xFFFFFFFF, v8-serialized values of every
 * kind, requests with fields missing or of the wrong type, truncated frames, frames split at
 * random — before the hello and after a hello with the right secret. After every round, a
 * worker (thread or process) must still put and get on another queue of the same owner, over
 * the connection it opened before the attack, and a new connection must still be served.
 *
 * The rounds are drawn from a seeded generator, so a failure reproduces: run again with
 * `FUZZ_SEED=<the seed in the failure message>`. `FUZZ_REPORT=1` prints what was sent.
 *
 * A second test floods an owner process that runs under a low file descriptor limit (`ulimit -n
 * 64`) with more connections than it may hold, and checks it survives and serves afterwards.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { serialize } from 'node:v8'

import { describe, expect, it } from 'vitest'

import { Pool, Queue, taskModule } from '@concurrent/multiprocessing'

import { Broker } from '../../../src/internal/channels/broker.js'
import {
  decodeReply,
  encodeFrame,
  FrameReader,
  helloFrame,
  MAX_FRAME_BYTES,
} from '../../../src/internal/channels/wire.js'
import type { Reply, Request } from '../../../src/internal/channels/messages.js'

const tasks = taskModule<typeof import('../../fixtures/tasks.js')>(
  new URL('../../fixtures/tasks.ts', import.meta.url),
)

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed_f00d)
const ROUNDS = 250
const CONNECTIONS_PER_ROUND = 6
/** Rounds stop early once this much time has passed (the machine may be slow). */
const BUDGET_MS = 20_000

/** mulberry32: a small seeded generator, so that a failing round can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (below: number): number => Math.floor(next() * below)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const bytes = (length: number): Buffer => {
    const out = Buffer.alloc(length)
    for (let i = 0; i < length; i++) out[i] = int(256)
    return out
  }
  return { next, int, pick, bytes }
}

type Random = ReturnType<typeof generator>

const TYPES = [
  'put',
  'get',
  'size',
  'send',
  'recv',
  'poll',
  'push',
  'settle',
  'addref',
  'release',
  'cancel',
  'hello',
  'reply',
  'exec',
] as const
const FIELDS = ['type', 'req', 'channel', 'value', 'block', 'timeout', 'end', 'ref', 'keep']

/** A random value of any kind v8 can serialize, a few levels deep. */
function randomValue(random: Random, depth = 0): unknown {
  const leaf = depth >= 3
  switch (random.int(leaf ? 12 : 17)) {
    case 0:
      return null
    case 1:
      return undefined
    case 2:
      return random.next() < 0.5
    case 3:
      return random.pick([0, -1, 1, 2 ** 31, 2 ** 53, -0, NaN, Infinity, -Infinity, 0.5])
    case 4:
      return random.int(1_000_000)
    case 5:
      return random.bytes(random.int(40)).toString('latin1')
    case 6:
      return random.pick(TYPES)
    case 7:
      return BigInt(random.int(1_000_000)) ** 3n
    case 8:
      return new Date(random.int(2 ** 40))
    case 9:
      return new Uint8Array(random.bytes(random.int(64)))
    case 10:
      return new Error(random.pick(['x', 'type', '']))
    case 11:
      return { '@concurrent/multiprocessing': 'Queue', address: '/tmp/x', channel: 1 }
    case 12:
      return Array.from({ length: random.int(5) }, () => randomValue(random, depth + 1))
    case 13:
      return new Map([[randomValue(random, depth + 1), randomValue(random, depth + 1)]])
    case 14:
      return new Set([randomValue(random, depth + 1)])
    default: {
      const record: Record<string, unknown> = {}
      for (let i = random.int(6); i > 0; i--) {
        record[random.pick([...FIELDS, '__proto__', 'constructor', 'x'])] = randomValue(
          random,
          depth + 1,
        )
      }
      return record
    }
  }
}

/** A request of a random type with valid fields, on `channel`, then maybe one field broken. */
function randomRequest(random: Random, channel: number): Record<string, unknown> {
  const request: Record<string, unknown> = {
    type: random.pick(TYPES),
    req: random.pick([1, 2, 3, random.int(2 ** 31) + 1]),
    channel: random.pick([channel, channel, 1_000 + random.int(100)]),
    value: serialize([randomValue(random)]),
    block: random.next() < 0.5,
    timeout: random.pick([undefined, 0, 1, 5, Infinity]),
    end: random.pick([0, 1]),
    ref: random.bytes(8).toString('hex'),
    keep: random.next() < 0.5,
  }
  if (random.next() < 0.6) {
    const field = random.pick(FIELDS)
    if (random.next() < 0.3) Reflect.deleteProperty(request, field)
    else request[field] = randomValue(random)
  }
  return request
}

function framed(body: Uint8Array, length = body.length): Buffer {
  const header = Buffer.alloc(4)
  header.writeUInt32BE(length >>> 0)
  return Buffer.concat([header, body])
}

const LENGTHS = [
  0,
  1,
  3,
  47,
  48,
  49,
  255,
  65_536,
  MAX_FRAME_BYTES,
  MAX_FRAME_BYTES + 1,
  0x7fffffff,
  0xfffffff0,
  0xffffffff,
]

/** The bytes of one attack: a few frames, good, bad or cut short, split into chunks. */
function randomAttack(
  random: Random,
  channel: number,
  secret: string,
): { frames: number; chunks: Buffer[] } {
  const frames: Buffer[] = []
  for (let i = 1 + random.int(4); i > 0; i--) {
    switch (random.int(8)) {
      case 0:
        frames.push(framed(random.bytes(random.int(64))))
        break
      case 1:
        frames.push(framed(random.bytes(random.int(16)), random.pick(LENGTHS)))
        break
      case 2:
        frames.push(framed(serialize(randomValue(random))))
        break
      case 3:
      case 4:
        frames.push(framed(serialize(randomRequest(random, channel))))
        break
      case 5: {
        const whole = framed(serialize(randomRequest(random, channel)))
        frames.push(whole.subarray(0, random.int(whole.length)))
        break
      }
      case 6:
        frames.push(helloFrame(random.next() < 0.5 ? secret : random.bytes(16).toString('hex')))
        break
      default:
        frames.push(random.bytes(random.int(32)))
    }
  }
  // Split the bytes at random points, as a socket may deliver them.
  const all = Buffer.concat(frames)
  const chunks: Buffer[] = []
  for (let at = 0; at < all.length;) {
    const size = 1 + random.int(Math.max(1, all.length - at))
    chunks.push(all.subarray(at, at + size))
    at += size
  }
  return { frames: frames.length, chunks }
}

interface Target {
  readonly address: string
  readonly secret: string
  readonly channel: number
}

/** What a queue's handle tells whoever holds it: what it travels as to another process. */
function descriptorOf(queue: Queue): Target {
  const encode = Symbol.for('concurrent.multiprocessing.encode')
  const describe = (queue as unknown as Record<symbol, (...args: unknown[]) => Target>)[encode]
  return describe!.call(queue, 'process', () => undefined)
}

/** Sends `chunks` on a new connection (after the right hello, if `authenticated`), then ends it. */
async function attack(target: Target, authenticated: boolean, chunks: Buffer[]): Promise<void> {
  const socket = connect(target.address)
  socket.on('error', () => undefined)
  socket.resume() // Replies are read and dropped, so the socket can close.
  const closed = once(socket, 'close')
  if (authenticated) socket.write(helloFrame(target.secret))
  for (const chunk of chunks) socket.write(chunk)
  socket.end()
  const timer = setTimeout(() => socket.destroy(), 5_000)
  await closed
  clearTimeout(timer)
}

/** A new connection is still served: hello, then the size of the queue on `channel`. */
async function freshConnectionServed(target: Target, channel: number): Promise<void> {
  const socket: Socket = connect(target.address)
  socket.on('error', () => undefined)
  const reader = new FrameReader(MAX_FRAME_BYTES)
  const reply = new Promise<Reply | undefined>((resolve) => {
    socket.on('data', (chunk: Buffer) =>
      reader.push(chunk, (body) => {
        resolve(decodeReply(body))
        return true
      }),
    )
    socket.on('close', () => resolve(undefined))
  })
  socket.write(helloFrame(target.secret))
  socket.write(encodeFrame({ type: 'size', req: 1, channel } satisfies Request))
  expect(await reply).toMatchObject({ ok: true, req: 1 })
  socket.destroy()
}

describe.each(['thread', 'process'] as const)('the owner’s socket, fuzzed (%s worker)', (kind) => {
  it('keeps serving its queues through random and malformed frames, before and after the hello', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const decoy = new Queue<unknown>()
    const health = new Queue<number>()
    const target = descriptorOf(decoy)
    const healthChannel = descriptorOf(health).channel
    // The worker connects before the attack and keeps its connection through it.
    await pool.apply(tasks.putAll, [health, [-1]])
    expect(await health.get()).toBe(-1)

    const seed = SEED + (kind === 'thread' ? 0 : 1)
    const random = generator(seed)
    const started = performance.now()
    let rounds = 0
    let frames = 0
    let bytes = 0
    for (; rounds < ROUNDS && performance.now() - started < BUDGET_MS; rounds++) {
      const attacks: Array<Promise<void>> = []
      for (let i = 0; i < CONNECTIONS_PER_ROUND; i++) {
        const { frames: count, chunks } = randomAttack(random, target.channel, target.secret)
        frames += count
        bytes += chunks.reduce((sum, chunk) => sum + chunk.length, 0)
        attacks.push(attack(target, random.next() < 0.5, chunks))
      }
      await Promise.all(attacks)

      const where = `round ${rounds} of seed ${seed} (FUZZ_SEED=${seed})`
      // The main program puts, the worker gets; the worker puts, the main program gets.
      await health.put(rounds)
      expect(await pool.apply(tasks.getOne, [health, 10_000]), where).toBe(rounds)
      await pool.apply(tasks.putAll, [health, [rounds]])
      expect(await health.get({ timeout: 10_000 }), where).toBe(rounds)
      await freshConnectionServed(target, healthChannel)
    }
    expect(Broker.existing()?.pendingHandshakes).toBe(0)
    expect(rounds).toBeGreaterThanOrEqual(5)
    if (process.env['FUZZ_REPORT'] !== undefined) {
      console.info(
        `${kind}: ${rounds} rounds, ${rounds * CONNECTIONS_PER_ROUND} connections, ${frames} frames, ${bytes} bytes, seed ${seed}`,
      )
    }
  }, 120_000)
})

describe('the owner, flooded under a low file descriptor limit', () => {
  it('survives more connections than it has descriptors, and serves once they are gone', async () => {
    const owner = fileURLToPath(new URL('../../fixtures/queue-owner.mjs', import.meta.url))
    const child =
      process.platform === 'win32'
        ? spawn(process.execPath, [owner], { stdio: ['pipe', 'pipe', 'inherit'] })
        : spawn('sh', ['-c', 'ulimit -n 64 && exec "$0" "$1"', process.execPath, owner], {
            stdio: ['pipe', 'pipe', 'inherit'],
          })
    const exited = once(child, 'exit')
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
      const target = JSON.parse(line) as Target
      const flood: Socket[] = []
      const settled: Array<Promise<unknown>> = []
      for (let i = 0; i < 300; i++) {
        const socket = connect(target.address)
        socket.on('error', () => undefined)
        flood.push(socket)
        settled.push(Promise.race([once(socket, 'connect'), once(socket, 'close')]))
      }
      await Promise.all(settled)
      for (const socket of flood) socket.destroy()
      expect(child.exitCode).toBeNull()
      // Descriptors come back as the owner sees the closes; a new client is then served.
      for (let attempt = 0; ; attempt++) {
        try {
          await freshConnectionServed(target, target.channel)
          break
        } catch (error) {
          if (attempt >= 50) throw error
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
      expect(child.exitCode).toBeNull()
    } finally {
      child.stdin.end()
      await exited
    }
  }, 60_000)
})
