import { getEventListeners } from 'node:events'
import { inspect } from 'node:util'

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import {
  CancelledError,
  Future,
  InvalidStateError,
  isFuture,
  TimeoutError,
  type FutureState,
} from '@concurrent/future'
import {
  callbackCount,
  cancelledFuture,
  failedFuture,
  finishedFuture,
  futuresInEveryState,
  OSError,
  pendingFuture,
  runningFuture,
} from '@concurrent/test-utils'

/** Collects the process warnings emitted while `run` runs (they are emitted on nextTick). */
async function captureWarnings(run: () => void): Promise<Error[]> {
  const warnings: Error[] = []
  const onWarning = (warning: Error): void => {
    warnings.push(warning)
  }
  process.on('warning', onWarning)
  try {
    run()
    await new Promise<void>((resolve) => process.nextTick(resolve))
    await new Promise<void>((resolve) => process.nextTick(resolve))
  } finally {
    process.off('warning', onWarning)
  }
  return warnings
}

/** Lets promise jobs and nextTicks run, so a rejection nobody handles would be reported. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** The outcome of a promise, without letting it reject unhandled. */
function track<T>(promise: Promise<T>): { readonly settled: PromiseSettledResult<T> | undefined } {
  const box: { settled: PromiseSettledResult<T> | undefined } = { settled: undefined }
  void promise.then(
    (value) => (box.settled = { status: 'fulfilled', value }),
    (reason: unknown) => (box.settled = { status: 'rejected', reason }),
  )
  return box
}

describe('Future', () => {
  describe('state', () => {
    it('is pending, running, cancelled or finished', () => {
      const { pending, running, cancelled, finished, failed } = futuresInEveryState()
      const states: FutureState[] = [pending, running, cancelled, finished, failed].map(
        (future) => future.state,
      )
      expect(states).toEqual(['pending', 'running', 'cancelled', 'finished', 'finished'])
    })

    it('starts pending', () => {
      const future = new Future<number>()
      expect(future.state).toBe('pending')
      expect(future.outcome).toBeUndefined()
    })

    it('cancelled() is true only for a cancelled future (test_cancelled)', () => {
      const { pending, running, cancelled, finished, failed } = futuresInEveryState()
      expect(pending.cancelled()).toBe(false)
      expect(running.cancelled()).toBe(false)
      expect(cancelled.cancelled()).toBe(true)
      expect(failed.cancelled()).toBe(false)
      expect(finished.cancelled()).toBe(false)
    })

    it('done() is true once cancelled or finished (test_done)', () => {
      const { pending, running, cancelled, finished, failed } = futuresInEveryState()
      expect(pending.done()).toBe(false)
      expect(running.done()).toBe(false)
      expect(cancelled.done()).toBe(true)
      expect(failed.done()).toBe(true)
      expect(finished.done()).toBe(true)
    })

    it('running() is true only while running (test_running)', () => {
      const { pending, running, cancelled, finished, failed } = futuresInEveryState()
      expect(pending.running()).toBe(false)
      expect(running.running()).toBe(true)
      expect(cancelled.running()).toBe(false)
      expect(failed.running()).toBe(false)
      expect(finished.running()).toBe(false)
    })
  })

  describe('outcome (test_get_snapshot)', () => {
    it('is undefined while pending or running', () => {
      expect(pendingFuture().outcome).toBeUndefined()
      expect(runningFuture().outcome).toBeUndefined()
    })

    it('is fulfilled with the value once finished', () => {
      expect(finishedFuture(42).outcome).toEqual({ status: 'fulfilled', value: 42 })
    })

    it('is rejected with the exception once failed', () => {
      const error = new Error('test error')
      expect(failedFuture(error).outcome).toEqual({ status: 'rejected', reason: error })
      expect(failedFuture(error).outcome?.status).toBe('rejected')
    })

    it('is rejected with a CancelledError once cancelled', () => {
      const outcome = cancelledFuture().outcome
      expect(outcome?.status).toBe('rejected')
      expect(outcome?.status === 'rejected' && outcome.reason).toBeInstanceOf(CancelledError)
    })

    it('tells a future that failed with a falsy value from one that succeeded', () => {
      const failed = runningFuture()
      failed.setException(undefined)
      expect(failed.outcome).toEqual({ status: 'rejected', reason: undefined })
      expect(finishedFuture(undefined).outcome).toEqual({ status: 'fulfilled', value: undefined })
    })
  })

  describe('cancel()', () => {
    it('cancels a pending future and returns true (test_cancel)', () => {
      const future = pendingFuture()
      expect(future.cancel()).toBe(true)
      expect(future.state).toBe('cancelled')
    })

    it('returns false once running and leaves it running (test_cancel)', () => {
      const future = runningFuture()
      expect(future.cancel()).toBe(false)
      expect(future.state).toBe('running')
    })

    it('returns true for a future that is already cancelled (test_cancel)', () => {
      const future = cancelledFuture()
      expect(future.cancel()).toBe(true)
      expect(future.state).toBe('cancelled')
    })

    it('returns false for a future that finished with an exception (test_cancel)', () => {
      const future = failedFuture(new OSError())
      expect(future.cancel()).toBe(false)
      expect(future.state).toBe('finished')
    })

    it('returns false for a future that finished with a result (test_cancel)', () => {
      const future = finishedFuture(5)
      expect(future.cancel()).toBe(false)
      expect(future.outcome).toEqual({ status: 'fulfilled', value: 5 })
    })

    it('runs the done callbacks once, even when cancelled twice', () => {
      const future = pendingFuture()
      const callback = vi.fn()
      future.addDoneCallback(callback)
      future.cancel()
      future.cancel()
      expect(callback).toHaveBeenCalledTimes(1)
    })

    it('rejects waiters with a CancelledError whose cause is the reason given', async () => {
      const future = pendingFuture()
      const waiting = future.result()
      const reason = new Error('no longer needed')
      future.cancel({ reason })
      const error = await waiting.catch((thrown: unknown) => thrown)
      expect(error).toBeInstanceOf(CancelledError)
      expect((error as CancelledError).cause).toBe(reason)
      expect((error as CancelledError).message).toBe('the future was cancelled')
    })

    it('gives a CancelledError without a cause when no reason is given', () => {
      const future = cancelledFuture()
      const outcome = future.outcome
      expect(outcome?.status === 'rejected' && 'cause' in (outcome.reason as Error)).toBe(false)
    })

    it('keeps the first reason when cancelled again with another', () => {
      const future = pendingFuture()
      future.cancel({ reason: 'first' })
      future.cancel({ reason: 'second' })
      const outcome = future.outcome
      expect(outcome?.status === 'rejected' && (outcome.reason as Error).cause).toBe('first')
    })

    it('cancels a pending future with { interrupt: true } without calling the handler', () => {
      const future = pendingFuture()
      const handler = vi.fn()
      future.setInterruptHandler(handler)
      expect(future.cancel({ interrupt: true })).toBe(true)
      expect(future.cancelled()).toBe(true)
      expect(handler).not.toHaveBeenCalled()
    })
  })

  describe('cancel({ interrupt: true })', () => {
    it('returns false for a running future when no interrupt handler is installed', () => {
      const future = runningFuture()
      expect(future.cancel({ interrupt: true })).toBe(false)
      expect(future.state).toBe('running')
    })

    it('cancels a running future and calls its interrupt handler once', () => {
      const future = runningFuture()
      const handler = vi.fn()
      future.setInterruptHandler(handler)
      expect(future.cancel({ interrupt: true, reason: 'user' })).toBe(true)
      expect(future.state).toBe('cancelled')
      expect(handler).toHaveBeenCalledTimes(1)
      const [error] = handler.mock.calls[0] as [CancelledError]
      expect(error).toBeInstanceOf(CancelledError)
      expect(error.message).toBe('the running task was interrupted')
      expect(error.cause).toBe('user')
      expect(future.outcome).toEqual({ status: 'rejected', reason: error })
    })

    it('calls the handler after the future is cancelled and its callbacks have run', () => {
      const future = runningFuture()
      const order: string[] = []
      future.addDoneCallback((f) => order.push(`callback ${f.state}`))
      future.setInterruptHandler(() => order.push(`handler ${future.state}`))
      future.cancel({ interrupt: true })
      expect(order).toEqual(['callback cancelled', 'handler cancelled'])
    })

    it('rejects `await` with the CancelledError', async () => {
      const future = runningFuture()
      future.setInterruptHandler(() => undefined)
      const awaited = (async () => await future)()
      future.cancel({ interrupt: true })
      await expect(awaited).rejects.toBeInstanceOf(CancelledError)
    })

    it('does not interrupt a running future without { interrupt: true }', () => {
      const future = runningFuture()
      const handler = vi.fn()
      future.setInterruptHandler(handler)
      expect(future.cancel()).toBe(false)
      expect(future.cancel({ interrupt: false })).toBe(false)
      expect(handler).not.toHaveBeenCalled()
      expect(future.running()).toBe(true)
    })

    it('cannot interrupt once the handler is removed with setInterruptHandler(undefined)', () => {
      const future = runningFuture()
      const handler = vi.fn()
      future.setInterruptHandler(handler)
      future.setInterruptHandler(undefined)
      expect(future.cancel({ interrupt: true })).toBe(false)
      expect(handler).not.toHaveBeenCalled()
    })

    it('calls only the latest handler installed', () => {
      const future = runningFuture()
      const first = vi.fn()
      const second = vi.fn()
      future.setInterruptHandler(first)
      future.setInterruptHandler(second)
      future.cancel({ interrupt: true })
      expect(first).not.toHaveBeenCalled()
      expect(second).toHaveBeenCalledTimes(1)
    })

    it('returns false for a finished future and does not call the handler', () => {
      const future = runningFuture()
      const handler = vi.fn()
      future.setInterruptHandler(handler)
      future.setResult(1)
      expect(future.cancel({ interrupt: true })).toBe(false)
      expect(handler).not.toHaveBeenCalled()
    })

    it('ignores a handler installed once the future is done', () => {
      const future = finishedFuture(1)
      const handler = vi.fn()
      future.setInterruptHandler(handler)
      expect(future.cancel({ interrupt: true })).toBe(false)
      expect(handler).not.toHaveBeenCalled()
    })

    it('makes a later setResult by the executor throw InvalidStateError', () => {
      const future = runningFuture()
      future.setInterruptHandler(() => undefined)
      future.cancel({ interrupt: true })
      expect(() => future.setResult(1)).toThrow(InvalidStateError)
      expect(() => future.setException(new Error('late'))).toThrow(InvalidStateError)
      expect(future.cancelled()).toBe(true)
    })

    it('reports a throwing interrupt handler as a warning and still cancels', async () => {
      const future = runningFuture()
      future.setInterruptHandler(() => {
        throw new Error('handler broke')
      })
      let cancelled: boolean | undefined
      const warnings = await captureWarnings(() => {
        cancelled = future.cancel({ interrupt: true })
      })
      expect(cancelled).toBe(true)
      expect(future.cancelled()).toBe(true)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]?.name).toBe('ConcurrentCallbackError')
      expect(warnings[0]?.message).toMatch(/interrupt handler threw.*handler broke/s)
    })
  })

  describe('setRunningOrNotifyCancel()', () => {
    it('moves a pending future to running and returns true', () => {
      const future = pendingFuture()
      expect(future.setRunningOrNotifyCancel()).toBe(true)
      expect(future.state).toBe('running')
    })

    it('returns false for a cancelled future, which stays cancelled', () => {
      const future = pendingFuture()
      const callback = vi.fn()
      future.addDoneCallback(callback)
      future.cancel()
      expect(future.setRunningOrNotifyCancel()).toBe(false)
      expect(future.state).toBe('cancelled')
      expect(callback).toHaveBeenCalledTimes(1)
    })

    it('throws InvalidStateError for a future that is running or finished', () => {
      expect(() => runningFuture().setRunningOrNotifyCancel()).toThrow(InvalidStateError)
      expect(() => finishedFuture(1).setRunningOrNotifyCancel()).toThrow(InvalidStateError)
      expect(() => failedFuture().setRunningOrNotifyCancel()).toThrow(
        /cannot start a future that is finished/,
      )
    })

    it('does not run the done callbacks', () => {
      const future = pendingFuture()
      const callback = vi.fn()
      future.addDoneCallback(callback)
      future.setRunningOrNotifyCancel()
      expect(callback).not.toHaveBeenCalled()
    })
  })

  describe('setResult() and setException()', () => {
    it('finishes a running future with a value', async () => {
      const future = runningFuture()
      future.setResult(7)
      expect(future.state).toBe('finished')
      await expect(future.result()).resolves.toBe(7)
    })

    it('finishes a pending future directly, as Python allows', async () => {
      const future = pendingFuture()
      future.setResult(1)
      expect(future.done()).toBe(true)
      await expect(future.result()).resolves.toBe(1)
      const failed = pendingFuture()
      const error = new Error('direct')
      failed.setException(error)
      await expect(failed.exception()).resolves.toBe(error)
    })

    it('throws InvalidStateError when set twice and keeps the first result (test_multiple_set_result)', async () => {
      const future = pendingFuture()
      future.setResult(1)
      expect(() => future.setResult(2)).toThrow(InvalidStateError)
      expect(() => future.setResult(2)).toThrow(/cannot move a future from finished to finished/)
      expect(future.done()).toBe(true)
      await expect(future.result()).resolves.toBe(1)
    })

    it('throws InvalidStateError when set twice and keeps the first exception (test_multiple_set_exception)', async () => {
      const future = pendingFuture()
      const error = new Error('first')
      future.setException(error)
      expect(() => future.setException(new Error('second'))).toThrow(InvalidStateError)
      expect(() => future.setResult(1)).toThrow(InvalidStateError)
      await expect(future.exception()).resolves.toBe(error)
    })

    it('throws InvalidStateError on a cancelled future', () => {
      const future = cancelledFuture()
      expect(() => future.setResult(1)).toThrow(InvalidStateError)
      expect(() => future.setException(new Error('x'))).toThrow(
        /cannot move a future from cancelled to finished/,
      )
      expect(future.cancelled()).toBe(true)
    })

    it('runs no callback when the transition is refused', () => {
      const future = finishedFuture(1)
      const callback = vi.fn()
      future.addDoneCallback(callback)
      callback.mockClear()
      expect(() => future.setResult(2)).toThrow(InvalidStateError)
      expect(callback).not.toHaveBeenCalled()
    })

    it('does not swallow falsy exceptions (test_swallows_falsey_exceptions)', async () => {
      for (const falsy of [0, '', null, undefined, false]) {
        const future = runningFuture()
        future.setException(falsy)
        await expect(future.result()).rejects.toBe(falsy)
        expect(future.outcome).toEqual({ status: 'rejected', reason: falsy })
      }
    })
  })

  describe('addDoneCallback()', () => {
    it('calls the callback with the future once it finishes with a result (test_done_callback_with_result)', async () => {
      const future = new Future<number>()
      let seen: Future<number> | undefined
      let result: number | undefined
      future.addDoneCallback((f) => {
        seen = f
        result = f.outcome?.status === 'fulfilled' ? f.outcome.value : undefined
      })
      future.setResult(5)
      expect(seen).toBe(future)
      expect(result).toBe(5)
      await expect(future.result()).resolves.toBe(5)
    })

    it('calls the callback once the future fails (test_done_callback_with_exception)', async () => {
      const future = new Future<number>()
      let exception: Promise<unknown> | undefined
      future.addDoneCallback((f) => {
        exception = f.exception()
      })
      future.setException(new Error('test'))
      await expect(exception).resolves.toHaveProperty('message', 'test')
    })

    it('calls the callback once the future is cancelled (test_done_callback_with_cancel)', () => {
      const future = new Future<number>()
      let wasCancelled: boolean | undefined
      future.addDoneCallback((f) => (wasCancelled = f.cancelled()))
      expect(future.cancel()).toBe(true)
      expect(wasCancelled).toBe(true)
    })

    it('runs callbacks synchronously, before setResult returns', () => {
      const future = runningFuture()
      const events: string[] = []
      future.addDoneCallback(() => events.push('callback'))
      future.setResult(1)
      events.push('after setResult')
      expect(events).toEqual(['callback', 'after setResult'])
    })

    it('runs callbacks in the order they were added', () => {
      const future = pendingFuture()
      const order: number[] = []
      for (let i = 0; i < 5; i++) future.addDoneCallback(() => order.push(i))
      future.setResult(0)
      expect(order).toEqual([0, 1, 2, 3, 4])
    })

    it('calls a function added twice once per registration, and never again', () => {
      const future = pendingFuture()
      const callback = vi.fn()
      future.addDoneCallback(callback)
      future.addDoneCallback(callback)
      future.setResult(1)
      expect(callback).toHaveBeenCalledTimes(2)
      callback.mockClear()
      future.cancel()
      expect(callback).not.toHaveBeenCalled()
    })

    it('calls the callback at once when the future already succeeded (test_done_callback_already_successful)', () => {
      const future = finishedFuture(5)
      let value: unknown
      future.addDoneCallback((f) => (value = f.outcome))
      expect(value).toEqual({ status: 'fulfilled', value: 5 })
    })

    it('calls the callback at once when the future already failed (test_done_callback_already_failed)', () => {
      const error = new Error('test')
      const future = failedFuture(error)
      let outcome: unknown
      future.addDoneCallback((f) => (outcome = f.outcome))
      expect(outcome).toEqual({ status: 'rejected', reason: error })
    })

    it('calls the callback at once when the future is already cancelled (test_done_callback_already_cancelled)', () => {
      const future = cancelledFuture()
      let wasCancelled: boolean | undefined
      future.addDoneCallback((f) => (wasCancelled = f.cancelled()))
      expect(wasCancelled).toBe(true)
    })

    it('does not call the callback while pending or running', () => {
      const callback = vi.fn()
      pendingFuture().addDoneCallback(callback)
      runningFuture().addDoneCallback(callback)
      expect(callback).not.toHaveBeenCalled()
    })

    it('reports a throwing callback as a warning and still runs the others (test_done_callback_raises)', async () => {
      const future = new Future<number>()
      let raisingWasCalled = false
      let fnWasCalled = false
      future.addDoneCallback(() => {
        raisingWasCalled = true
        throw new Error('doh!')
      })
      future.addDoneCallback(() => (fnWasCalled = true))
      const warnings = await captureWarnings(() => future.setResult(5))
      expect(raisingWasCalled).toBe(true)
      expect(fnWasCalled).toBe(true)
      expect(future.outcome).toEqual({ status: 'fulfilled', value: 5 })
      expect(warnings).toHaveLength(1)
      expect(warnings[0]?.name).toBe('ConcurrentCallbackError')
      expect(warnings[0]?.message).toMatch(/done callback threw.*doh!/s)
      expect((warnings[0] as Error & { code?: string }).code).toBe('CONCURRENT_CALLBACK_ERROR')
    })

    it('reports a callback that throws when added to a done future (test_done_callback_raises_already_succeeded)', async () => {
      const future = finishedFuture(5)
      let remover: (() => void) | undefined
      const warnings = await captureWarnings(() => {
        remover = future.addDoneCallback(() => {
          throw new Error('doh!')
        })
      })
      expect(typeof remover).toBe('function')
      expect(warnings.map((warning) => warning.message)).toEqual([
        expect.stringMatching(/done callback threw.*doh!/s),
      ])
    })

    it('reports a thrown non-Error value too', async () => {
      const future = pendingFuture()
      future.addDoneCallback(() => {
        throw 'a string' // eslint-disable-line @typescript-eslint/only-throw-error
      })
      const warnings = await captureWarnings(() => future.cancel())
      expect(warnings[0]?.message).toMatch(/a string/)
    })

    it('throws a TypeError for a callback that is not a function', () => {
      const future = pendingFuture()
      expect(() => future.addDoneCallback('nope' as unknown as () => void)).toThrow(
        new TypeError('Expected `fn` to be a function, got `nope` (string)'),
      )
    })

    describe('the remover it returns', () => {
      it('removes the callback so it never runs', () => {
        const future = pendingFuture()
        const callback = vi.fn()
        const remove = future.addDoneCallback(callback)
        expect(callbackCount(future)).toBe(1)
        remove()
        expect(callbackCount(future)).toBe(0)
        future.setResult(1)
        expect(callback).not.toHaveBeenCalled()
      })

      it('removes only its own registration', () => {
        const future = pendingFuture()
        const callback = vi.fn()
        const removeFirst = future.addDoneCallback(callback)
        future.addDoneCallback(callback)
        removeFirst()
        removeFirst()
        future.setResult(1)
        expect(callback).toHaveBeenCalledTimes(1)
      })

      it('is a no-op once the callback has run', () => {
        const future = pendingFuture()
        const callback = vi.fn()
        const remove = future.addDoneCallback(callback)
        future.setResult(1)
        remove()
        expect(callback).toHaveBeenCalledTimes(1)
        const late = finishedFuture(1).addDoneCallback(() => undefined)
        expect(() => late()).not.toThrow()
      })

      it('stops a callback that has not run yet when called from an earlier callback', () => {
        const future = pendingFuture()
        const later = vi.fn()
        let removeLater: () => void = () => undefined
        future.addDoneCallback(() => removeLater())
        removeLater = future.addDoneCallback(later)
        future.setResult(1)
        expect(later).not.toHaveBeenCalled()
      })

      it('leaves no callback behind after the future is done', () => {
        const future = pendingFuture()
        for (let i = 0; i < 10; i++) future.addDoneCallback(() => undefined)
        expect(callbackCount(future)).toBe(10)
        future.cancel()
        expect(callbackCount(future)).toBe(0)
      })
    })

    it('runs a callback added by another callback at once', () => {
      const future = pendingFuture()
      const order: string[] = []
      future.addDoneCallback((f) => {
        order.push('outer')
        f.addDoneCallback(() => order.push('inner'))
        order.push('outer end')
      })
      future.addDoneCallback(() => order.push('second'))
      future.setResult(1)
      expect(order).toEqual(['outer', 'inner', 'outer end', 'second'])
    })
  })

  describe('result() and exception() on a done future (test_result_with_timeout, test_exception_with_timeout)', () => {
    it('result() resolves with the value, exception() with undefined', async () => {
      const future = finishedFuture(42)
      await expect(future.result()).resolves.toBe(42)
      await expect(future.exception()).resolves.toBeUndefined()
    })

    it('result() rejects with the exception, exception() resolves with it', async () => {
      const error = new OSError()
      const future = failedFuture(error)
      await expect(future.result()).rejects.toBe(error)
      await expect(future.exception()).resolves.toBe(error)
    })

    it('both reject with CancelledError for a cancelled future', async () => {
      const future = cancelledFuture()
      await expect(future.result()).rejects.toBeInstanceOf(CancelledError)
      await expect(future.exception()).rejects.toBeInstanceOf(CancelledError)
    })

    it('rejects every waiter with the same CancelledError', async () => {
      const future = cancelledFuture()
      const [first, second] = await Promise.all([
        future.result().catch((error: unknown) => error),
        future.exception().catch((error: unknown) => error),
      ])
      expect(first).toBe(second)
    })

    it('throws nothing synchronously', () => {
      const future = failedFuture()
      const result = future.result()
      expect(result).toBeInstanceOf(Promise)
      void result.catch(() => undefined)
    })
  })

  describe('result() and exception() with a timeout', () => {
    beforeEach(() => {
      vi.useFakeTimers()
    })
    afterEach(() => {
      vi.useRealTimers()
    })

    it('result({ timeout: 0 }) rejects with TimeoutError for pending and running futures (test_result_with_timeout)', async () => {
      await expect(pendingFuture().result({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError)
      await expect(runningFuture().result({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError)
      await expect(cancelledFuture().result({ timeout: 0 })).rejects.toBeInstanceOf(CancelledError)
      const error = new OSError()
      await expect(failedFuture(error).result({ timeout: 0 })).rejects.toBe(error)
      await expect(finishedFuture(42).result({ timeout: 0 })).resolves.toBe(42)
    })

    it('exception({ timeout: 0 }) rejects with TimeoutError for pending and running futures (test_exception_with_timeout)', async () => {
      await expect(pendingFuture().exception({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError)
      await expect(runningFuture().exception({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError)
      await expect(cancelledFuture().exception({ timeout: 0 })).rejects.toBeInstanceOf(
        CancelledError,
      )
      await expect(failedFuture(new OSError()).exception({ timeout: 0 })).resolves.toBeInstanceOf(
        OSError,
      )
      await expect(finishedFuture(42).exception({ timeout: 0 })).resolves.toBeUndefined()
    })

    it('rejects with TimeoutError once the timeout passes and leaves the future alone', async () => {
      const future = runningFuture()
      const waiting = track(future.result({ timeout: 1_000 }))
      await vi.advanceTimersByTimeAsync(999)
      expect(waiting.settled).toBeUndefined()
      await vi.advanceTimersByTimeAsync(1)
      expect(waiting.settled?.status).toBe('rejected')
      const error = (waiting.settled as PromiseRejectedResult).reason as TimeoutError
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error.message).toBe('the future did not complete within 1000 ms')
      expect(future.state).toBe('running')
      expect(callbackCount(future)).toBe(0)
      expect(vi.getTimerCount()).toBe(0)
      future.setResult(3)
      await expect(future.result()).resolves.toBe(3)
    })

    it('exception() rejects with TimeoutError once the timeout passes', async () => {
      const future = pendingFuture()
      const waiting = future.exception({ timeout: 50 })
      const assertion = expect(waiting).rejects.toBeInstanceOf(TimeoutError)
      await vi.advanceTimersByTimeAsync(50)
      await assertion
      expect(future.state).toBe('pending')
    })

    it('resolves with the result set before the timeout, and clears its timer (test_result_with_success)', async () => {
      const future = pendingFuture()
      setTimeout(() => {
        future.setRunningOrNotifyCancel()
        future.setResult(42)
      }, 1_000)
      const waiting = track(future.result({ timeout: 5_000 }))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(waiting.settled).toEqual({ status: 'fulfilled', value: 42 })
      expect(vi.getTimerCount()).toBe(0)
    })

    it('rejects with CancelledError when cancelled before the timeout (test_result_with_cancel)', async () => {
      const future = pendingFuture()
      setTimeout(() => future.cancel(), 1_000)
      const waiting = track(future.result({ timeout: 5_000 }))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(waiting.settled?.status).toBe('rejected')
      expect((waiting.settled as PromiseRejectedResult).reason).toBeInstanceOf(CancelledError)
      expect(vi.getTimerCount()).toBe(0)
    })

    it('resolves with the exception set before the timeout (test_exception_with_success)', async () => {
      const future = pendingFuture()
      setTimeout(() => {
        future.setRunningOrNotifyCancel()
        future.setException(new OSError())
      }, 1_000)
      const waiting = track(future.exception({ timeout: 5_000 }))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(waiting.settled?.status).toBe('fulfilled')
      expect((waiting.settled as PromiseFulfilledResult<unknown>).value).toBeInstanceOf(OSError)
    })

    it('waits without a timer when the timeout is Infinity or not given', async () => {
      const future = pendingFuture()
      const waiting = [
        track(future.result()),
        track(future.result({ timeout: Infinity })),
        track(future.exception({ timeout: Infinity })),
      ]
      expect(vi.getTimerCount()).toBe(0)
      await vi.advanceTimersByTimeAsync(1_000_000)
      expect(waiting.map((w) => w.settled)).toEqual([undefined, undefined, undefined])
      future.setResult(1)
      await vi.advanceTimersByTimeAsync(0)
      expect(waiting.map((w) => w.settled?.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    })

    it('times each wait on its own', async () => {
      const future = runningFuture()
      const short = track(future.result({ timeout: 100 }))
      const long = track(future.result({ timeout: 1_000 }))
      await vi.advanceTimersByTimeAsync(100)
      expect(short.settled?.status).toBe('rejected')
      expect(long.settled).toBeUndefined()
      expect(callbackCount(future)).toBe(1)
      future.setResult(9)
      await vi.advanceTimersByTimeAsync(0)
      expect(long.settled).toEqual({ status: 'fulfilled', value: 9 })
      expect(vi.getTimerCount()).toBe(0)
    })

    it('rejects with a RangeError naming `timeout` for a negative or NaN timeout', async () => {
      const future = pendingFuture()
      await expect(future.result({ timeout: -1 })).rejects.toThrow(
        new RangeError(
          'Expected `timeout` to be a number of milliseconds from 0 and up, got `-1` (number)',
        ),
      )
      await expect(future.exception({ timeout: Number.NaN })).rejects.toBeInstanceOf(RangeError)
      expect(callbackCount(future)).toBe(0)
    })

    it('rejects with a TypeError naming `timeout` for a timeout that is not a number', async () => {
      await expect(pendingFuture().result({ timeout: '10' as unknown as number })).rejects.toThrow(
        new TypeError(
          "Expected `timeout` to be a number of milliseconds from 0 and up, got `'10'` (string)",
        ),
      )
    })
  })

  describe('result() and exception() with a signal', () => {
    it('rejects with signal.reason when the signal aborts and leaves the future alone', async () => {
      const future = runningFuture()
      const controller = new AbortController()
      const waiting = future.result({ signal: controller.signal })
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
      const reason = new Error('stop waiting')
      controller.abort(reason)
      await expect(waiting).rejects.toBe(reason)
      expect(future.state).toBe('running')
      expect(callbackCount(future)).toBe(0)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    })

    it('rejects at once with signal.reason when the signal is already aborted', async () => {
      const future = pendingFuture()
      await expect(future.exception({ signal: AbortSignal.abort('gone') })).rejects.toBe('gone')
      expect(callbackCount(future)).toBe(0)
    })

    it('prefers the outcome of a done future over an aborted signal', async () => {
      await expect(finishedFuture(1).result({ signal: AbortSignal.abort() })).resolves.toBe(1)
    })

    it('removes its abort listener when the future settles first', async () => {
      const future = pendingFuture()
      const controller = new AbortController()
      const waiting = future.result({ signal: controller.signal })
      future.setResult(2)
      await expect(waiting).resolves.toBe(2)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    })

    it('clears its timer when the signal aborts first', async () => {
      vi.useFakeTimers()
      try {
        const future = pendingFuture()
        const controller = new AbortController()
        const waiting = future.result({ signal: controller.signal, timeout: 1_000 })
        expect(vi.getTimerCount()).toBe(1)
        controller.abort('first')
        await expect(waiting).rejects.toBe('first')
        expect(vi.getTimerCount()).toBe(0)
      } finally {
        vi.useRealTimers()
      }
    })

    it('rejects with a TypeError naming `signal` for something that is not an AbortSignal', async () => {
      await expect(pendingFuture().result({ signal: {} as AbortSignal })).rejects.toThrow(
        new TypeError('Expected `signal` to be an AbortSignal, got `[object Object]` (object)'),
      )
    })
  })

  describe('then() (await)', () => {
    it('resolves `await` with the value', async () => {
      const future = pendingFuture<string>()
      setImmediate(() => future.setResult('value'))
      expect(await future).toBe('value')
    })

    it('rejects `await` on a failed future with its exception', async () => {
      const error = new Error('failed')
      const future = runningFuture()
      setImmediate(() => future.setException(error))
      await expect((async () => await future)()).rejects.toBe(error)
    })

    it('rejects `await` on a cancelled future with CancelledError', async () => {
      await expect((async () => await cancelledFuture())()).rejects.toBeInstanceOf(CancelledError)
    })

    it('works with Promise.all, Promise.race and Promise.resolve', async () => {
      await expect(Promise.all([finishedFuture(1), finishedFuture(2)])).resolves.toEqual([1, 2])
      await expect(Promise.race([pendingFuture(), finishedFuture('fast')])).resolves.toBe('fast')
      await expect(Promise.resolve(finishedFuture(3))).resolves.toBe(3)
    })

    it('passes through then() callbacks and their results', async () => {
      const future = finishedFuture(2)
      await expect(future.then((value) => value * 10)).resolves.toBe(20)
      await expect(failedFuture(new Error('x')).then(undefined, () => 'recovered')).resolves.toBe(
        'recovered',
      )
    })

    it('causes no unhandledRejection for a failed future nobody awaited', async () => {
      const unhandled = vi.fn()
      process.on('unhandledRejection', unhandled)
      try {
        const future = runningFuture()
        future.setException(new Error('nobody is listening'))
        void failedFuture(new Error('canned, nobody is listening'))
        const cancelled = pendingFuture()
        cancelled.addDoneCallback(() => undefined)
        cancelled.cancel()
        await settle()
        expect(unhandled).not.toHaveBeenCalled()
      } finally {
        process.off('unhandledRejection', unhandled)
      }
    })

    it('causes no unhandledRejection once awaited and caught', async () => {
      const unhandled = vi.fn()
      process.on('unhandledRejection', unhandled)
      try {
        const future = failedFuture(new Error('caught'))
        await expect((async () => await future)()).rejects.toThrow('caught')
        await future.then(undefined, () => undefined)
        await settle()
        expect(unhandled).not.toHaveBeenCalled()
      } finally {
        process.off('unhandledRejection', unhandled)
      }
    })
  })

  describe('identity', () => {
    it('isFuture() is true for a Future and false for promises and thenables', () => {
      expect(isFuture(new Future())).toBe(true)
      expect(isFuture(finishedFuture(1))).toBe(true)
      expect(isFuture(Promise.resolve(1))).toBe(false)
      expect(isFuture({ then: () => undefined })).toBe(false)
      expect(isFuture(null)).toBe(false)
      expect(isFuture(undefined)).toBe(false)
    })

    it('names itself Future (test_class_str)', () => {
      expect(Object.prototype.toString.call(new Future())).toBe('[object Future]')
      expect(Future.name).toBe('Future')
    })

    it('shows its state when inspected (test_repr)', () => {
      const { pending, running, cancelled, finished, failed } = futuresInEveryState()
      expect(inspect(pending)).toBe('Future <pending>')
      expect(inspect(running)).toBe('Future <running>')
      expect(inspect(cancelled)).toBe('Future <cancelled>')
      expect(inspect(finished)).toMatch(/^Future <finished>/)
      expect(inspect(failed)).toMatch(/^Future <finished>/)
      expect(inspect(finished)).not.toBe(inspect(failed))
    })
  })
})
