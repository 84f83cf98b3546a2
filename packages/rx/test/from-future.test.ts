import { share, take } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { CancelledError, Future } from '@concurrent/future'
import {
  callbackCount,
  cancelledFuture,
  failedFuture,
  finishedFuture,
  pendingFuture,
  runningFuture,
} from '@concurrent/test-utils'

import { fromFuture } from '../src/index.js'
import { failsAfter, finishesAfter, interruptible, testScheduler } from './fixtures/marbles.js'

describe('fromFuture', () => {
  it('emits the value and completes when the future finishes', () => {
    testScheduler().run(({ expectObservable }) => {
      expectObservable(fromFuture(finishesAfter(5, 42))).toBe('-----(a|)', { a: 42 })
    })
  })

  it('emits synchronously on subscribe when the future is already finished', () => {
    testScheduler().run(({ expectObservable }) => {
      expectObservable(fromFuture(finishedFuture('x'))).toBe('(a|)', { a: 'x' })
    })
    const seen: string[] = []
    fromFuture(finishedFuture('now')).subscribe((value) => seen.push(value))
    expect(seen).toEqual(['now'])
  })

  it("errors with the task's error when the future fails", () => {
    const error = new RangeError('bad input')
    testScheduler().run(({ expectObservable }) => {
      expectObservable(fromFuture(failsAfter(3, error))).toBe('---#', undefined, error)
    })
    testScheduler().run(({ expectObservable }) => {
      expectObservable(fromFuture(failedFuture(error))).toBe('#', undefined, error)
    })
  })

  it('errors with CancelledError when the future is cancelled', () => {
    const seen: unknown[] = []
    fromFuture(cancelledFuture()).subscribe({ error: (error: unknown) => seen.push(error) })
    const future = pendingFuture()
    fromFuture(future).subscribe({ error: (error: unknown) => seen.push(error) })
    future.cancel()
    expect(seen).toHaveLength(2)
    for (const error of seen) expect(error).toBeInstanceOf(CancelledError)
  })

  it('interrupts a running future on unsubscribe by default', () => {
    const future = interruptible<number>()
    testScheduler().run(({ expectObservable }) => {
      expectObservable(fromFuture(future), '---!').toBe('---')
    })
    expect(future.cancelled()).toBe(true)
  })

  it('cancels a pending future on unsubscribe', () => {
    const future = pendingFuture()
    fromFuture(future).subscribe().unsubscribe()
    expect(future.cancelled()).toBe(true)
  })

  it("leaves a running future to finish with onUnsubscribe: 'cancel' (Python's rule)", () => {
    const running = interruptible<number>()
    fromFuture(running, { onUnsubscribe: 'cancel' }).subscribe().unsubscribe()
    expect(running.running()).toBe(true)
    const pending = pendingFuture()
    fromFuture(pending, { onUnsubscribe: 'cancel' }).subscribe().unsubscribe()
    expect(pending.cancelled()).toBe(true)
  })

  it("leaves the future alone with onUnsubscribe: 'none'", () => {
    const pending = pendingFuture()
    fromFuture(pending, { onUnsubscribe: 'none' }).subscribe().unsubscribe()
    expect(pending.state).toBe('pending')
  })

  it('leaves a running future running when it cannot be interrupted', () => {
    const future = runningFuture() // no interrupt handler: cancel() returns false
    fromFuture(future).subscribe().unsubscribe()
    expect(future.running()).toBe(true)
  })

  it('changes nothing on unsubscribe once the future is done', () => {
    const future = finishedFuture(1)
    const subscription = fromFuture(future).subscribe()
    subscription.unsubscribe()
    expect(future.state).toBe('finished')
  })

  it('removes its done callback on unsubscribe', () => {
    const future = interruptible<number>()
    const subscription = fromFuture(future, { onUnsubscribe: 'none' }).subscribe()
    expect(callbackCount(future)).toBe(1)
    subscription.unsubscribe()
    expect(callbackCount(future)).toBe(0)
  })

  it('runs the task once for many subscribers, and share() keeps it until the last leaves', () => {
    const future = interruptible<number>()
    const shared = fromFuture(future).pipe(share())
    const first = shared.subscribe()
    const second = shared.subscribe()
    first.unsubscribe()
    expect(future.running()).toBe(true)
    second.unsubscribe()
    expect(future.cancelled()).toBe(true)
  })

  it('does not cancel the future when take(1) ends the subscription after the value', () => {
    const future = new Future<number>()
    const seen: number[] = []
    fromFuture(future)
      .pipe(take(1))
      .subscribe((value) => seen.push(value))
    future.setRunningOrNotifyCancel()
    future.setResult(7)
    expect(seen).toEqual([7])
    expect(future.state).toBe('finished')
  })

  it('throws a TypeError naming the option for an invalid onUnsubscribe', () => {
    expect(() => fromFuture(pendingFuture(), { onUnsubscribe: 'later' as 'none' })).toThrow(
      new TypeError(
        "Expected `onUnsubscribe` to be 'interrupt', 'cancel' or 'none', got `'later'` (string)",
      ),
    )
    expect(() => fromFuture({} as unknown as Future<number>)).toThrow(TypeError)
  })
})
