import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import type { Future } from '@concurrent/future'
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
import {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  wait,
  type ReturnWhen,
  type WaitResult,
} from '@concurrent/wait'

import { complete, fail, flush, named, nameSet, observe } from './helpers.js'

/** `{ done, notDone }` by name, so that assertions compare the futures themselves. */
function byName(result: WaitResult<unknown> | undefined): {
  done: Set<string>
  notDone: Set<string>
} {
  if (result === undefined) throw new Error('wait() has not resolved')
  return { done: nameSet(result.done), notDone: nameSet(result.notDone) }
}

function names(...list: string[]): Set<string> {
  return new Set(list)
}

afterEach(() => {
  vi.useRealTimers()
})

describe('wait', () => {
  it('exports the returnWhen constants as their own names', () => {
    expect(FIRST_COMPLETED).toBe('FIRST_COMPLETED')
    expect(FIRST_EXCEPTION).toBe('FIRST_EXCEPTION')
    expect(ALL_COMPLETED).toBe('ALL_COMPLETED')
    expectTypeOf<ReturnWhen>().toEqualTypeOf<
      'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED'
    >()
  })

  it('wait() with duplicate futures returns each once (bpo-20369)', async () => {
    await using executor = new TestExecutor(1)
    const future = named(
      'future',
      executor.submit((x: number, y: number) => x * y, 1, 2),
    )
    const result = await wait([future, future], { returnWhen: ALL_COMPLETED })
    expect(byName(result)).toEqual({ done: names('future'), notDone: names() })
    expect(result.done.size).toBe(1)
  })

  it('lists a duplicated pending future once in notDone', async () => {
    vi.useFakeTimers()
    const future = named('future', pendingFuture())
    const finished = named('finished', finishedFuture(1))
    const result = await wait([future, finished, future, finished], { timeout: 0 })
    expect(byName(result)).toEqual({ done: names('finished'), notDone: names('future') })
    expect(result.done.size + result.notDone.size).toBe(2)
  })

  it('types done and notDone as sets of the input futures', async () => {
    const result = await wait([finishedFuture('a')])
    expectTypeOf(result).toEqualTypeOf<WaitResult<string>>()
    expectTypeOf(result.done).toEqualTypeOf<Set<Future<string>>>()
    expectTypeOf(result.notDone).toEqualTypeOf<Set<Future<string>>>()
  })

  it('accepts any iterable of futures, such as a generator', async () => {
    const futures = [named('one', finishedFuture(1)), named('two', finishedFuture(2))]
    function* each(): Generator<Future<number>> {
      yield* futures
    }
    expect(byName(await wait(each()))).toEqual({ done: names('one', 'two'), notDone: names() })
  })

  it('waits for ALL_COMPLETED when returnWhen is not given', async () => {
    const a = named('a', pendingFuture())
    const b = named('b', runningFuture())
    const waiting = observe(wait([a, b]))
    complete(a, 1)
    await flush()
    expect(waiting.state).toBe('pending')
    complete(b, 2)
    await flush()
    expect(byName(waiting.value)).toEqual({ done: names('a', 'b'), notDone: names() })
  })

  it.each([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED] as const)(
    'resolves with empty sets for zero futures with %s',
    async (returnWhen) => {
      const { done, notDone } = await wait([], { returnWhen })
      expect(done.size).toBe(0)
      expect(notDone.size).toBe(0)
    },
  )

  it.each([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED] as const)(
    'returns at once, setting no timer, when every future is already done (%s)',
    async (returnWhen) => {
      vi.useFakeTimers()
      const futures = [
        named('finished', finishedFuture(1)),
        named('cancelled', cancelledFuture()),
        named('failed', failedFuture()),
      ]
      const waiting = observe(wait(futures, { returnWhen, timeout: 1_000 }))
      await flush()
      expect(byName(waiting.value)).toEqual({
        done: names('finished', 'cancelled', 'failed'),
        notDone: names(),
      })
      expect(vi.getTimerCount()).toBe(0)
    },
  )

  it('returns fresh sets that the caller may change', async () => {
    const future = named('future', finishedFuture(1))
    const first = await wait([future])
    first.done.clear()
    expect(byName(await wait([future])).done).toEqual(names('future'))
  })

  it('never changes the futures it waits on', async () => {
    const [pending, running] = [pendingFuture(), runningFuture()]
    const waiting = wait([pending, running, failedFuture()], { returnWhen: FIRST_EXCEPTION })
    await waiting
    expect(pending.state).toBe('pending')
    expect(running.state).toBe('running')
  })

  describe('FIRST_COMPLETED', () => {
    it.each([
      ['the constant', FIRST_COMPLETED],
      ['the string', 'FIRST_COMPLETED'],
    ] as const)(
      'wait() with FIRST_COMPLETED returns when the first future finishes (%s)',
      async (_, returnWhen) => {
        const future1 = named('future1', pendingFuture())
        const future2 = named('future2', runningFuture())
        const waiting = observe(wait([future1, future2], { returnWhen }))
        await flush()
        expect(waiting.state).toBe('pending')

        complete(future1, 42)
        await flush()

        expect(byName(waiting.value)).toEqual({ done: names('future1'), notDone: names('future2') })
        expect(callbackCount(future2)).toBe(0)
      },
    )

    it('wait() with FIRST_COMPLETED returns the already-done futures at once', async () => {
      const future1 = named('future1', runningFuture())
      const futures = [
        named('cancelled', cancelledFuture()),
        named('successful', finishedFuture(42)),
        future1,
      ]
      const result = await wait(futures, { returnWhen: FIRST_COMPLETED })
      expect(byName(result)).toEqual({
        done: names('cancelled', 'successful'),
        notDone: names('future1'),
      })
      expect(callbackCount(future1)).toBe(0)
    })

    it('wait() with FIRST_COMPLETED counts a cancellation as a completion', async () => {
      const a = named('a', pendingFuture())
      const b = named('b', pendingFuture())
      const waiting = wait([a, b], { returnWhen: FIRST_COMPLETED })
      a.cancel()
      expect(byName(await waiting)).toEqual({ done: names('a'), notDone: names('b') })
    })

    it('wait() with FIRST_COMPLETED counts a failure as a completion', async () => {
      const a = named('a', pendingFuture())
      const b = named('b', pendingFuture())
      const waiting = wait([a, b], { returnWhen: FIRST_COMPLETED })
      fail(b, new Error('boom'))
      expect(byName(await waiting)).toEqual({ done: names('b'), notDone: names('a') })
    })

    it("never puts a done future in notDone, even one finished in another's done callback", async () => {
      const a = named('a', pendingFuture())
      const b = named('b', pendingFuture())
      const c = named('c', pendingFuture())
      a.addDoneCallback(() => complete(b, 2))
      const waiting = wait([a, b, c], { returnWhen: FIRST_COMPLETED })
      complete(a, 1)
      expect(byName(await waiting)).toEqual({ done: names('a', 'b'), notDone: names('c') })
    })
  })

  describe('FIRST_EXCEPTION', () => {
    it.each([
      ['the constant', FIRST_EXCEPTION],
      ['the string', 'FIRST_EXCEPTION'],
    ] as const)(
      'wait() with FIRST_EXCEPTION returns at the first failure (%s)',
      async (_, returnWhen) => {
        const future1 = named('future1', pendingFuture())
        const future2 = named('future2', pendingFuture())
        const future3 = named('future3', pendingFuture())
        const waiting = observe(wait([future1, future2, future3], { returnWhen }))

        complete(future1, 42)
        await flush()
        expect(waiting.state).toBe('pending')

        fail(future2, new Error('this is an exception'))
        await flush()

        expect(byName(waiting.value)).toEqual({
          done: names('future1', 'future2'),
          notDone: names('future3'),
        })
        expect(callbackCount(future3)).toBe(0)
      },
    )

    it('wait() with FIRST_EXCEPTION waits past done and cancelled futures for the failure', async () => {
      const future1 = named('future1', pendingFuture())
      const futures = [
        named('successful', finishedFuture(1)),
        named('cancelled', cancelledFuture()),
        future1,
        named('future2', pendingFuture()),
      ]
      const waiting = observe(wait(futures, { returnWhen: FIRST_EXCEPTION }))
      await flush()
      expect(waiting.state).toBe('pending')

      fail(future1, new RangeError('division by zero'))
      await flush()

      expect(byName(waiting.value)).toEqual({
        done: names('successful', 'cancelled', 'future1'),
        notDone: names('future2'),
      })
    })

    it('wait() with FIRST_EXCEPTION returns at once when one future has already failed', async () => {
      const future1 = named('future1', runningFuture())
      const result = await wait([named('failed', failedFuture()), future1], {
        returnWhen: FIRST_EXCEPTION,
      })
      expect(byName(result)).toEqual({ done: names('failed'), notDone: names('future1') })
      expect(callbackCount(future1)).toBe(0)
    })

    it('wait() with FIRST_EXCEPTION does not count a cancellation as an exception', async () => {
      const a = named('a', pendingFuture())
      const b = named('b', pendingFuture())
      const waiting = observe(wait([a, b], { returnWhen: FIRST_EXCEPTION }))
      a.cancel()
      await flush()
      expect(waiting.state).toBe('pending')

      fail(b, new Error('boom'))
      await flush()
      expect(byName(waiting.value)).toEqual({ done: names('a', 'b'), notDone: names() })
    })

    it('wait() with FIRST_EXCEPTION does not count an interrupted running future as an exception', async () => {
      const running = named('running', runningFuture())
      const other = named('other', pendingFuture())
      running.setInterruptHandler(() => undefined)
      const waiting = observe(wait([running, other], { returnWhen: FIRST_EXCEPTION }))
      expect(running.cancel({ interrupt: true })).toBe(true)
      await flush()
      expect(waiting.state).toBe('pending')
      complete(other, 1)
      await flush()
      expect(byName(waiting.value)).toEqual({ done: names('running', 'other'), notDone: names() })
    })

    it('wait() with FIRST_EXCEPTION behaves as ALL_COMPLETED when nothing fails', async () => {
      const a = named('a', pendingFuture())
      const b = named('b', pendingFuture())
      const c = named('c', runningFuture())
      const waiting = observe(wait([a, b, c], { returnWhen: FIRST_EXCEPTION }))
      complete(a, 1)
      b.cancel()
      await flush()
      expect(waiting.state).toBe('pending')

      complete(c, 3)
      await flush()
      expect(byName(waiting.value)).toEqual({ done: names('a', 'b', 'c'), notDone: names() })
    })

    it('wait() with FIRST_EXCEPTION treats an already-cancelled future as done, not failed', async () => {
      const pending = named('pending', pendingFuture())
      const waiting = observe(
        wait([named('cancelled', cancelledFuture()), pending], { returnWhen: FIRST_EXCEPTION }),
      )
      await flush()
      expect(waiting.state).toBe('pending')
      complete(pending, 1)
      await flush()
      expect(byName(waiting.value)).toEqual({
        done: names('cancelled', 'pending'),
        notDone: names(),
      })
    })
  })

  describe('ALL_COMPLETED', () => {
    it.each([
      ['the constant', ALL_COMPLETED],
      ['the string', 'ALL_COMPLETED'],
    ] as const)(
      'wait() with ALL_COMPLETED returns once every future is done (%s)',
      async (_, returnWhen) => {
        await using executor = new TestExecutor(2)
        const divide = (x: number, y: number): number => {
          if (y === 0) throw new RangeError('division by zero')
          return x / y
        }
        const future1 = named('future1', executor.submit(divide, 2, 0))
        const future2 = named(
          'future2',
          executor.submit((x: number, y: number) => x * y, 2, 21),
        )
        const futures = [
          named('successful', finishedFuture(1)),
          named('cancelled', cancelledFuture()),
          named('failed', failedFuture()),
          future1,
          future2,
        ]

        const result = await wait(futures, { returnWhen })

        expect(byName(result)).toEqual({
          done: names('successful', 'cancelled', 'failed', 'future1', 'future2'),
          notDone: names(),
        })
        await expect(future1.result()).rejects.toBeInstanceOf(RangeError)
        expect(await future2.result()).toBe(42)
      },
    )

    it('wait() with ALL_COMPLETED keeps waiting through failures and cancellations', async () => {
      const a = named('a', pendingFuture())
      const b = named('b', pendingFuture())
      const c = named('c', pendingFuture())
      const waiting = observe(wait([a, b, c], { returnWhen: ALL_COMPLETED }))
      fail(a, new Error('boom'))
      b.cancel()
      await flush()
      expect(waiting.state).toBe('pending')
      complete(c, 3)
      await flush()
      expect(byName(waiting.value)).toEqual({ done: names('a', 'b', 'c'), notDone: names() })
    })

    it('wait() returns once 100 futures that finish together are all done (bpo-14406)', async () => {
      await using executor = new TestExecutor(8)
      const gate = deferred()
      const futures = new Set(
        Array.from({ length: 100 }, (_, i) =>
          executor.submit(async () => {
            await gate.promise
            return i
          }),
        ),
      )
      const waiting = wait(futures, { returnWhen: ALL_COMPLETED })
      gate.resolve()
      const { done, notDone } = await waiting
      expect(done.size).toBe(100)
      expect([...futures].every((future) => done.has(future))).toBe(true)
      expect(notDone.size).toBe(0)
    })
  })

  describe('timeout', () => {
    it('wait() returns the done and the not-done futures when the timeout passes', async () => {
      vi.useFakeTimers()
      const futures = [
        named('cancelled', cancelledFuture()),
        named('failed', failedFuture()),
        named('successful', finishedFuture(42)),
        named('future', runningFuture()),
      ]

      const waiting = observe(wait(futures, { timeout: 50, returnWhen: ALL_COMPLETED }))
      await vi.advanceTimersByTimeAsync(49)
      expect(waiting.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(1)

      expect(byName(waiting.value)).toEqual({
        done: names('cancelled', 'failed', 'successful'),
        notDone: names('future'),
      })
    })

    it.each([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED] as const)(
      'resolves (does not reject) when the timeout passes with %s',
      async (returnWhen) => {
        vi.useFakeTimers()
        const futures = [named('a', pendingFuture()), named('b', runningFuture())]
        const waiting = observe(wait(futures, { returnWhen, timeout: 100 }))
        await vi.advanceTimersByTimeAsync(100)
        expect(waiting.state).toBe('fulfilled')
        expect(byName(waiting.value)).toEqual({ done: names(), notDone: names('a', 'b') })
      },
    )

    it('includes the futures that finished before the timeout in done', async () => {
      vi.useFakeTimers()
      const a = named('a', pendingFuture())
      const b = named('b', pendingFuture())
      const c = named('c', pendingFuture())
      const waiting = observe(wait([a, b, c], { timeout: 100 }))
      await vi.advanceTimersByTimeAsync(30)
      complete(b, 2)
      await vi.advanceTimersByTimeAsync(30)
      c.cancel()
      await vi.advanceTimersByTimeAsync(40)
      expect(byName(waiting.value)).toEqual({ done: names('b', 'c'), notDone: names('a') })
    })

    it('leaves the futures alone when the timeout passes', async () => {
      vi.useFakeTimers()
      const [pending, running] = [pendingFuture(), runningFuture()]
      const waiting = wait([pending, running], { timeout: 10 })
      await vi.advanceTimersByTimeAsync(10)
      await waiting
      expect(pending.state).toBe('pending')
      expect(running.state).toBe('running')
      expect(callbackCount(pending)).toBe(0)
      expect(callbackCount(running)).toBe(0)
      complete(running, 5)
      expect(await running.result()).toBe(5)
    })

    it('returns the current state at once for a timeout of 0, setting no timer', async () => {
      vi.useFakeTimers()
      const pending = named('pending', pendingFuture())
      const waiting = observe(wait([named('finished', finishedFuture(1)), pending], { timeout: 0 }))
      await flush()
      expect(byName(waiting.value)).toEqual({ done: names('finished'), notDone: names('pending') })
      expect(vi.getTimerCount()).toBe(0)
      expect(callbackCount(pending)).toBe(0)
    })

    it('clears its timer when the futures finish first', async () => {
      vi.useFakeTimers()
      const future = pendingFuture()
      const waiting = wait([future], { timeout: 1_000 })
      expect(vi.getTimerCount()).toBe(1)
      complete(future, 1)
      await waiting
      expect(vi.getTimerCount()).toBe(0)
    })

    it('waits without limit when the timeout is Infinity', async () => {
      vi.useFakeTimers()
      const future = pendingFuture()
      const waiting = observe(wait([future], { timeout: Infinity }))
      await vi.advanceTimersByTimeAsync(10 ** 9)
      expect(waiting.state).toBe('pending')
      expect(vi.getTimerCount()).toBe(0)
      complete(future, 1)
      await flush()
      expect(waiting.state).toBe('fulfilled')
    })

    it('does not return early when the timeout is longer than a timer can hold', async () => {
      vi.useFakeTimers()
      const future = named('future', pendingFuture())
      const waiting = observe(wait([future], { timeout: 2 ** 31 + 1_000 }))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(waiting.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(2 ** 31 - 1_000)
      expect(waiting.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(1_000)
      expect(byName(waiting.value)).toEqual({ done: names(), notDone: names('future') })
    })

    it('keeps to its timeout when the wall clock jumps', async () => {
      vi.useFakeTimers()
      const waiting = observe(wait([pendingFuture()], { timeout: 1_000 }))
      vi.setSystemTime(Date.now() - 60 * 60 * 1_000)
      await vi.advanceTimersByTimeAsync(999)
      expect(waiting.state).toBe('pending')
      await vi.advanceTimersByTimeAsync(1)
      expect(waiting.state).toBe('fulfilled')
    })

    it.each([
      ['negative', -1],
      ['NaN', Number.NaN],
    ])('rejects with RangeError naming `timeout` when it is %s', async (_, timeout) => {
      await expect(wait([], { timeout })).rejects.toThrow(RangeError)
      await expect(wait([], { timeout })).rejects.toThrow(
        /^Expected `timeout` to be a number of milliseconds from 0 and up, got /,
      )
    })

    it('rejects with TypeError naming `timeout` when it is not a number', async () => {
      const waiting = wait([], { timeout: '10' as unknown as number })
      await expect(waiting).rejects.toThrow(TypeError)
      await expect(waiting).rejects.toThrow(
        "Expected `timeout` to be a number of milliseconds from 0 and up, got `'10'` (string)",
      )
    })
  })

  describe('signal', () => {
    it('rejects with signal.reason when the signal aborts while it waits', async () => {
      const controller = new AbortController()
      const reason = new Error('stop')
      const future = pendingFuture()
      const waiting = wait([future], { signal: controller.signal })
      controller.abort(reason)
      await expect(waiting).rejects.toBe(reason)
      expect(future.state).toBe('pending')
      expect(callbackCount(future)).toBe(0)
    })

    it('rejects with signal.reason at once when the signal has already aborted', async () => {
      const reason = new Error('already')
      const future = pendingFuture()
      await expect(wait([future], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      expect(callbackCount(future)).toBe(0)
    })

    it('resolves despite an aborted signal when the futures are already done', async () => {
      const finished = named('finished', finishedFuture(1))
      const result = await wait([finished], { signal: AbortSignal.abort() })
      expect(byName(result).done).toEqual(names('finished'))
    })

    it('clears its timer when the signal aborts', async () => {
      vi.useFakeTimers()
      const controller = new AbortController()
      const waiting = observe(wait([pendingFuture()], { signal: controller.signal, timeout: 100 }))
      controller.abort()
      await flush()
      expect(waiting.state).toBe('rejected')
      expect(vi.getTimerCount()).toBe(0)
    })

    it('stops listening to the signal once it returns', async () => {
      vi.useFakeTimers()
      const controller = new AbortController()
      const listen = vi.spyOn(controller.signal, 'addEventListener')
      const unlisten = vi.spyOn(controller.signal, 'removeEventListener')
      const waiting = wait([pendingFuture()], { signal: controller.signal, timeout: 10 })
      await vi.advanceTimersByTimeAsync(10)
      await waiting
      expect(listen).toHaveBeenCalledTimes(1)
      expect(unlisten).toHaveBeenCalledWith('abort', listen.mock.calls[0]?.[1])
    })

    it('rejects with TypeError naming `signal` when it is not an AbortSignal', async () => {
      const waiting = wait([], { signal: {} as AbortSignal })
      await expect(waiting).rejects.toThrow(TypeError)
      await expect(waiting).rejects.toThrow(/^Expected `signal` to be an AbortSignal/)
    })
  })

  describe('returnWhen', () => {
    it.each(['AS_COMPLETED', 'first_completed', '', 0, null])(
      'rejects with TypeError naming `returnWhen` when it is %j',
      async (returnWhen) => {
        const waiting = wait([], { returnWhen: returnWhen as ReturnWhen })
        await expect(waiting).rejects.toThrow(TypeError)
        await expect(waiting).rejects.toThrow(
          /^Expected `returnWhen` to be 'FIRST_COMPLETED', 'FIRST_EXCEPTION' or 'ALL_COMPLETED', got /,
        )
      },
    )

    it('shows the invalid value and its type in the message', async () => {
      await expect(wait([], { returnWhen: 'SOON' as ReturnWhen })).rejects.toThrow(
        "got `'SOON'` (string)",
      )
    })

    it('rejects an invalid returnWhen even when every future is already done', async () => {
      const waiting = wait([finishedFuture(1)], { returnWhen: 'SOON' as ReturnWhen })
      await expect(waiting).rejects.toThrow(TypeError)
    })

    it('reports invalid options by rejecting, never by throwing', () => {
      const calls = [
        (): Promise<unknown> => wait([], { returnWhen: 'SOON' as ReturnWhen }),
        (): Promise<unknown> => wait([], { timeout: -1 }),
        (): Promise<unknown> => wait([], { signal: 'abort' as unknown as AbortSignal }),
      ]
      for (const call of calls) {
        let waiting: Promise<unknown> | undefined
        expect(() => {
          waiting = call()
        }).not.toThrow()
        waiting?.catch(() => undefined)
        expect(waiting).toBeInstanceOf(Promise)
      }
    })

    it('refuses other returnWhen values at compile time', async () => {
      // @ts-expect-error -- not one of the three modes
      await expect(wait([], { returnWhen: 'AS_COMPLETED' })).rejects.toThrow(TypeError)
    })
  })
})
