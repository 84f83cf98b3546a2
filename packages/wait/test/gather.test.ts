import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import { CancelledError, type Future } from '@concurrent/future'
import {
  callbackCount,
  cancelledFuture,
  deferred,
  failedFuture,
  finishedFuture,
  pendingFuture,
  runningFuture,
  TestExecutor,
} from '@concurrent/test-utils'
import { gather, type FutureValue } from '@concurrent/wait'

import { complete, fail, flush, observe } from './helpers.js'

describe('gather', () => {
  it('resolves with the values in input order, whatever order the futures finish in', async () => {
    const [a, b, c] = [pendingFuture(), runningFuture(), pendingFuture()]
    const gathering = gather([a, b, c])
    complete(c, 3)
    complete(a, 1)
    complete(b, 2)
    expect(await gathering).toEqual([1, 2, 3])
  })

  it('resolves with the values of futures that are already finished', async () => {
    expect(await gather([finishedFuture('x'), finishedFuture('y')])).toEqual(['x', 'y'])
  })

  it('resolves with an empty array for zero futures', async () => {
    const values = await gather([])
    expect(values).toEqual([])
    expectTypeOf(values).toEqualTypeOf<[]>()
  })

  it('types the values per position for a tuple of futures', async () => {
    const [n, s, flag] = await gather([
      finishedFuture(1),
      finishedFuture('two'),
      finishedFuture(true),
    ])
    expectTypeOf(n).toEqualTypeOf<number>()
    expectTypeOf(s).toEqualTypeOf<string>()
    expectTypeOf(flag).toEqualTypeOf<boolean>()
    expect([n, s, flag]).toEqual([1, 'two', true])
  })

  it('types the values as an array for an array of futures', async () => {
    const futures: Array<Future<number>> = [finishedFuture(1), finishedFuture(2)]
    const values = await gather(futures)
    expectTypeOf(values).toEqualTypeOf<number[]>()
    expectTypeOf<FutureValue<Future<string>>>().toEqualTypeOf<string>()
  })

  it('resolves with the same value twice for a duplicated future', async () => {
    const future = pendingFuture()
    const gathering = gather([future, future])
    complete(future, 7)
    expect(await gathering).toEqual([7, 7])
  })

  it('gathers the futures of an executor', async () => {
    await using executor = new TestExecutor(2)
    const square = (n: number): number => n * n
    const futures = [1, 2, 3, 4].map((n) => executor.submit(square, n))
    expect(await gather(futures)).toEqual([1, 4, 9, 16])
  })

  describe('on the first failure', () => {
    it('rejects with the error of the first future to fail', async () => {
      const error = new Error('boom')
      const [a, b] = [pendingFuture(), pendingFuture()]
      const gathering = gather([a, b])
      fail(b, error)
      await expect(gathering).rejects.toBe(error)
    })

    it('rejects at once, without waiting for the others to finish', async () => {
      const error = new Error('boom')
      const running = runningFuture()
      const gathering = observe(gather([running, pendingFuture()]))
      fail(running, error)
      await flush()
      expect(gathering.state).toBe('rejected')
      expect(gathering.reason).toBe(error)
    })

    it('rejects with the error of a future that has already failed', async () => {
      const error = new Error('canned')
      const pending = pendingFuture()
      await expect(gather([pending, failedFuture(error)])).rejects.toBe(error)
      expect(pending.cancelled()).toBe(true)
    })

    it('keeps the first error when another future fails later', async () => {
      const [first, second] = [new Error('first'), new Error('second')]
      const [a, b] = [runningFuture(), runningFuture()]
      const gathering = gather([a, b])
      fail(b, first)
      fail(a, second)
      await expect(gathering).rejects.toBe(first)
    })

    it('cancels the pending futures', async () => {
      const [pending1, pending2, failing] = [pendingFuture(), pendingFuture(), pendingFuture()]
      const gathering = gather([pending1, failing, pending2])
      fail(failing, new Error('boom'))
      await expect(gathering).rejects.toThrow('boom')
      expect(pending1.cancelled()).toBe(true)
      expect(pending2.cancelled()).toBe(true)
      await expect(pending1.result()).rejects.toBeInstanceOf(CancelledError)
    })

    it('leaves the running futures running (cancel() returns false once running)', async () => {
      const running = runningFuture()
      running.setInterruptHandler(vi.fn())
      const failing = pendingFuture()
      const gathering = gather([running, failing])
      fail(failing, new Error('boom'))
      await expect(gathering).rejects.toThrow('boom')
      expect(running.running()).toBe(true)
    })

    it('interrupts the running futures with interrupt: true', async () => {
      const running = runningFuture()
      const interrupt = vi.fn()
      running.setInterruptHandler(interrupt)
      const failing = pendingFuture()
      const gathering = gather([running, failing], { interrupt: true })
      fail(failing, new Error('boom'))
      await expect(gathering).rejects.toThrow('boom')
      expect(running.cancelled()).toBe(true)
      expect(interrupt).toHaveBeenCalledTimes(1)
      expect(interrupt.mock.calls[0]?.[0]).toBeInstanceOf(CancelledError)
    })

    it('cannot interrupt a running future whose executor installed no interrupt handler', async () => {
      const running = runningFuture()
      const failing = pendingFuture()
      const gathering = gather([running, failing], { interrupt: true })
      fail(failing, new Error('boom'))
      await expect(gathering).rejects.toThrow('boom')
      expect(running.running()).toBe(true)
    })

    it('leaves finished futures as they are', async () => {
      const finished = finishedFuture(1)
      const failing = pendingFuture()
      const gathering = gather([finished, failing], { interrupt: true })
      fail(failing, new Error('boom'))
      await expect(gathering).rejects.toThrow('boom')
      expect(finished.state).toBe('finished')
      expect(await finished.result()).toBe(1)
    })

    it('cancels the work still queued in an executor', async () => {
      await using executor = new TestExecutor(1)
      const gate = deferred()
      const failing = executor.submit(async () => {
        await gate.promise
        throw new Error('task failed')
      })
      const queued = [1, 2, 3].map((n) => executor.submit((x: number) => x, n))
      const gathering = gather([failing, ...queued])
      await flush()
      expect(failing.running()).toBe(true)
      gate.resolve()
      await expect(gathering).rejects.toThrow('task failed')
      expect(queued.every((future) => future.cancelled())).toBe(true)
    })

    it('removes its callbacks from the futures it leaves alone', async () => {
      const [running, failing] = [runningFuture(), pendingFuture()]
      const gathering = gather([running, failing])
      expect(callbackCount(running)).toBe(1)
      fail(failing, new Error('boom'))
      await expect(gathering).rejects.toThrow('boom')
      expect(callbackCount(running)).toBe(0)
    })
  })

  describe('cancelOnError: false', () => {
    it('leaves the other futures alone', async () => {
      const [pending, running, failing] = [pendingFuture(), runningFuture(), pendingFuture()]
      running.setInterruptHandler(vi.fn())
      const gathering = gather([pending, running, failing], {
        cancelOnError: false,
        interrupt: true,
      })
      fail(failing, new Error('boom'))
      await expect(gathering).rejects.toThrow('boom')
      expect(pending.state).toBe('pending')
      expect(running.state).toBe('running')
      expect(callbackCount(pending)).toBe(0)
      expect(callbackCount(running)).toBe(0)
    })

    it('still rejects with a cancelled input', async () => {
      const pending = pendingFuture()
      const gathering = gather([pending, cancelledFuture()], { cancelOnError: false })
      await expect(gathering).rejects.toBeInstanceOf(CancelledError)
      expect(pending.state).toBe('pending')
    })
  })

  describe('a cancelled input', () => {
    it('rejects with CancelledError when an input is cancelled while it waits', async () => {
      const [a, b] = [pendingFuture(), pendingFuture()]
      const gathering = gather([a, b])
      a.cancel({ reason: 'not needed' })
      const error: unknown = await gathering.catch((thrown: unknown) => thrown)
      expect(error).toBeInstanceOf(CancelledError)
      expect((error as CancelledError).cause).toBe('not needed')
      expect(b.cancelled()).toBe(true)
    })

    it('rejects with CancelledError when an input was already cancelled', async () => {
      const pending = pendingFuture()
      await expect(gather([cancelledFuture(), pending])).rejects.toBeInstanceOf(CancelledError)
      expect(pending.cancelled()).toBe(true)
    })
  })
})
