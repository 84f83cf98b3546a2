import { setTimeout as sleep } from 'node:timers/promises'

import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import * as RA from 'fp-ts/lib/ReadonlyArray.js'
import * as T from 'fp-ts/lib/Task.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { ShutdownError, taskModule, ThreadPoolExecutor } from '@concurrent/executors'
import { TestExecutor } from '@concurrent/test-utils'

import { submitTE, traverseParallel, traverseParallelEither } from '../src/index.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('traverseParallel', () => {
  it('resolves with Right of every result, in input order', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const squares = pipe([30, 1, 20, 2], traverseParallel(pool, tasks.slowSquare))
    expectTypeOf(squares).toEqualTypeOf<TE.TaskEither<unknown, ReadonlyArray<number>>>()
    await expect(squares()).resolves.toEqual(E.right([900, 1, 400, 4]))
  })

  it('sends a large array in chunks chosen by the executor', async () => {
    const executor = new TestExecutor(2)
    const inputs = Array.from({ length: 800 }, (_, i) => i)
    const result = await traverseParallel(executor, (n: number) => n * 2)(inputs)()
    expect(result).toEqual(E.right(inputs.map((n) => n * 2)))
    expect(executor.scheduled.every(({ chunk }) => chunk)).toBe(true)
    expect(executor.scheduled).toHaveLength(8) // 800 / (2 workers × 4)
    await executor.shutdown()
  })

  it('resolves with Right([]) for no inputs', async () => {
    const executor = new TestExecutor(1)
    await expect(traverseParallel(executor, (n: number) => n)([])()).resolves.toEqual(E.right([]))
    await executor.shutdown()
  })

  it("gives the first failure by position, the same Left as fp-ts' TE.traverseArray", async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const inputs = [1, 2, 13, 4]
    const ours = await traverseParallel(pool, tasks.failOn13, { chunksize: 1 })(inputs)()
    const theirs = await pipe(
      inputs,
      TE.traverseArray((n) => submitTE(pool, tasks.failOn13, n)),
    )()
    expect(ours).toEqual(E.left(new RangeError('unlucky 13')))
    expect(ours).toEqual(theirs)
  })

  it('cancels the queued work on the first failure', async () => {
    const executor = new TestExecutor(1)
    const ran: number[] = []
    const task = async (n: number): Promise<number> => {
      ran.push(n)
      await sleep(1)
      if (n === 2) throw new Error('two')
      return n
    }
    const result = await traverseParallel(executor, task, { chunksize: 1 })([1, 2, 3, 4, 5])()
    expect(result).toEqual(E.left(new Error('two')))
    await executor.shutdown()
    // 3 may have started as 2 failed (the worker was free); 4 and 5 were cancelled in the queue.
    expect(ran).not.toContain(4)
    expect(ran).not.toContain(5)
  })

  it('interrupts the running tasks on the first failure with interrupt: true', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const counter = new Int32Array(new SharedArrayBuffer(4))
    const jobs = [
      { counter, slot: 0, failOnceCounting: true },
      { counter, slot: 0 },
    ]
    const result = await traverseParallel(pool, tasks.countOrFail, {
      chunksize: 1,
      interrupt: true,
    })(jobs)()
    expect(E.isLeft(result) && (result.left as Error).message).toBe('job 0 failed')
    // The counting task was interrupted: its count comes to rest, and stays there.
    let stopped = Atomics.load(counter, 0)
    for (let attempt = 0; attempt < 100; attempt++) {
      await sleep(100)
      if (Atomics.load(counter, 0) === stopped) break
      stopped = Atomics.load(counter, 0)
    }
    await sleep(300)
    expect(Atomics.load(counter, 0)).toBe(stopped)
    expect(pool.stats().running).toBe(0)
  })

  it('resolves with Left(signal.reason) when the signal aborts', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const controller = new AbortController()
    const running = traverseParallel(pool, tasks.slowSquare, { signal: controller.signal })([
      5_000, 5_000,
    ])()
    setTimeout(() => controller.abort(new Error('stop')), 50)
    await expect(running).resolves.toEqual(E.left(new Error('stop')))
    const aborted = AbortSignal.abort('already')
    await expect(traverseParallel(pool, tasks.square, { signal: aborted })([1])()).resolves.toEqual(
      E.left('already'),
    )
  })

  it('resolves with Left(ShutdownError) after shutdown, never throwing', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    await pool.shutdown()
    const result = await traverseParallel(pool, tasks.square)([1, 2])()
    expect(E.isLeft(result) && result.left).toBeInstanceOf(ShutdownError)
  })

  it('gives invalid options as a Left naming the option, never throwing', async () => {
    const executor = new TestExecutor(1)
    const result = await traverseParallel(executor, (n: number) => n, { chunksize: 0 })([1])()
    expect(result).toEqual(
      E.left(
        new RangeError('Expected `chunksize` to be an integer from 1 and up, got `0` (number)'),
      ),
    )
    await executor.shutdown()
  })
})

describe('traverseParallelEither', () => {
  it('resolves with an Either per input, in input order, failures as values', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const rows = [
      { id: 1, email: 'A@X.ORG' },
      { id: 2, email: 'nope' },
      { id: 3, email: 'c@y.org' },
    ]
    const outcomes = await traverseParallelEither(pool, tasks.validate)(rows)()
    expect(outcomes.map(E.isRight)).toEqual([true, false, true])
    expect(outcomes[0]).toEqual(E.right({ id: 1, email: 'a@x.org' }))
    const failure = outcomes[1] as E.Left<unknown>
    expect(failure.left).toMatchObject({ name: 'ValidationError', field: 'email' })
  })

  it('separates into failures and results with RA.separate', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const report = pipe(
      [1, 13, 3],
      traverseParallelEither(pool, tasks.failOn13),
      T.map(RA.separate),
    )
    const { left, right } = await report()
    expect(right).toEqual([1, 3])
    expect(left).toEqual([new RangeError('unlucky 13')])
  })

  it("gives what submit throws as that input's Left", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    await pool.shutdown()
    const outcomes = await traverseParallelEither(pool, tasks.square)([1, 2])()
    expect(outcomes).toHaveLength(2)
    for (const outcome of outcomes) {
      expect(E.isLeft(outcome) && outcome.left).toBeInstanceOf(ShutdownError)
    }
  })
})
