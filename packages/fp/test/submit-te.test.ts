import { pipe } from 'fp-ts/lib/function.js'
import * as A from 'fp-ts/lib/Array.js'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  InlineTaskError,
  ShutdownError,
  taskModule,
  ThreadPoolExecutor,
  TimeoutError,
} from '@concurrent/executors'
import { TestExecutor } from '@concurrent/test-utils'

import { submitTE } from '../src/index.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('submitTE', () => {
  it('submits nothing until run, and submits anew on every run', async () => {
    const executor = new TestExecutor(1)
    const task = submitTE(executor, (n: number) => n + 1, 1)
    expect(executor.scheduled).toHaveLength(0)
    await expect(task()).resolves.toEqual(E.right(2))
    await expect(task()).resolves.toEqual(E.right(2))
    expect(executor.scheduled).toHaveLength(2)
    await executor.shutdown()
  })

  it('resolves with Right(result) from a worker thread, typed by the task', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const task = submitTE(pool, tasks.square, 9)
    expectTypeOf(task).toEqualTypeOf<TE.TaskEither<unknown, number>>()
    await expect(task()).resolves.toEqual(E.right(81))
  })

  it("resolves with Left of the task's error, with its class, fields and cause", async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const result = await submitTE(pool, tasks.validate, { id: 1, email: 'nope' })()
    expect(E.isLeft(result)).toBe(true)
    const error = (result as E.Left<unknown>).left as Error & { field: string }
    expect(error).toMatchObject({ name: 'ValidationError', field: 'email' })
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('resolves with Left(ShutdownError), never throwing, after shutdown', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    await pool.shutdown()
    const result = await submitTE(pool, tasks.square, 2)()
    expect(E.isLeft(result) && result.left).toBeInstanceOf(ShutdownError)
  })

  it('resolves with Left(InlineTaskError) for a closure sent to a worker', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const factor = 3
    const result = await submitTE(pool, (n: number) => n * factor, 2)()
    expect(E.isLeft(result) && result.left).toBeInstanceOf(InlineTaskError)
  })

  it('times out through a view made with executor.with({ timeout })', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const result = await submitTE(pool.with({ timeout: 50 }), tasks.slowSquare, 5_000)()
    expect(E.isLeft(result) && result.left).toBeInstanceOf(TimeoutError)
  })

  it('chains with TE.chain, and a Left stops the chain before the next submit', async () => {
    const executor = new TestExecutor(1)
    const square = (n: number): number => n * n
    const fail = (n: number): number => {
      throw new RangeError(`no ${n}`)
    }
    const ok = pipe(
      submitTE(executor, square, 3),
      TE.chain((n) => submitTE(executor, square, n)),
    )
    await expect(ok()).resolves.toEqual(E.right(81))
    const stopped = pipe(
      submitTE(executor, fail, 3),
      TE.chain((n) => submitTE(executor, square, n)),
      TE.mapLeft((error) => (error as Error).message),
    )
    await expect(stopped()).resolves.toEqual(E.left('no 3'))
    expect(executor.scheduled.map(({ args }) => args)).toEqual([[3], [9], [3]])
    await executor.shutdown()
  })

  it('runs in parallel under A.sequence(TE.ApplicativePar), Right of all or the first Left', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const all = pipe(
      [3, 1, 2].map((n) => submitTE(pool, tasks.slowSquare, n * 100)),
      A.sequence(TE.ApplicativePar),
    )
    await expect(all()).resolves.toEqual(E.right([90_000, 10_000, 40_000]))
    const someFail = pipe(
      [1, 13, 3].map((n) => submitTE(pool, tasks.failOn13, n)),
      A.sequence(TE.ApplicativePar),
    )
    await expect(someFail()).resolves.toEqual(E.left(new RangeError('unlucky 13')))
  })
})
