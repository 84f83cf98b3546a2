/**
 * The wire's framing: messages split across chunks, several in one chunk, and big ones.
 */
import { describe, expect, it } from 'vitest'

import { encodeFrame, FrameReader, type Request } from '../../src/internal/wire.js'

const message = (value: unknown): Request => ({
  type: 'put',
  req: 1,
  channel: 1,
  value,
  block: true,
  timeout: undefined,
})

describe('FrameReader', () => {
  it('reassembles a message split byte by byte, and several messages in one chunk', () => {
    const frames = Buffer.concat([encodeFrame(message('a')), encodeFrame(message('b'))])
    const reader = new FrameReader()
    const received: unknown[] = []
    for (let i = 0; i < frames.length; i++) received.push(...reader.push(frames.subarray(i, i + 1)))
    expect(received.map((m) => (m as { value: unknown }).value)).toEqual(['a', 'b'])
    const together = new FrameReader().push(frames)
    expect(together).toHaveLength(2)
  })

  it('carries a big message in many chunks', () => {
    const big = new Uint8Array(5_000_000).map((_, i) => i % 251)
    const frame = encodeFrame(message(big))
    const reader = new FrameReader()
    const received: unknown[] = []
    for (let at = 0; at < frame.length; at += 65_536) {
      received.push(...reader.push(frame.subarray(at, at + 65_536)))
    }
    expect(received).toHaveLength(1)
    const value = (received[0] as { value: Uint8Array }).value
    expect(value.length).toBe(big.length)
    expect(value[1000]).toBe(1000 % 251)
  })
})
