import { MessageChannel } from 'node:worker_threads'

import { describe, expect, it } from 'vitest'

import { transfer } from '@concurrent/worker'
import { transferListOf } from '@concurrent/worker/internal'

describe('transfer', () => {
  it('returns the value itself', () => {
    const buffer = new ArrayBuffer(8)
    const view = new Uint8Array(4)
    expect(transfer(buffer)).toBe(buffer)
    expect(transfer(view)).toBe(view)
  })

  it('returns a primitive unchanged and marks nothing', () => {
    expect(transfer(1)).toBe(1)
    expect(transfer(null)).toBeNull()
    expect(transferListOf([transfer('text'), 1, null, undefined])).toEqual([])
  })
})

describe('transferListOf', () => {
  it('is empty for values that are not marked', () => {
    expect(transferListOf([new ArrayBuffer(8), new Uint8Array(4), [new ArrayBuffer(2)]])).toEqual(
      [],
    )
    expect(transferListOf([])).toEqual([])
  })

  it('lists a marked ArrayBuffer', () => {
    const buffer = transfer(new ArrayBuffer(8))
    expect(transferListOf([1, buffer, 'x'])).toEqual([buffer])
  })

  it('lists the buffer of a marked typed array or DataView', () => {
    const bytes = transfer(new Float64Array(2))
    const view = transfer(new DataView(new ArrayBuffer(4)))
    const list = transferListOf([bytes, view])
    expect(list).toHaveLength(2)
    expect(list[0]).toBe(bytes.buffer)
    expect(list[1]).toBe(view.buffer)
  })

  it('lists a buffer once, however many marked views share it', () => {
    const buffer = new ArrayBuffer(16)
    const list = transferListOf([
      transfer(new Uint8Array(buffer, 0, 8)),
      transfer(new Uint8Array(buffer, 8, 8)),
      transfer(buffer),
    ])
    expect(list).toEqual([buffer])
  })

  it('lists a marked MessagePort', () => {
    const { port1, port2 } = new MessageChannel()
    try {
      const list = transferListOf([transfer(port1)])
      expect(list).toHaveLength(1)
      expect(list[0]).toBe(port1)
    } finally {
      port1.close()
      port2.close()
    }
  })

  it('lists the transferables one level inside a marked array or object', () => {
    const a = new ArrayBuffer(1)
    const b = new Uint16Array(2)
    const deeper = new ArrayBuffer(3)
    expect(transferListOf([transfer([a, b, 7, { deeper }])])).toEqual([a, b.buffer])
    expect(transferListOf([transfer({ a, b, label: 'x', nested: { deeper } })])).toEqual([
      a,
      b.buffer,
    ])
  })

  it('finds a marked value inside an unmarked array', () => {
    const marked = transfer(new ArrayBuffer(4))
    expect(transferListOf([[new ArrayBuffer(1), marked]])).toEqual([marked])
  })

  it('leaves out shared memory, which is shared rather than moved', () => {
    expect(transferListOf([transfer(new Int32Array(new SharedArrayBuffer(8)))])).toEqual([])
  })
})
