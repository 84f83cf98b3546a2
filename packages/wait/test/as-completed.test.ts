import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { CancelledError, Future, TimeoutError } from '@concurrent/future'
import {
  callbackCount,
  cancelledFuture,
  failedFuture,
  finishedFuture,
  pendingFuture,
  runningFuture,
  TestExecutor,
} from '@concurrent/test-utils'
import { asCompleted, type CompletedFuture } from '@concurrent/wait'

import { collect, complete, flush, named, namesOf, observe } from './helpers.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('asCompleted', () => {
  it('as_completed() yields every future, done and pending, when there is no timeout', async () => {
    await using executor = new TestExecutor(2)
    const mul = (x: number, y: number): number => x * y
    const futures = [
      named('cancelled', cancelledFuture()),
      named('failed', failedFuture()),
      named('successful', finishedFuture(42)),
      named('future1', executor.submit(mul, 2, 21)),
      named('future2', executor.submit(mul, 7, 6)),
    ]

    const completed = await collect(asCompleted(futures))

    expect(namesOf(completed).sort()).toEqual(
      ['cancelled', 'failed', 'future1', 'future2', 'successful'].sort(),
    )
    expect(completed.every((future) => future.done())).toBe(true)
  })

  it('yields the futures already done first, in input order, then the others as they finish', async () => {
    const slowA = named('slowA', pendingFuture())
    const slowB = named('slowB', runningFuture())
    const futures = [
      slowA,
      named('finished', finishedFuture(1)),
      slowB,
      named('failed', failedFuture()),
      named('cancelled', cancelledFuture()),
    ]
    const iterator = asCompleted(futures)[Symbol.asyncIterator]()
    const completed: Array<Future<number>> = []
    const pull = async (): Promise<void> => {
      const next = await iterator.next()
      if (next.done !== true) completed.push(next.value)
    }

    for (let i = 0; i < 3; i++) await pull()
    expect(namesOf(completed)).toEqual(['finished', 'failed', 'cancelled'])

    const waiting = pull()
    complete(slowB, 2)
    await waiting
    complete(slowA, 3)
    await pull()
    expect(namesOf(completed)).toEqual(['finished', 'failed', 'cancelled', 'slowB', 'slowA'])
    expect(await iterator.next()).toEqual({ done: true, value: undefined })
  })

  it('yields futures that finish while the loop body is busy in the order they finished', async () => {
    const [a, b, c] = [
      named('a', pendingFuture()),
      named('b', pendingFuture()),
      named('c', pendingFuture()),
    ]
    const order: Array<Future<number>> = []
    const loop = (async () => {
      for await (const done of asCompleted([a, b, c])) {
        order.push(done)
        if (done === c) {
          complete(b, 2)
          complete(a, 1)
        }
      }
    })()
    await flush()
    complete(c, 3)
    await loop
    expect(namesOf(order)).toEqual(['c', 'b', 'a'])
  })

  it('treats a future that finishes after the call but before the loop starts as already done', async () => {
    const late = named('late', pendingFuture())
    const early = named('early', pendingFuture())
    const iterable = asCompleted([late, early])
    complete(early, 1)
    const iterator = iterable[Symbol.asyncIterator]()
    expect(callbackCount(late)).toBe(1)
    expect((await iterator.next()).value).toBe(early)
    complete(late, 2)
    expect((await iterator.next()).value).toBe(late)
  })

  it('hands out the Future itself as the loop variable, typed as a Future', async () => {
    const future = finishedFuture(42)
    const futures = [future]
    let seen = 0
    for await (const done of asCompleted(futures)) {
      expectTypeOf(done).toEqualTypeOf<CompletedFuture<number>>()
      expectTypeOf(done).toExtend<Future<number>>()
      const value: number = await done.result()
      expect(done).toBe(future)
      expect(done).toBeInstanceOf(Future)
      expect(futures.indexOf(done)).toBe(0)
      expect(value).toBe(42)
      seen++
    }
    expect(seen).toBe(1)
  })

  it('types the loop variable as the Future in every loop over the same iterable type', async () => {
    // TypeScript awaits cached async iteration types; a thenable element would be typed `number`
    // from the second loop on.
    const iterable = asCompleted([finishedFuture(1)])
    for await (const done of iterable) expectTypeOf(done).toEqualTypeOf<CompletedFuture<number>>()
    for await (const done of iterable) {
      expectTypeOf(done).toEqualTypeOf<CompletedFuture<number>>()
      expect(await done.result()).toBe(1)
    }
    for await (const done of asCompleted([finishedFuture(2)])) {
      expectTypeOf(done.result()).toEqualTypeOf<Promise<number>>()
      expect(await done.exception()).toBeUndefined()
    }
  })

  it('hands out a failed future without throwing its exception', async () => {
    const error = new Error('boom')
    const failed = failedFuture(error)
    const completed = await collect(asCompleted([failed]))
    expect(completed).toHaveLength(1)
    expect(completed[0]).toBe(failed)
    expect(await failed.exception()).toBe(error)
  })

  it('as_completed() yields a duplicated future once (bpo-20367), from any iterable (bpo-31641)', async () => {
    const future = named('future', pendingFuture())
    function* repeat(): Generator<Future<number>> {
      for (let i = 0; i < 3; i++) yield future
    }
    const completed = collect(asCompleted(repeat()))
    await flush()
    complete(future, 1)
    expect(namesOf(await completed)).toEqual(['future'])
  })

  it('yields a duplicated future that is already done once', async () => {
    const done = named('done', finishedFuture(1))
    const other = named('other', pendingFuture())
    const completed = collect(asCompleted([done, other, done, other]))
    await flush()
    complete(other, 2)
    expect(namesOf(await completed)).toEqual(['done', 'other'])
  })

  it('accepts any iterable of futures, such as a Set', async () => {
    const futures = new Set([named('one', finishedFuture(1)), named('two', finishedFuture(2))])
    expect(namesOf(await collect(asCompleted(futures)))).toEqual(['one', 'two'])
  })

  it('ends at once when given zero futures', async () => {
    expect(await collect(asCompleted([]))).toEqual([])
  })

  it('ends at once when given zero futures and a timeout of 0', async () => {
    vi.useFakeTimers()
    expect(await collect(asCompleted([], { timeout: 0 }))).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('yields a future that is cancelled while the loop waits', async () => {
    const future = pendingFuture()
    const completed = collect(asCompleted([future]))
    await flush()
    expect(future.cancel()).toBe(true)
    const [yielded] = await completed
    expect(yielded).toBe(future)
    expect(future.cancelled()).toBe(true)
    await expect(future.result()).rejects.toBeInstanceOf(CancelledError)
  })

  it('yields a future that was already cancelled', async () => {
    const cancelled = cancelledFuture()
    const [yielded] = await collect(asCompleted([cancelled]))
    expect(yielded).toBe(cancelled)
  })

  it('starts a fresh pass each time the iterable is iterated', async () => {
    const a = named('a', finishedFuture(1))
    const b = named('b', pendingFuture())
    const iterable = asCompleted([a, b])
    const first = collect(iterable)
    await flush()
    complete(b, 2)
    expect(namesOf(await first)).toEqual(['a', 'b'])
    expect(namesOf(await collect(iterable))).toEqual(['a', 'b'])
  })

  it('hands out one future per next() call when next() is called again before the first settles', async () => {
    const [a, b] = [named('a', pendingFuture()), named('b', pendingFuture())]
    const iterator = asCompleted([a, b])[Symbol.asyncIterator]()
    const first = observe(iterator.next())
    const second = observe(iterator.next())
    const third = observe(iterator.next())
    await flush()
    complete(a, 1)
    await flush()
    complete(b, 2)
    await flush()
    expect(first.value?.value).toBe(a)
    expect(second.value?.value).toBe(b)
    expect(third.value).toEqual({ done: true, value: undefined })
  })

  it('reports done to a next() call queued behind one that timed out', async () => {
    vi.useFakeTimers()
    const iterator = asCompleted([pendingFuture()], { timeout: 10 })[Symbol.asyncIterator]()
    const first = observe(iterator.next())
    const second = observe(iterator.next())
    await vi.advanceTimersByTimeAsync(10)
    expect(first.reason).toBeInstanceOf(TimeoutError)
    expect(second.value).toEqual({ done: true, value: undefined })
  })

  it('ends a next() call still waiting as done when return() is called', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const unlisten = vi.spyOn(controller.signal, 'removeEventListener')
    const future = pendingFuture()
    const iterator = asCompleted([future], { timeout: 1_000, signal: controller.signal })[
      Symbol.asyncIterator
    ]()
    const waiting = observe(iterator.next())
    await flush()
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined })
    await flush()
    expect(waiting.value).toEqual({ done: true, value: undefined })
    expect(callbackCount(future)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    expect(unlisten).toHaveBeenCalledTimes(1)
  })

  describe('timeout', () => {
    it.each([0, 100])(
      'as_completed() yields the done futures, then throws TimeoutError when timeout %i passes first',
      async (timeout) => {
        vi.useFakeTimers()
        const alreadyCompleted = [
          named('cancelled', cancelledFuture()),
          named('failed', failedFuture()),
          named('successful', finishedFuture(42)),
        ]
        const slow = named('slow', runningFuture())
        const completed: Array<Future<number>> = []

        const loop = observe(
          collect(asCompleted([...alreadyCompleted, slow], { timeout }), completed),
        )
        await vi.advanceTimersByTimeAsync(timeout)

        expect(loop.state).toBe('rejected')
        expect(loop.reason).toBeInstanceOf(TimeoutError)
        expect(namesOf(completed)).toEqual(['cancelled', 'failed', 'successful'])
        expect(slow.done()).toBe(false)
      },
    )

    it('as_completed() says how many futures are unfinished in its TimeoutError', async () => {
      vi.useFakeTimers()
      const futures = [cancelledFuture(), pendingFuture(), runningFuture(), finishedFuture(1)]
      const loop = observe(collect(asCompleted(futures, { timeout: 0 })))
      await vi.advanceTimersByTimeAsync(0)
      expect(loop.state).toBe('rejected')
      expect(loop.reason).toBeInstanceOf(TimeoutError)
      expect((loop.reason as Error).message).toBe('2 (of 4) futures unfinished')
    })

    it('counts the futures yielded before the timeout, and duplicates once, in its message', async () => {
      vi.useFakeTimers()
      const [a, b, c] = [
        named('a', pendingFuture()),
        named('b', pendingFuture()),
        named('c', pendingFuture()),
      ]
      const completed: Array<Future<number>> = []
      const loop = observe(collect(asCompleted([a, b, c, a], { timeout: 1_000 }), completed))
      await vi.advanceTimersByTimeAsync(500)
      complete(b, 2)
      await vi.advanceTimersByTimeAsync(500)
      expect(namesOf(completed)).toEqual(['b'])
      expect(loop.state).toBe('rejected')
      expect((loop.reason as Error).message).toBe('2 (of 3) futures unfinished')
    })

    it('does not throw while every future finishes before the timeout', async () => {
      vi.useFakeTimers()
      const [a, b] = [pendingFuture(), pendingFuture()]
      const loop = observe(collect(asCompleted([a, b], { timeout: 1_000 })))
      await vi.advanceTimersByTimeAsync(400)
      complete(a, 1)
      await vi.advanceTimersByTimeAsync(400)
      complete(b, 2)
      await vi.advanceTimersByTimeAsync(1_000)
      expect(loop.state).toBe('fulfilled')
      expect(vi.getTimerCount()).toBe(0)
    })

    it('yields futures that finished before the deadline even when asked for after it', async () => {
      vi.useFakeTimers()
      const [a, b] = [named('a', pendingFuture()), named('b', pendingFuture())]
      const iterator = asCompleted([a, b], { timeout: 100 })[Symbol.asyncIterator]()
      const first = observe(iterator.next())
      complete(a, 1)
      complete(b, 2)
      await vi.advanceTimersByTimeAsync(500)
      expect(first.value?.value).toBe(a)
      expect((await iterator.next()).value).toBe(b)
      expect((await iterator.next()).done).toBe(true)
    })

    it('counts the timeout from the call to asCompleted(), not from the start of the loop', async () => {
      vi.useFakeTimers()
      const iterable = asCompleted([pendingFuture()], { timeout: 1_000 })
      await vi.advanceTimersByTimeAsync(600)

      const loop = observe(collect(iterable))
      await vi.advanceTimersByTimeAsync(300)
      expect(loop.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(100)
      expect(loop.state).toBe('rejected')
      expect(loop.reason).toBeInstanceOf(TimeoutError)
    })

    it('leaves the futures alone when it times out', async () => {
      vi.useFakeTimers()
      const [pending, running] = [pendingFuture(), runningFuture()]
      const loop = observe(collect(asCompleted([pending, running], { timeout: 50 })))
      await vi.advanceTimersByTimeAsync(50)

      expect(loop.state).toBe('rejected')
      expect(pending.state).toBe('pending')
      expect(running.state).toBe('running')
      expect(callbackCount(pending)).toBe(0)
      expect(callbackCount(running)).toBe(0)
      complete(running, 7)
      expect(await running.result()).toBe(7)
    })

    it('waits without limit when the timeout is Infinity', async () => {
      vi.useFakeTimers()
      const future = pendingFuture()
      const loop = observe(collect(asCompleted([future], { timeout: Infinity })))
      await vi.advanceTimersByTimeAsync(10 ** 9)
      expect(loop.state).toBe('pending')
      expect(vi.getTimerCount()).toBe(0)
      complete(future, 1)
      await flush()
      expect(loop.state).toBe('fulfilled')
    })

    it('does not time out early when the timeout is longer than a timer can hold', async () => {
      vi.useFakeTimers()
      const timeout = 2 ** 31 + 1_000
      const loop = observe(collect(asCompleted([pendingFuture()], { timeout })))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(loop.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(2 ** 31 - 1_000)
      expect(loop.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(1_000)
      expect(loop.state).toBe('rejected')
      expect(loop.reason).toBeInstanceOf(TimeoutError)
    })

    it('keeps to its timeout when the wall clock jumps', async () => {
      vi.useFakeTimers()
      const iterable = asCompleted([pendingFuture()], { timeout: 1_000 })
      vi.setSystemTime(Date.now() + 60 * 60 * 1_000)
      const loop = observe(collect(iterable))
      await vi.advanceTimersByTimeAsync(500)
      expect(loop.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(500)
      expect(loop.state).toBe('rejected')
    })

    it('leaves no timer behind when the loop finishes or breaks', async () => {
      vi.useFakeTimers()
      const [a, b] = [pendingFuture(), pendingFuture()]
      const finished = collect(asCompleted([a], { timeout: 1_000 }))
      await flush()
      complete(a, 1)
      await finished
      for await (const _ of asCompleted([finishedFuture(1), b], { timeout: 1_000 })) break
      expect(vi.getTimerCount()).toBe(0)
    })

    it.each([
      ['negative', -1],
      ['NaN', Number.NaN],
    ])('throws RangeError naming `timeout` at the call when it is %s', (_, timeout) => {
      const call = (): unknown => asCompleted([], { timeout })
      expect(call).toThrow(RangeError)
      expect(call).toThrow(/^Expected `timeout` to be a number of milliseconds from 0 and up, got /)
    })

    it('throws TypeError naming `timeout` at the call when it is not a number', () => {
      const call = (): unknown => asCompleted([], { timeout: '10' as unknown as number })
      expect(call).toThrow(TypeError)
      expect(call).toThrow(
        "Expected `timeout` to be a number of milliseconds from 0 and up, got `'10'` (string)",
      )
    })
  })

  describe('signal', () => {
    it('throws signal.reason when the signal aborts while it waits, leaving the futures alone', async () => {
      const controller = new AbortController()
      const reason = new Error('stop')
      const future = pendingFuture()
      const loop = observe(collect(asCompleted([future], { signal: controller.signal })))
      await flush()
      controller.abort(reason)
      await flush()

      expect(loop.state).toBe('rejected')
      expect(loop.reason).toBe(reason)
      expect(future.state).toBe('pending')
      expect(callbackCount(future)).toBe(0)
    })

    it('throws the default AbortError reason when aborted without one', async () => {
      const controller = new AbortController()
      const loop = observe(collect(asCompleted([pendingFuture()], { signal: controller.signal })))
      await flush()
      controller.abort()
      await flush()
      expect(loop.reason).toBe(controller.signal.reason)
      expect((loop.reason as Error).name).toBe('AbortError')
    })

    it('yields the done futures, then throws signal.reason, for a signal already aborted', async () => {
      const reason = new Error('already')
      const finished = named('finished', finishedFuture(1))
      const pending = named('pending', pendingFuture())
      const completed: Array<Future<number>> = []
      await expect(
        collect(asCompleted([pending, finished], { signal: AbortSignal.abort(reason) }), completed),
      ).rejects.toBe(reason)
      expect(namesOf(completed)).toEqual(['finished'])
      expect(callbackCount(pending)).toBe(0)
    })

    it('does not throw when the signal aborts after the loop has finished', async () => {
      const controller = new AbortController()
      const future = pendingFuture()
      const loop = collect(asCompleted([future], { signal: controller.signal }))
      await flush()
      complete(future, 1)
      expect(await loop).toHaveLength(1)
      controller.abort()
      await flush()
    })

    it('throws TypeError naming `signal` at the call when it is not an AbortSignal', () => {
      const call = (): unknown => asCompleted([], { signal: {} as AbortSignal })
      expect(call).toThrow(TypeError)
      expect(call).toThrow(/^Expected `signal` to be an AbortSignal/)
    })
  })

  describe('callbacks', () => {
    it('adds one done callback per pending future while the loop runs', async () => {
      const [a, b] = [pendingFuture(), runningFuture()]
      const done = finishedFuture(1)
      for await (const future of asCompleted([a, b, done])) {
        expect(future).toBe(done)
        expect(callbackCount(a)).toBe(1)
        expect(callbackCount(b)).toBe(1)
        break
      }
    })

    it('adds no callback until the loop starts', () => {
      const future = pendingFuture()
      asCompleted([future])
      expect(callbackCount(future)).toBe(0)
    })

    it('removes every done callback it added when the loop breaks', async () => {
      const [a, b] = [pendingFuture(), runningFuture()]
      for await (const _ of asCompleted([finishedFuture(1), a, b])) break
      expect(callbackCount(a)).toBe(0)
      expect(callbackCount(b)).toBe(0)
    })

    it('removes every done callback it added when the loop body throws', async () => {
      const [a, b] = [pendingFuture(), pendingFuture()]
      const error = new Error('body failed')
      const loop = (async () => {
        for await (const _ of asCompleted([finishedFuture(1), a, b])) throw error
      })()
      await expect(loop).rejects.toBe(error)
      expect(callbackCount(a)).toBe(0)
      expect(callbackCount(b)).toBe(0)
    })

    it('removes its callbacks on break after some pending futures have been yielded', async () => {
      const [a, b, c] = [pendingFuture(), pendingFuture(), pendingFuture()]
      const loop = (async () => {
        for await (const done of asCompleted([a, b, c])) if (done === b) break
      })()
      await flush()
      complete(a, 1)
      await flush()
      complete(b, 2)
      await loop
      expect(callbackCount(c)).toBe(0)
    })

    it('removes its callbacks when the loop runs to the end', async () => {
      const [a, b] = [pendingFuture(), pendingFuture()]
      const loop = collect(asCompleted([a, b]))
      await flush()
      complete(a, 1)
      b.cancel()
      await loop
      expect(callbackCount(a)).toBe(0)
      expect(callbackCount(b)).toBe(0)
    })

    it('reports done from next() after return(), and holds no callback', async () => {
      const future = pendingFuture()
      const iterator = asCompleted([finishedFuture(1), future])[Symbol.asyncIterator]()
      await iterator.next()
      expect(await iterator.return?.()).toEqual({ done: true, value: undefined })
      expect(await iterator.next()).toEqual({ done: true, value: undefined })
      expect(callbackCount(future)).toBe(0)
    })
  })
})
