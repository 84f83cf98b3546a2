/**
 * The wire: framing (messages split across chunks, several in one chunk, big ones, lengths over
 * the limit), the hello, and the checks every request and reply passes before it is used.
 */
import { serialize } from 'node:v8'

import { describe, expect, it } from 'vitest'

import {
  decodeReply,
  decodeRequest,
  encodeFrame,
  FrameReader,
  FrameTooLargeError,
  helloFrame,
  helloLength,
  isHello,
  isReplyValue,
  MAX_FRAME_BYTES,
} from '../../../src/internal/channels/wire.js'
import type { Request } from '../../../src/internal/channels/messages.js'

const message = (value: Uint8Array): Request => ({
  type: 'put',
  req: 1,
  channel: 1,
  value,
  block: true,
  timeout: undefined,
})

function bodies(reader: FrameReader, chunk: Buffer): Buffer[] {
  const out: Buffer[] = []
  reader.push(chunk, (body) => (out.push(body), true))
  return out
}

describe('FrameReader', () => {
  it('reassembles a message split byte by byte, and several messages in one chunk', () => {
    const frames = Buffer.concat([
      encodeFrame(message(Buffer.from('a'))),
      encodeFrame(message(Buffer.from('b'))),
    ])
    const reader = new FrameReader(MAX_FRAME_BYTES)
    const received: Buffer[] = []
    for (let i = 0; i < frames.length; i++) {
      received.push(...bodies(reader, frames.subarray(i, i + 1)))
    }
    const values = received.map((body) => decodeRequest(body) as { value: Uint8Array })
    expect(values.map((m) => Buffer.from(m.value).toString())).toEqual(['a', 'b'])
    expect(bodies(new FrameReader(MAX_FRAME_BYTES), frames)).toHaveLength(2)
  })

  it('carries a big message in many chunks', () => {
    const big = new Uint8Array(5_000_000).map((_, i) => i % 251)
    const frame = encodeFrame(message(big))
    const reader = new FrameReader(MAX_FRAME_BYTES)
    const received: Buffer[] = []
    for (let at = 0; at < frame.length; at += 65_536) {
      received.push(...bodies(reader, frame.subarray(at, at + 65_536)))
    }
    expect(received).toHaveLength(1)
    const value = (decodeRequest(received[0] as Buffer) as { value: Uint8Array }).value
    expect(value.length).toBe(big.length)
    expect(value[1000]).toBe(1000 % 251)
  })

  it('refuses a frame longer than its limit as soon as the length is in', () => {
    const reader = new FrameReader(10)
    const header = Buffer.alloc(4)
    header.writeUInt32BE(0xfffffff0)
    expect(() => bodies(reader, header)).toThrow(FrameTooLargeError)
    const exact = Buffer.concat([Buffer.from([0, 0, 0, 10]), Buffer.alloc(10)])
    expect(bodies(new FrameReader(10), exact)).toHaveLength(1)
    const over = Buffer.from([0, 0, 0, 11])
    expect(() => bodies(new FrameReader(10), over)).toThrow(/11 bytes/)
  })

  it('stops at once when the receiver refuses a body', () => {
    const frames = Buffer.concat([
      encodeFrame(message(Buffer.from('a'))),
      encodeFrame(message(Buffer.from('b'))),
    ])
    const seen: Buffer[] = []
    new FrameReader(MAX_FRAME_BYTES).push(frames, (body) => (seen.push(body), false))
    expect(seen).toHaveLength(1)
  })
})

describe('the hello', () => {
  it('is recognised only with the exact secret, and is no longer than helloLength', () => {
    const secret = 'ab'.repeat(16)
    const frame = helloFrame(secret)
    const body = frame.subarray(4)
    expect(body.length).toBe(helloLength(secret))
    expect(isHello(body, secret)).toBe(true)
    expect(isHello(body, 'cd'.repeat(16))).toBe(false)
    expect(isHello(body.subarray(1), secret)).toBe(false)
    expect(isHello(serialize({ type: 'hello', secret }), secret)).toBe(false)
  })
})

describe('decodeRequest', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 3],
    ['a string', 'put'],
    ['an array', ['put', 1]],
    ['a Map', new Map([['type', 'size']])],
    ['a Date', new Date(0)],
    ['an error', new Error('type')],
    ['an unknown type', { type: 'exec', req: 1 }],
    ['a type that is not a string', { type: 1 }],
    ['a size without a channel', { type: 'size', req: 1 }],
    ['a request number of 0', { type: 'size', req: 0, channel: 1 }],
    ['a fractional channel', { type: 'size', req: 1, channel: 1.5 }],
    ['a put with a string value', { type: 'put', req: 1, channel: 1, value: 'x', block: true }],
    ['a get with a block that is not a boolean', { type: 'get', req: 1, channel: 1, block: 1 }],
    [
      'a get with a negative timeout',
      { type: 'get', req: 1, channel: 1, block: true, timeout: -5 },
    ],
    ['a get with a NaN timeout', { type: 'get', req: 1, channel: 1, block: true, timeout: NaN }],
    ['a send to end 2', { type: 'send', req: 1, channel: 1, end: 2, value: new Uint8Array(1) }],
    ['an addref with an empty ref', { type: 'addref', channel: 1, end: 0, ref: '' }],
    ['an addref with a huge ref', { type: 'addref', channel: 1, end: 0, ref: 'x'.repeat(65) }],
    ['a settle without keep', { type: 'settle', req: 1 }],
    ['a cancel with a string number', { type: 'cancel', req: '1' }],
  ])('refuses %s', (_what, value) => {
    expect(decodeRequest(serialize(value))).toBeUndefined()
  })

  it('refuses bytes that are not a serialized value', () => {
    expect(decodeRequest(Buffer.from([0xff, 0x0f, 0x99]))).toBeUndefined()
    expect(decodeRequest(new Uint8Array(0))).toBeUndefined()
  })

  it('accepts every well-formed request', () => {
    const value = new Uint8Array([1, 2, 3])
    const requests: Request[] = [
      { type: 'put', req: 1, channel: 2, value, block: false, timeout: 10 },
      { type: 'get', req: 1, channel: 2, block: true, timeout: undefined },
      { type: 'size', req: 1, channel: 2 },
      { type: 'send', req: 1, channel: 2, end: 1, value },
      { type: 'recv', req: 1, channel: 2, end: 0, timeout: Infinity },
      { type: 'poll', req: 1, channel: 2, end: 0, timeout: 0 },
      { type: 'push', channel: 2, value },
      { type: 'settle', req: 1, keep: true },
      { type: 'addref', channel: 2, end: 0, ref: 'abcdef0123456789' },
      { type: 'release', channel: 2, end: 1, ref: 'abcdef0123456789' },
      { type: 'cancel', req: 9 },
    ]
    for (const request of requests) {
      expect(decodeRequest(serialize(request))).toMatchObject(request)
    }
  })
})

describe('decodeReply', () => {
  it('refuses what is not a reply, and failures it does not know', () => {
    for (const value of [
      null,
      5,
      [],
      { type: 'reply' },
      { type: 'reply', req: 1 },
      { type: 'reply', req: 1, ok: 'yes' },
      { type: 'reply', req: 1, ok: false, failure: 'gone' },
      { type: 'reply', req: 1, ok: false, failure: 'explode' },
    ]) {
      expect(decodeReply(serialize(value))).toBeUndefined()
    }
    expect(decodeReply(serialize({ type: 'reply', req: 1, ok: false, failure: 'empty' }))).toEqual({
      type: 'reply',
      req: 1,
      ok: false,
      failure: 'empty',
    })
  })

  it('checks a value against the request it answers', () => {
    expect(isReplyValue('get', new Uint8Array(1))).toBe(true)
    expect(isReplyValue('get', { '@concurrent/multiprocessing': 'Queue' })).toBe(false)
    expect(isReplyValue('size', 3)).toBe(true)
    expect(isReplyValue('size', -1)).toBe(false)
    expect(isReplyValue('poll', 'true')).toBe(false)
    expect(isReplyValue('put', null)).toBe(false)
    expect(isReplyValue('put', undefined)).toBe(true)
  })
})
