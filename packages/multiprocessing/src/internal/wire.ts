/**
 * The wire between the owner of a queue or pipe and its handles in other threads and
 * processes: the messages, one discriminated union on `type` imported by both sides, and their
 * framing on a stream socket (a 4-byte big-endian length, then the message as serialized by
 * `v8.serialize`, the structured clone algorithm that worker messages use too).
 *
 * A connection opens with `hello`, carrying the owner's secret: only handles that were given a
 * descriptor by this program (which travel inside the program's own worker messages) can talk
 * to its queues. Every request that expects an answer carries a number (`req`) that its `reply`
 * repeats; a few messages are one-way.
 *
 * A value taken by `get` or `recv` stays the owner's until the handle `settle`s it: kept, or
 * handed back because the call had been given up while the value was on its way. If the
 * handle's socket closes first (its worker was stopped or died), the owner puts the value back
 * in front itself. So a value is never lost between the owner and a consumer that goes away.
 */
import type { Socket } from 'node:net'
import { deserialize, serialize } from 'node:v8'

/** Which end of a pipe: the first or the second connection `Pipe()` returned. */
export type End = 0 | 1

/** Why an operation failed on the owner's side; the handle turns it into an error. */
export type Failure =
  | 'empty'
  | 'full'
  | 'eof'
  | 'broken-pipe'
  | 'timeout'
  | 'cancelled'
  | 'unknown-channel'
  /** The owner's thread or process has gone away (set by the client, never sent). */
  | 'gone'

/** Handle → owner. */
export type Request =
  | { readonly type: 'hello'; readonly secret: string }
  | {
      readonly type: 'put'
      readonly req: number
      readonly channel: number
      readonly value: unknown
      readonly block: boolean
      readonly timeout: number | undefined
    }
  | {
      readonly type: 'get'
      readonly req: number
      readonly channel: number
      readonly block: boolean
      readonly timeout: number | undefined
    }
  | { readonly type: 'size'; readonly req: number; readonly channel: number }
  | {
      readonly type: 'send'
      readonly req: number
      readonly channel: number
      readonly end: End
      readonly value: unknown
    }
  | {
      readonly type: 'recv'
      readonly req: number
      readonly channel: number
      readonly end: End
      readonly timeout: number | undefined
    }
  | {
      readonly type: 'poll'
      readonly req: number
      readonly channel: number
      readonly end: End
      readonly timeout: number | undefined
    }
  /** One-way: a put on a queue without a `maxsize`, which never waits, so needs no answer. */
  | { readonly type: 'push'; readonly channel: number; readonly value: unknown }
  /**
   * One-way: what the handle did with the value a `get` or `recv` (request `req`) took: kept
   * it, or — the call had been given up meanwhile — handed it back, to go back in front.
   */
  | { readonly type: 'settle'; readonly req: number; readonly keep: boolean }
  /** One-way: a new handle on `end` exists (it was passed on); `ref` names it. */
  | { readonly type: 'addref'; readonly channel: number; readonly end: End; readonly ref: string }
  /** One-way: the handle `ref` on `end` is closed. */
  | { readonly type: 'release'; readonly channel: number; readonly end: End; readonly ref: string }
  /** Give up request `req` if it is still waiting; its reply then reports `cancelled`. */
  | { readonly type: 'cancel'; readonly req: number }

/** Owner → handle: how request `req` ended. */
export type Reply =
  | { readonly type: 'reply'; readonly req: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly req: number; readonly ok: false; readonly failure: Failure }

/** A request without the number the client assigns it. */
export type Call = Request extends infer R
  ? R extends { readonly req: number }
    ? Omit<R, 'req'>
    : never
  : never

const HEADER = 4

/** Encodes `message` as one frame. @throws the structured clone error for a value it cannot copy. */
export function encodeFrame(message: Request | Reply): Buffer {
  const body = serialize(message)
  const header = Buffer.allocUnsafe(HEADER)
  header.writeUInt32BE(body.length, 0)
  return Buffer.concat([header, body], HEADER + body.length)
}

/** Collects the bytes of a socket and hands out whole messages. */
export class FrameReader {
  // Chunks are kept apart until a whole frame is in, so a big message arriving in many chunks
  // is copied once, not once per chunk.
  readonly #chunks: Buffer[] = []
  #length = 0

  /** Adds `chunk`; returns the messages it completed. @throws for bytes that are not ours. */
  push(chunk: Buffer): unknown[] {
    this.#chunks.push(chunk)
    this.#length += chunk.length
    const messages: unknown[] = []
    while (this.#length >= HEADER) {
      const size = this.#first(HEADER).readUInt32BE(0)
      if (this.#length < HEADER + size) break
      const frame = this.#first(HEADER + size)
      this.#drop(HEADER + size)
      messages.push(deserialize(frame.subarray(HEADER, HEADER + size)))
    }
    return messages
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
