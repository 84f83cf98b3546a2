/**
 * Every error class this package owns: a stable name, its place in the prototype chain, a
 * useful default message, and `cause` passed through.
 */
import { describe, expect, it } from 'vitest'

// From the source, with the internal helper: one copy of the classes for both.
import {
  BrokenBarrierError,
  BrokenPipeError,
  EmptyError,
  EOFError,
  FullError,
  restoreErrorClass,
} from '../src/errors.js'

describe.each([
  { Class: EmptyError, name: 'EmptyError', message: 'the queue is empty' },
  { Class: FullError, name: 'FullError', message: 'the queue is full' },
  { Class: EOFError, name: 'EOFError', message: 'the other end of the pipe is closed' },
  {
    Class: BrokenPipeError,
    name: 'BrokenPipeError',
    message: 'the other end of the pipe is closed',
  },
  { Class: BrokenBarrierError, name: 'BrokenBarrierError', message: 'the barrier is broken' },
])('$name', ({ Class, name, message }) => {
  it('has a stable name, extends Error, and keeps a cause', () => {
    const cause = new Error('underneath')
    const error = new Class(undefined, { cause })
    expect(error).toBeInstanceOf(Class)
    expect(error).toBeInstanceOf(Error)
    expect(Object.getPrototypeOf(Class.prototype)).toBe(Error.prototype)
    expect(error.name).toBe(name)
    expect(error.message).toBe(message)
    expect(error.cause).toBe(cause)
    expect(String(new Class('custom'))).toBe(`${name}: custom`)
  })

  it('gets its class back after crossing from a worker as a plain Error with its name', () => {
    const crossed = Object.assign(new Error('from a worker'), { name })
    const wrapper = new Error('outer', { cause: crossed })
    restoreErrorClass(wrapper)
    expect(crossed).toBeInstanceOf(Class)
    expect(crossed.message).toBe('from a worker')
  })
})
