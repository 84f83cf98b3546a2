/**
 * The values that cross the queue: whichever form a value takes (JSON text for small plain
 * data, `v8.serialize` bytes otherwise), the other side gets what structured clone makes of it.
 */
import { serialize } from 'node:v8'

import { describe, expect, it } from 'vitest'

import { decodeValue, encodeValue, slotsOf, workerName } from '../src/internal/wire.js'

class Point {
  x = 1
  y = 2
}

const nested: unknown[] = []
let inner: unknown[] = nested
for (let depth = 0; depth < 20; depth++) {
  const next: unknown[] = [depth]
  inner.push(next)
  inner = next
}

describe('encodeValue and decodeValue', () => {
  it.each([
    ['an integer', 42],
    ['a fraction', 0.1],
    ['-0', -0],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', 'text'],
    ['a lone surrogate', '\ud800'],
    ['a long string', 'x'.repeat(5_000)],
    ['true', true],
    ['null', null],
    ['undefined', undefined],
    ['a bigint', 10n],
    ['an argument list', [1, 'a', null, true]],
    // eslint-disable-next-line no-sparse-arrays
    ['a sparse array', [1, , 3]],
    ['an array holding undefined', [undefined]],
    ['an array with an extra property', Object.assign([1, 2], { extra: 3 })],
    ['a plain object', { a: 1, b: 'x', c: [1, { d: false }] }],
    ['an object with an undefined property', { a: undefined }],
    ['an object with a __proto__ key', JSON.parse('{"__proto__": 1, "a": 2}') as unknown],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ['a class instance', new Point()],
    ['a Date', new Date(0)],
    ['a Map', new Map([[1, 'one']])],
    ['a Set', new Set([1, 2])],
    ['a typed array', new Uint8Array([1, 2, 3])],
    ['an Error', new RangeError('out of range')],
    ['a thousand numbers', Array.from({ length: 1_000 }, (_, i) => i / 3)],
    ['twenty levels of arrays', nested],
  ])('gives back what structured clone makes of %s', (_, value) => {
    expect(decodeValue(encodeValue(value))).toStrictEqual(structuredClone(value))
  })

  it('writes small plain data as JSON text, and anything else as v8.serialize bytes', () => {
    expect(encodeValue([1, 'a', { b: null }])).toBe('![1,"a",{"b":null}]')
    expect(encodeValue(-0)).not.toMatch(/^!/)
    expect(encodeValue(new Map([[1, 2]]))).toBe(serialize(new Map([[1, 2]])).toString('base64'))
  })

  it('throws as structured clone does for a value it cannot copy', () => {
    expect(() => encodeValue({ run: () => 1 })).toThrow(/could not be cloned/)
  })
})

it('counts the slots of thread, process and async workers by their names', () => {
  expect(slotsOf(workerName('host one', 7, 4, 'thread'))).toBe(4)
  expect(slotsOf(workerName('h', 7, 2, 'process'))).toBe(2)
  expect(slotsOf(workerName('h', 7, 3, 'async'))).toBe(3)
  expect(slotsOf('someone-else')).toBe(0)
})
