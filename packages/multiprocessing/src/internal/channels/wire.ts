/**
 * The wire between the owner of a queue or pipe and its handles in other threads and
 * processes: the framing of the messages (`messages.ts`) on a stream socket (a 4-byte big-endian length, then the body), and the checks every
 * frame passes before anything uses it.
 *
 * A connection opens with the hello: a fixed string and the owner's secret, compared as bytes,
 * never parsed. Only handles that were given a descriptor by this program (which travel inside
 * the program's own worker messages) know the secret. Until the hello has arrived, the reader
 * accepts no frame longer than the hello itself, so an unauthenticated peer can make the owner
 * hold a few dozen bytes at most and never reaches the deserializer.
 *
 * After the hello, a body is a message serialized by `v8.serialize` (the structured clone
 * algorithm that worker messages use too), at most {@link MAX_FRAME_BYTES} long, and it is used
 * only once {@link decodeRequest} or {@link decodeReply} has checked its every field: a frame
 * that is not a well-formed message closes that one connection, never the program. Items
 * travel as bytes (see `transport/items.ts`): the owner stores and hands them out without ever
 * deserializing them.
 *
 * Every request that expects an answer carries a number (`req`) that its `reply` repeats; a few
 * messages are one-way. A value taken by `get` or `recv` stays the owner's until the handle
 * `settle`s it: kept, or handed back because the call had been given up while the value was on
 * its way. If the handle's socket closes first (its worker was stopped or died), the owner puts
 * the value back in front itself. So a value is never lost between the owner and a consumer
 * that goes away.
 */
import { timingSafeEqual } from 'node:crypto'
import type { Socket } from 'node:net'
import { deserialize, serialize } from 'node:v8'

import { MAX_MESSAGE_BYTES } from '../../max-message-bytes.js'

import type { CallType, End, Failure, Packed, Reply, Request } from './messages.js'

/** The 4-byte length in front of every frame. */
const HEADER = 4

/**
 * Room for a message's fields around its item: a frame may be this much longer than
 * {@link MAX_MESSAGE_BYTES}.
 */
const ENVELOPE_BYTES = 1024

/** The longest frame a connection accepts once it is authenticated. */
export const MAX_FRAME_BYTES = MAX_MESSAGE_BYTES + ENVELOPE_BYTES

/** What a hello starts with: the protocol's name and version. */
const HELLO_PREFIX = 'concurrent-mp/1 '

/** The frame that opens a connection to the owner whose secret is `secret`. */
export function helloFrame(secret: string): Buffer {
  return frame(helloBody(secret))
}

/** The length of a hello's body: all an unauthenticated peer may announce. */
export function helloLength(secret: string): number {
  return helloBody(secret).length
}

/** Whether `body` is the hello for `secret` (compared in constant time). */
export function isHello(body: Uint8Array, secret: string): boolean {
  const expected = helloBody(secret)
  return body.length === expected.length && timingSafeEqual(body, expected)
}

function helloBody(secret: string): Buffer {
  return Buffer.from(`${HELLO_PREFIX}${secret}`, 'latin1')
}

/** Encodes `message` as one frame. @throws the structured clone error for a value it cannot copy. */
export function encodeFrame(message: Request | Reply): Buffer {
  return frame(serialize(message))
}

function frame(body: Buffer): Buffer {
  const header = Buffer.allocUnsafe(HEADER)
  header.writeUInt32BE(body.length, 0)
  return Buffer.concat([header, body], HEADER + body.length)
}

/** The message in `body` if it is a well-formed request; `undefined` for anything else. */
export function decodeRequest(body: Uint8Array): Request | undefined {
  const message = decodeRecord(body)
  if (message === undefined) return undefined
  const check = typeof message['type'] === 'string' ? requestChecks.get(message['type']) : undefined
  return check !== undefined && check(message) ? (message as unknown as Request) : undefined
}

/**
 * The message in `body` if it is a well-formed reply; `undefined` for anything else. What its
 * `value` must be depends on the request it answers: see {@link isReplyValue}.
 */
export function decodeReply(body: Uint8Array): Reply | undefined {
  const message = decodeRecord(body)
  if (message === undefined || message['type'] !== 'reply' || !isReq(message['req'])) {
    return undefined
  }
  if (message['ok'] === true) return message as unknown as Reply
  if (message['ok'] === false && isSentFailure(message['failure'])) {
    return message as unknown as Reply
  }
  return undefined
}

/** Whether `value` is what a successful reply to a request of type `type` carries. */
export function isReplyValue(type: CallType, value: unknown): boolean {
  switch (type) {
    case 'put':
    case 'send':
      return value === undefined
    case 'get':
    case 'recv':
      return isPacked(value)
    case 'size':
      return Number.isSafeInteger(value) && (value as number) >= 0
    case 'poll':
      return typeof value === 'boolean'
  }
}

/** A plain object deserialized from `body`, or `undefined`. */
function decodeRecord(body: Uint8Array): Record<string, unknown> | undefined {
  let message: unknown
  try {
    message = deserialize(body)
  } catch {
    return undefined
  }
  if (typeof message !== 'object' || message === null) return undefined
  if (Object.getPrototypeOf(message) !== Object.prototype) return undefined
  return message as Record<string, unknown>
}

type Fields = Record<string, unknown>

/** What each request's fields must be, by `type`. */
const requestChecks: ReadonlyMap<string, (m: Fields) => boolean> = new Map(
  Object.entries({
    put: (m: Fields) =>
      isReq(m['req']) &&
      isChannel(m['channel']) &&
      isPacked(m['value']) &&
      typeof m['block'] === 'boolean' &&
      isTimeout(m['timeout']),
    get: (m: Fields) =>
      isReq(m['req']) &&
      isChannel(m['channel']) &&
      typeof m['block'] === 'boolean' &&
      isTimeout(m['timeout']),
    size: (m: Fields) => isReq(m['req']) && isChannel(m['channel']),
    send: (m: Fields) =>
      isReq(m['req']) && isChannel(m['channel']) && isEnd(m['end']) && isPacked(m['value']),
    recv: (m: Fields) =>
      isReq(m['req']) && isChannel(m['channel']) && isEnd(m['end']) && isTimeout(m['timeout']),
    poll: (m: Fields) =>
      isReq(m['req']) && isChannel(m['channel']) && isEnd(m['end']) && isTimeout(m['timeout']),
    push: (m: Fields) => isChannel(m['channel']) && isPacked(m['value']),
    settle: (m: Fields) => isReq(m['req']) && typeof m['keep'] === 'boolean',
    addref: (m: Fields) => isChannel(m['channel']) && isEnd(m['end']) && isRef(m['ref']),
    release: (m: Fields) => isChannel(m['channel']) && isEnd(m['end']) && isRef(m['ref']),
    cancel: (m: Fields) => isReq(m['req']),
  } satisfies Record<Request['type'], (m: Fields) => boolean>),
)

function isReq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0
}

function isChannel(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0
}

function isEnd(value: unknown): value is End {
  return value === 0 || value === 1
}

/** A pipe handle's name (16 hex digits when this package makes one). */
function isRef(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 64
}

function isTimeout(value: unknown): value is number | undefined {
  return value === undefined || (typeof value === 'number' && value >= 0)
}

function isPacked(value: unknown): value is Packed {
  return value instanceof Uint8Array && value.length <= MAX_MESSAGE_BYTES
}

const sentFailures: ReadonlySet<unknown> = new Set<Failure>([
  'empty',
  'full',
  'eof',
  'broken-pipe',
  'timeout',
  'cancelled',
  'unknown-channel',
])

function isSentFailure(value: unknown): value is Failure {
  return sentFailures.has(value)
}

/** A frame announced a body longer than the connection accepts. */
export class FrameTooLargeError extends RangeError {
  override readonly name = 'FrameTooLargeError'
}

/**
 * Collects the bytes of a socket and hands out whole frame bodies. A frame longer than
 * {@link FrameReader.limit} is refused as soon as its length is in, before any of it is kept.
 */
export class FrameReader {
  /** The longest body accepted; raised once a connection is authenticated. */
  limit: number
  // Chunks are kept apart until a whole frame is in, so a big message arriving in many chunks
  // is copied once, not once per chunk.
  readonly #chunks: Buffer[] = []
  #length = 0

  constructor(limit: number) {
    this.limit = limit
  }

  /**
   * Adds `chunk` and hands `onBody` the body of each frame it completes, in order, with
   * `limit` checked for each in turn (`onBody` may raise it before the next one). When
   * `onBody` returns `false`, the rest is dropped: the connection is being closed.
   *
   * @throws {@link FrameTooLargeError} for a frame longer than `limit`.
   */
  push(chunk: Buffer, onBody: (body: Buffer) => boolean): void {
    this.#chunks.push(chunk)
    this.#length += chunk.length
    while (this.#length >= HEADER) {
      const size = this.#first(HEADER).readUInt32BE(0)
      if (size > this.limit) {
        this.#chunks.length = 0
        this.#length = 0
        throw new FrameTooLargeError(
          `a frame of ${size} bytes is longer than the ${this.limit} this connection accepts`,
        )
      }
      if (this.#length < HEADER + size) break
      const whole = this.#first(HEADER + size)
      this.#drop(HEADER + size)
      if (!onBody(whole.subarray(HEADER, HEADER + size))) {
        this.#chunks.length = 0
        this.#length = 0
        return
      }
    }
  }

  /** The first chunk, joined with the next ones until it holds at least `size` bytes. */
  #first(size: number): Buffer {
    let first = this.#chunks[0] as Buffer
    if (first.length < size) {
      first = Buffer.concat(this.#chunks, this.#length)
      this.#chunks.splice(0, this.#chunks.length, first)
    }
    return first
  }

  /** Removes the first `size` bytes (all in the first chunk). */
  #drop(size: number): void {
    const first = this.#chunks[0] as Buffer
    if (first.length > size) this.#chunks[0] = first.subarray(size)
    else this.#chunks.shift()
    this.#length -= size
  }
}

/** Writes a frame unless the socket is gone. @returns whether it was written. */
export function writeFrame(socket: Socket, frame: Buffer): boolean {
  if (socket.destroyed || !socket.writable) return false
  socket.write(frame)
  return true
}
