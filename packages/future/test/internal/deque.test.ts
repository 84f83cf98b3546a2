import { describe, expect, it } from 'vitest'

import { Deque } from '../../src/internal/deque.js'

/** What a deque holds, front to back, taken out with `shift`. */
function drain<T>(deque: Deque<T>): T[] {
  const items: T[] = []
  while (deque.length > 0) items.push(deque.shift() as T)
  return items
}

describe('Deque', () => {
  it('is first in, first out, and empty gives undefined', () => {
    const deque = new Deque<number>()
    expect(deque.shift()).toBeUndefined()
    expect(deque.pop()).toBeUndefined()
    expect(deque.peek()).toBeUndefined()
    for (let i = 0; i < 5; i++) deque.push(i)
    expect(deque.length).toBe(5)
    expect(deque.peek()).toBe(0)
    expect(drain(deque)).toEqual([0, 1, 2, 3, 4])
  })

  it('puts an unshifted item next, and pops from the back', () => {
    const deque = new Deque<string>()
    deque.push('b')
    deque.push('c')
    deque.unshift('a')
    expect(deque.pop()).toBe('c')
    expect(drain(deque)).toEqual(['a', 'b'])
  })

  it('keeps the order while it grows with its items wrapped around the ring', () => {
    const deque = new Deque<number>()
    const model: number[] = []
    // Shifts, pushes and unshifts mixed, so that the front wraps and the ring grows many times.
    for (let i = 0; i < 5_000; i++) {
      if (i % 7 === 3) {
        deque.unshift(-i)
        model.unshift(-i)
      } else {
        deque.push(i)
        model.push(i)
      }
      if (i % 5 === 0) expect(deque.shift()).toBe(model.shift())
      if (i % 11 === 0) expect(deque.pop()).toBe(model.pop())
      expect(deque.length).toBe(model.length)
    }
    expect(drain(deque)).toEqual(model)
  })

  it('keeps items that are undefined, counted by its length', () => {
    const deque = new Deque<undefined | number>()
    deque.push(undefined)
    deque.push(1)
    expect(deque.length).toBe(2)
    expect(drain(deque)).toEqual([undefined, 1])
  })

  it('clear() empties it, and it works on afterwards', () => {
    const deque = new Deque<number>()
    for (let i = 0; i < 40; i++) deque.push(i)
    deque.clear()
    expect(deque.length).toBe(0)
    deque.push(7)
    expect(drain(deque)).toEqual([7])
  })
})
