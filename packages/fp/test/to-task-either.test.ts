import * as E from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { CancelledError, type Future } from '@concurrent/future'
import {
  callbackCount,
  cancelledFuture,
  failedFuture,
  finishedFuture,
  pendingFuture,
} from '@concurrent/test-utils'

import { toTaskEither } from '../src/index.js'

describe('toTaskEither', () => {
  it('resolves with Right(value) when the future finishes', async () => {
    await expect(toTaskEither(finishedFuture(42))()).resolves.toEqual(E.right(42))
  })

  it('resolves with Left(error) when the future fails, never rejecting', async () => {
    const error = new RangeError('bad')
    await expect(toTaskEither(failedFuture(error))()).resolves.toEqual(E.left(error))
  })

  it('resolves with Left(CancelledError) for a cancelled future', async () => {
    const result = await toTaskEither(cancelledFuture())()
    expect(E.isLeft(result) && result.left instanceof CancelledError).toBe(true)
  })

  it('waits only when run, and removes nothing from the future', async () => {
    const future = pendingFuture()
    const task = toTaskEither(future)
    expect(callbackCount(future)).toBe(0)
    const running = task()
    expect(callbackCount(future)).toBe(1)
    future.setRunningOrNotifyCancel()
    future.setResult(7)
    await expect(running).resolves.toEqual(E.right(7))
    expect(callbackCount(future)).toBe(0)
  })

  it('gives the same outcome on every run: the work was submitted once', async () => {
    const task = toTaskEither(finishedFuture('once'))
    await expect(task()).resolves.toEqual(await task())
  })

  it('maps the failure with onRejected, as TE.tryCatch does', async () => {
    const task = toTaskEither(failedFuture('a plain string'), E.toError)
    expectTypeOf(task).toEqualTypeOf<TaskEither<Error, number>>()
    const result = await task()
    expect(E.isLeft(result) && result.left.message).toBe('a plain string')
  })

  it('resolves with Left(TypeError) for something that is not a future', async () => {
    const result = await toTaskEither(42 as unknown as Future<number>)()
    expect(E.isLeft(result) && result.left).toBeInstanceOf(TypeError)
  })
})
