/**
 * AsyncResult on its own, over a promise: the states and waits Pool's results go through.
 */
import { describe, expect, it, vi } from 'vitest'

import { AsyncResult, InvalidStateError, TimeoutError } from '@concurrent/multiprocessing'

function later<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms))
}

describe('AsyncResult', () => {
  it('is not ready, then ready and successful with the value', async () => {
    const result = new AsyncResult(later(30, 'done'))
    expect(result.ready()).toBe(false)
    expect(() => result.successful()).toThrow(InvalidStateError)
    expect(await result.get()).toBe('done')
    expect(result.ready()).toBe(true)
    expect(result.successful()).toBe(true)
  })

  it('get({ timeout }) rejects with TimeoutError and the work goes on; wait() never rejects', async () => {
    const result = new AsyncResult(later(50, 1))
    await expect(result.get({ timeout: 5 })).rejects.toBeInstanceOf(TimeoutError)
    await result.wait({ timeout: 5 })
    expect(result.ready()).toBe(false)
    await result.wait()
    expect(await result.get({ timeout: 0 })).toBe(1)
  })

  it('rejects get() with the error; successful() is false; wait() still resolves', async () => {
    const error = new RangeError('failed')
    const result = new AsyncResult(Promise.reject(error))
    await result.wait()
    expect(result.successful()).toBe(false)
    await expect(result.get()).rejects.toBe(error)
    await expect(result).rejects.toBe(error)
  })

  it('calls callback or errorCallback once, and reports one that throws as a warning', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const values: number[] = []
    await new AsyncResult(Promise.resolve(3), { callback: (v) => values.push(v) }).wait()
    expect(values).toEqual([3])
    const errors: unknown[] = []
    await new AsyncResult(Promise.reject(new Error('x')), {
      errorCallback: (e) => errors.push(e),
    }).wait()
    expect(errors).toHaveLength(1)
    const throwing = new AsyncResult(Promise.resolve(1), {
      callback: () => {
        throw new Error('bad callback')
      },
    })
    expect(await throwing.get()).toBe(1)
    expect(warning).toHaveBeenCalledWith(expect.stringMatching(/bad callback/), expect.anything())
    warning.mockRestore()
  })

  it('validates the timeout', async () => {
    const result = new AsyncResult(Promise.resolve(1))
    await expect(result.get({ timeout: -1 })).rejects.toThrow(RangeError)
  })
})
