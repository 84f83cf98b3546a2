import { pipe } from 'fp-ts/lib/function.js'
import * as A from 'fp-ts/lib/Array.js'
import * as E from 'fp-ts/lib/Either.js'
import type { Task } from 'fp-ts/lib/Task.js'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { CancelledError, TimeoutError } from '@concurrent/future'
import {
  cancelledFuture,
  failedFuture,
  finishedFuture,
  pendingFuture,
  runningFuture,
} from '@concurrent/test-utils'

import { waitEither } from '../src/index.js'

describe('waitEither', () => {
  it('resolves with an Either per future, in input order', async () => {
    const error = new RangeError('bad')
    const outcomes = await waitEither([finishedFuture(1), failedFuture(error), finishedFuture(3)])()
    expect(outcomes).toEqual([E.right(1), E.left(error), E.right(3)])
  })

  it('types a tuple per position', () => {
    const task = waitEither([finishedFuture(1), finishedFuture('two')])
    expectTypeOf(task).toEqualTypeOf<Task<[E.Either<unknown, number>, E.Either<unknown, string>]>>()
  })

  it('waits for futures still running', async () => {
    const future = runningFuture()
    const waiting = waitEither([future])()
    setTimeout(() => future.setResult(5), 10)
    await expect(waiting).resolves.toEqual([E.right(5)])
  })

  it('gives Left(CancelledError) for a cancelled future', async () => {
    const [outcome] = await waitEither([cancelledFuture()])()
    expect(E.isLeft(outcome) && outcome.left).toBeInstanceOf(CancelledError)
  })

  it('gives Left(TimeoutError) for a future not done in time, and leaves it running', async () => {
    const slow = runningFuture()
    const [done, late] = await waitEither([finishedFuture(1), slow], { timeout: 20 })()
    expect(done).toEqual(E.right(1))
    expect(E.isLeft(late) && late.left).toBeInstanceOf(TimeoutError)
    expect(slow.running()).toBe(true)
  })

  it('gives Left(signal.reason) for the futures not done when the signal aborts', async () => {
    const controller = new AbortController()
    const waiting = waitEither([finishedFuture(1), pendingFuture()], {
      signal: controller.signal,
    })()
    controller.abort('enough')
    await expect(waiting).resolves.toEqual([E.right(1), E.left('enough')])
  })

  it('gives invalid options as a Left per future, never rejecting', async () => {
    const outcomes = await waitEither([pendingFuture()], { timeout: -1 })()
    expect(E.isLeft(outcomes[0]) && outcomes[0].left).toBeInstanceOf(RangeError)
  })

  it("sequences with fp-ts' A.sequence(E.Applicative): Right of all, or the first Left", async () => {
    const all = await waitEither([finishedFuture(1), finishedFuture(2)])()
    expect(pipe([...all], A.sequence(E.Applicative))).toEqual(E.right([1, 2]))
    const error = new Error('second')
    const some = await waitEither([finishedFuture(1), failedFuture(error), failedFuture()])()
    expect(pipe([...some], A.sequence(E.Applicative))).toEqual(E.left(error))
  })
})
