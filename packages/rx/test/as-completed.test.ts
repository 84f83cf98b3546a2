import { take, timeout, type Observable } from 'rxjs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { CancelledError, type Future } from '@concurrent/future'
import type { CompletedFuture } from '@concurrent/wait'
import {
  callbackCount,
  cancelledFuture,
  failedFuture,
  finishedFuture,
  pendingFuture,
} from '@concurrent/test-utils'

import { asCompleted$ } from '../src/index.js'
import { failsAfter, finishesAfter, interruptible, testScheduler } from './fixtures/marbles.js'

describe('asCompleted$', () => {
  it('emits the futures in the order they finish, then completes', () => {
    testScheduler().run(({ expectObservable }) => {
      const a = finishesAfter(30, 'a')
      const b = finishesAfter(10, 'b')
      const c = finishesAfter(20, 'c')
      expectObservable(asCompleted$([a, b, c])).toBe('10ms b 9ms c 9ms (a|)', { a, b, c })
    })
  })

  it('emits the futures already done first, in input order, synchronously', () => {
    const done1 = finishedFuture(1)
    const failed = failedFuture()
    const done2 = finishedFuture(2)
    testScheduler().run(({ expectObservable }) => {
      const later = finishesAfter(5, 3)
      expectObservable(asCompleted$([later, done1, failed, done2])).toBe('(abc)(d|)', {
        a: done1,
        b: failed,
        c: done2,
        d: later,
      })
    })
  })

  it('emits failed and cancelled futures too, without erroring', () => {
    const error = new Error('boom')
    testScheduler().run(({ expectObservable }) => {
      const failing = failsAfter(2, error)
      const cancelled = cancelledFuture()
      expectObservable(asCompleted$([failing, cancelled])).toBe('a 1ms (b|)', {
        a: cancelled,
        b: failing,
      })
    })
  })

  it('emits a future given twice once', () => {
    const future = finishedFuture(1)
    testScheduler().run(({ expectObservable }) => {
      expectObservable(asCompleted$([future, future])).toBe('(a|)', { a: future })
    })
  })

  it('completes at once for no futures', () => {
    testScheduler().run(({ expectObservable }) => {
      expectObservable(asCompleted$([])).toBe('|')
    })
  })

  it("emits values in completion order with emit: 'values'", () => {
    testScheduler().run(({ expectObservable }) => {
      const futures = [finishesAfter(3, 'slow'), finishesAfter(1, 'fast')]
      expectObservable(asCompleted$(futures, { emit: 'values' })).toBe('-f-(s|)', {
        f: 'fast',
        s: 'slow',
      })
    })
  })

  it("errors at the first failure with emit: 'values' and interrupts the others", () => {
    const error = new TypeError('bad')
    let slow!: Future<number>
    testScheduler().run(({ expectObservable }) => {
      slow = finishesAfter(10, 1)
      const futures = [slow, finishesAfter(1, 2), failsAfter(3, error)]
      expectObservable(asCompleted$(futures, { emit: 'values' })).toBe('-a-#', { a: 2 }, error)
    })
    expect(slow.cancelled()).toBe(true)
  })

  it('errors with CancelledError for a cancelled future with emit: values', () => {
    let error: unknown
    asCompleted$([cancelledFuture()], { emit: 'values' }).subscribe({
      error: (e: unknown) => (error = e),
    })
    expect(error).toBeInstanceOf(CancelledError)
  })

  it('keeps the first to finish and interrupts the others with take(1)', () => {
    const futures: Array<Future<string>> = []
    testScheduler().run(({ expectObservable }) => {
      futures.push(finishesAfter(5, 'a'), finishesAfter(2, 'b'), finishesAfter(9, 'c'))
      expectObservable(asCompleted$(futures, { emit: 'values' }).pipe(take(1))).toBe('--(b|)', {
        b: 'b',
      })
    })
    expect(futures.map((future) => future.state)).toEqual(['cancelled', 'finished', 'cancelled'])
  })

  it('cancels only the pending futures on unsubscribe with onUnsubscribe: cancel', () => {
    const futures: Array<Future<number>> = []
    testScheduler().run(({ expectObservable }) => {
      futures.push(interruptible(), pendingFuture())
      expectObservable(asCompleted$(futures, { onUnsubscribe: 'cancel' }), '--!').toBe('--')
    })
    expect(futures.map((future) => future.state)).toEqual(['running', 'cancelled'])
  })

  it("leaves the futures alone and removes every callback with onUnsubscribe: 'none'", () => {
    const futures = [pendingFuture(), pendingFuture(), finishedFuture(1)]
    const subscription = asCompleted$(futures, { onUnsubscribe: 'none' }).subscribe()
    expect(futures.map(callbackCount)).toEqual([1, 1, 0])
    subscription.unsubscribe()
    expect(futures.map(callbackCount)).toEqual([0, 0, 0])
    expect(futures.map((future) => future.state)).toEqual(['pending', 'pending', 'finished'])
  })

  it('takes a time limit from RxJS timeout, cancelling what is unfinished', () => {
    const futures: Array<Future<string>> = []
    testScheduler().run(({ expectObservable }) => {
      futures.push(finishesAfter(2, 'a'), finishesAfter(50, 'b'))
      // At most 10 ms between values: the second never comes.
      const timed = asCompleted$(futures, { emit: 'values' }).pipe(timeout(10))
      expectObservable(timed).toBe('--a 9ms #', { a: 'a' }, expect.anything())
    })
    expect(futures[1]?.cancelled()).toBe(true)
  })

  it('types the emitted futures as CompletedFuture, the values as T', () => {
    const futures = [pendingFuture()]
    expectTypeOf(asCompleted$(futures)).toEqualTypeOf<Observable<CompletedFuture<number>>>()
    expectTypeOf(asCompleted$(futures, { emit: 'values' })).toEqualTypeOf<Observable<number>>()
    for (const future of futures) future.cancel()
  })

  it('throws a TypeError naming the option for invalid options', () => {
    expect(() => asCompleted$([], { emit: 'all' as 'values' })).toThrow(
      "Expected `emit` to be 'futures' or 'values', got `'all'` (string)",
    )
    expect(() => asCompleted$(42 as unknown as Array<Future<number>>)).toThrow(
      'Expected `futures` to be an iterable of futures, got `42` (number)',
    )
  })
})
