import { describe, expect, it } from 'vitest'

import { CancelledError } from '@concurrent/cancellation'

describe('CancelledError', () => {
  it('has the stable name CancelledError', () => {
    expect(new CancelledError().name).toBe('CancelledError')
    expect(String(new CancelledError('stopped'))).toBe('CancelledError: stopped')
  })

  it('is an Error whose prototype chain is CancelledError → Error', () => {
    const error = new CancelledError()
    expect(error).toBeInstanceOf(CancelledError)
    expect(error).toBeInstanceOf(Error)
    expect(Object.getPrototypeOf(CancelledError.prototype)).toBe(Error.prototype)
    expect(Object.prototype.toString.call(error)).toBe('[object Error]')
  })

  it('has a default message and keeps a given one', () => {
    expect(new CancelledError().message).toBe('the operation was cancelled')
    expect(new CancelledError('the download was cancelled').message).toBe(
      'the download was cancelled',
    )
  })

  it('carries the reason for the cancellation as cause', () => {
    const reason = new Error('user pressed stop')
    const error = new CancelledError('cancelled', { cause: reason })
    expect(error.cause).toBe(reason)
    expect(new CancelledError().cause).toBeUndefined()
    expect('cause' in new CancelledError()).toBe(false)
  })

  it('has a stack that starts with its name and message', () => {
    expect(new CancelledError('stopped').stack).toMatch(/^CancelledError: stopped\n/)
  })
})
