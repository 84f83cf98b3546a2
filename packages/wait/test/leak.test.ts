/**
 * Waiters never leak: after any number of `wait`, `asCompleted` and `gather` calls that end
 * without the future finishing, a long-pending future holds no done callback from them.
 */
import { setMaxListeners } from 'node:events'

import { afterEach, describe, expect, it, vi } from 'vitest'
import { callbackCount, finishedFuture, pendingFuture, runningFuture } from '@concurrent/test-utils'
import {
  ALL_COMPLETED,
  asCompleted,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  gather,
  wait,
} from '@concurrent/wait'
import { TimeoutError } from '@concurrent/future'

import { complete, fail, flush } from './helpers.js'

const CALLS = 10_000
const MODES = [FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED] as const

afterEach(() => {
  vi.useRealTimers()
})

describe('waiters on a long-pending future', () => {
  it(`leave no callback after ${CALLS} wait() calls, one after another, whose timeouts fire`, async () => {
    vi.useFakeTimers()
    const longPending = runningFuture()
    for (let i = 0; i < CALLS; i++) {
      const waiting = wait([longPending], { timeout: 1 + (i % 10), returnWhen: MODES[i % 3] })
      vi.advanceTimersByTime(10)
      const { notDone } = await waiting
      expect(notDone.has(longPending)).toBe(true)
    }
    expect(callbackCount(longPending)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    expect(longPending.running()).toBe(true)
  })

  it('leave no callback after 1,000 wait() calls at once whose timeouts fire', async () => {
    // Fake timers slow down with many timers at once: 1,000 here; 10,000 above, in turn.
    vi.useFakeTimers()
    const longPending = pendingFuture()
    const calls = Array.from({ length: 1_000 }, (_, i) =>
      wait([longPending], { timeout: 1 + (i % 100), returnWhen: MODES[i % 3] }),
    )
    expect(callbackCount(longPending)).toBe(1_000)
    vi.advanceTimersByTime(100)
    const results = await Promise.all(calls)
    expect(results.every(({ notDone }) => notDone.has(longPending))).toBe(true)
    expect(callbackCount(longPending)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it(`leave no callback after ${CALLS} wait(FIRST_COMPLETED) calls satisfied by another future`, async () => {
    vi.useFakeTimers()
    const longPending = pendingFuture()
    const calls = Array.from({ length: CALLS }, (_, i) => {
      const other = pendingFuture()
      const waiting = wait([longPending, other], {
        returnWhen: FIRST_COMPLETED,
        timeout: 60_000,
      })
      complete(other, i)
      return waiting
    })
    const results = await Promise.all(calls)
    expect(results.every(({ notDone }) => notDone.has(longPending))).toBe(true)
    expect(callbackCount(longPending)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it(`leave no callback after ${CALLS} wait(FIRST_EXCEPTION) calls ended by another failure`, async () => {
    const longPending = pendingFuture()
    const calls = Array.from({ length: CALLS }, () => {
      const other = pendingFuture()
      const waiting = wait([longPending, other], { returnWhen: FIRST_EXCEPTION })
      fail(other, new Error('boom'))
      return waiting
    })
    await Promise.all(calls)
    expect(callbackCount(longPending)).toBe(0)
  })

  it(`leave no callback after ${CALLS} wait() calls whose signal aborts`, async () => {
    const longPending = pendingFuture()
    const controller = new AbortController()
    // One signal shared by every call: lift Node's listener-count warning, as a user would.
    setMaxListeners(CALLS, controller.signal)
    const calls = Array.from({ length: CALLS }, () =>
      wait([longPending], { signal: controller.signal }).catch(() => 'aborted'),
    )
    expect(callbackCount(longPending)).toBe(CALLS)
    controller.abort()
    expect(await Promise.all(calls)).toEqual(Array.from({ length: CALLS }, () => 'aborted'))
    expect(callbackCount(longPending)).toBe(0)
  })

  it(`leave no callback after ${CALLS} asCompleted() loops that break`, async () => {
    const longPending = pendingFuture()
    for (let i = 0; i < CALLS; i++) {
      for await (const done of asCompleted([longPending, finishedFuture(i)])) {
        expect(done).not.toBe(longPending)
        break
      }
    }
    expect(callbackCount(longPending)).toBe(0)
  })

  it(`leave no callback after ${CALLS} asCompleted() loops, one after another, that time out`, async () => {
    vi.useFakeTimers()
    const longPending = pendingFuture()
    for (let i = 0; i < CALLS; i++) {
      const loop = (async () => {
        for await (const _ of asCompleted([longPending], { timeout: 10 })) return 'yielded'
        return 'ended'
      })()
      await flush()
      vi.advanceTimersByTime(10)
      await expect(loop).rejects.toBeInstanceOf(TimeoutError)
    }
    expect(callbackCount(longPending)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it(`leave no callback after ${CALLS} gather() calls that another failure rejects`, async () => {
    const longPending = runningFuture()
    const calls = Array.from({ length: CALLS }, () => {
      const other = pendingFuture()
      const gathering = gather([longPending, other]).catch(() => 'rejected')
      fail(other, new Error('boom'))
      return gathering
    })
    await Promise.all(calls)
    expect(callbackCount(longPending)).toBe(0)
    expect(longPending.running()).toBe(true)
  })

  it('leave no callback after a mix of all of the above, interleaved', async () => {
    vi.useFakeTimers()
    const longPending = pendingFuture()
    for (let i = 0; i < CALLS; i++) {
      switch (i % 3) {
        case 0: {
          const waiting = wait([longPending], { timeout: 1 })
          vi.advanceTimersByTime(1)
          await waiting
          break
        }
        case 1: {
          const other = pendingFuture()
          const waiting = wait([other, longPending], { returnWhen: FIRST_COMPLETED })
          other.cancel()
          await waiting
          break
        }
        default:
          for await (const _ of asCompleted([finishedFuture(i), longPending])) break
      }
    }
    expect(callbackCount(longPending)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    expect(longPending.state).toBe('pending')
  })
})
