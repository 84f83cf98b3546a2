/**
 * The conformance suite every executor passes: CPython's `ExecutorTest`
 * (Lib/test/test_concurrent_futures/executor.py), run against each executor as
 * `create_executor_tests` does — submit, map, starmap, errors, progress and streams, and
 * option validation. Shutdown is in conformance-shutdown.test.ts; cancellation, per-task options
 * and statistics in conformance-cancel.test.ts.
 *
 * One pool of two workers per executor serves every case here: each case leaves it idle.
 */
import {
  TimeoutError,
  type ExecutorOptions,
  type ExecutorStats,
  type PoolExecutor,
} from '@concurrent/executors'
import { executorFactories } from '@concurrent/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  asyncRange,
  collect,
  range,
  saturate,
  tasks,
  warmUp,
  whenIdle,
} from './conformance-helpers.js'

/** Python's `divmod` test stand-in: fails on zero, at its position in a map. */
const divide = (n: number): number => {
  if (n === 0) throw new RangeError('division by zero')
  return 10 / n
}

/** CPython's `timeout_on_one`: a task that itself fails with an error named TimeoutError. */
const timeoutOnOne = (x: number): number => {
  if (x === 1) {
    const error = new Error('raised by the task')
    error.name = 'TimeoutError'
    throw error
  }
  return x
}

const squares = (n: number): number[] => range(n).map((i) => i * i)

describe.each(executorFactories)('$name', ({ create }) => {
  let pool: PoolExecutor
  /** Counter deltas since `before`. */
  const delta = (before: ExecutorStats) => {
    const now = pool.stats()
    return {
      completed: now.completed - before.completed,
      failed: now.failed - before.failed,
      cancelled: now.cancelled - before.cancelled,
    }
  }

  beforeAll(async () => {
    pool = create({ maxWorkers: 2 })
    await warmUp(pool)
  })

  afterAll(async () => {
    await pool.shutdown()
  })

  describe('submit()', () => {
    it('returns a future of the task result (test_submit)', async () => {
      const future = pool.submit(tasks.add, 2, 8)
      await expect(future.result()).resolves.toBe(10)
      expect(future.done()).toBe(true)
      expect(future.state).toBe('finished')
      await expect(pool.submit(tasks.square, 16)).resolves.toBe(256)
    })

    it('passes the arguments positionally (test_submit_keyword, without keywords)', async () => {
      await expect(pool.submit(tasks.slowSquare, 7, 1)).resolves.toBe(49)
      await expect(pool.submit(tasks.byteLength, new ArrayBuffer(12))).resolves.toBe(12)
    })

    it('runs an inline self-contained function', async () => {
      await expect(pool.submit((x: number, y: number) => x ** y, 2, 8)).resolves.toBe(256)
      const slept = pool.submit(async (ms: number) => {
        await new Promise((resolve) => setTimeout(resolve, ms))
        return `slept ${ms}`
      }, 5)
      await expect(slept).resolves.toBe('slept 5')
    })
  })

  describe('map()', () => {
    it('yields the results in input order (test_map)', async () => {
      await expect(collect(pool.map(tasks.square, range(10)))).resolves.toEqual(squares(10))
      await expect(collect(pool.map(tasks.square, range(10), { chunksize: 3 }))).resolves.toEqual(
        squares(10),
      )
    })

    it('maps an array in chunks, each result exactly as the task returned it', async () => {
      const numbers = [-0, NaN, Infinity, 2 ** 53 + 2, 0.1, -7, 2 ** 31, -(2 ** 31)]
      const numbered = await collect(pool.map(tasks.identity, numbers, { chunksize: 4 }))
      expect(numbered).toEqual(numbers)
      expect(Object.is(numbered[0], -0)).toBe(true)
      expect(numbered.every((value) => typeof value === 'number')).toBe(true)
      const mixed = [1, 'two', { three: 3 }, [4], null, 6n]
      await expect(collect(pool.map(tasks.identity, mixed, { chunksize: 4 }))).resolves.toEqual(
        mixed,
      )
      await expect(
        collect(pool.map(tasks.identity, range(2_000), { chunksize: 500 })),
      ).resolves.toEqual(range(2_000))
      const integers = [-(2 ** 31), 0, 1, 2 ** 31 - 1]
      await expect(collect(pool.map(tasks.identity, integers, { chunksize: 4 }))).resolves.toEqual(
        integers,
      )
    })

    it('yields in input order even when later tasks finish first', async () => {
      const results = await collect(pool.map(tasks.sleepFor, [120, 10, 20], { chunksize: 1 }))
      expect(results).toEqual([120, 10, 20])
    })

    it('gives the same results for any chunksize (test_map_chunksize)', async () => {
      for (const chunksize of [6, 50, 40, 1]) {
        const results = await collect(pool.map(tasks.square, range(40), { chunksize }))
        expect(results).toEqual(squares(40))
      }
    })

    it('chunks an input of known length by itself, as multiprocessing.Pool.map does', async () => {
      const before = pool.stats()
      await expect(collect(pool.map(tasks.square, range(1_000)))).resolves.toEqual(squares(1_000))
      const units = delta(before).completed
      expect(units).toBeGreaterThan(1)
      expect(units).toBeLessThan(100)
    })

    it('sends one item per task for an input of unknown length', async () => {
      const before = pool.stats()
      await expect(collect(pool.map(tasks.square, asyncRange(20)))).resolves.toEqual(squares(20))
      expect(delta(before).completed).toBe(20)
    })

    it('maps over an async iterable, lazily', async () => {
      await expect(collect(pool.map(tasks.square, asyncRange(10)))).resolves.toEqual(squares(10))
      const chunked = pool.map(tasks.square, asyncRange(10), { chunksize: 3, buffersize: 2 })
      await expect(collect(chunked)).resolves.toEqual(squares(10))
    })

    it("throws the task's exception at its position, then ends (test_map_exception)", async () => {
      const results = pool.map(divide, [5, 2, 0, 1], { chunksize: 1 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 2 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 5 })
      await expect(results.next()).rejects.toThrow(RangeError)
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      await whenIdle(pool)
    })

    it("throws a chunk's exception at the chunk's position (test_map_exception, chunksize)", async () => {
      const values: number[] = []
      const loop = (async () => {
        for await (const value of pool.map(divide, [5, 2, 0, 1], { chunksize: 2 })) {
          values.push(value)
        }
      })()
      await expect(loop).rejects.toThrow('division by zero')
      expect(values).toEqual([2, 5])
      await whenIdle(pool)
    })

    it('throws TimeoutError when the results take longer than timeout from the call (test_map_timeout)', async () => {
      // Eight 60 ms tasks on two workers take at least 240 ms in all, though each result
      // arrives within about 60 ms of the one before: the timeout counts from the call.
      const results = pool.map(tasks.sleepFor, Array<number>(8).fill(60), {
        timeout: 150,
        chunksize: 1,
      })
      const values: number[] = []
      const loop = (async () => {
        for await (const value of results) values.push(value)
      })()
      await expect(loop).rejects.toThrow(TimeoutError)
      expect(values.length).toBeLessThan(8)
      // The rest was cancelled: the iterator is exhausted.
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      await whenIdle(pool)
    })

    it('cancels the queued calls when the timeout passes (test_executor_map_current_future_cancel)', async () => {
      const before = pool.stats()
      const blockers = saturate(pool, 100)
      const results = pool.map(tasks.square, [1, 2], { timeout: 0 })
      await expect(results.next()).rejects.toThrow(TimeoutError)
      await Promise.all(blockers)
      await whenIdle(pool)
      // Only the blockers ran; both map calls were cancelled while queued.
      expect(delta(before)).toEqual({ completed: blockers.length, failed: 0, cancelled: 2 })
    })

    it('does not take a TimeoutError from the task for its own timeout (test_map_timeout_from_callable)', async () => {
      for (const timeout of [undefined, 10_000]) {
        const results = pool.map(timeoutOnOne, [0, 1, 2, 3], { timeout, chunksize: 1 })
        await expect(results.next()).resolves.toEqual({ done: false, value: 0 })
        const error = await results.next().then(
          () => undefined,
          (thrown: unknown) => thrown,
        )
        expect(error).toMatchObject({ name: 'TimeoutError', message: 'raised by the task' })
        await whenIdle(pool)
      }
    })

    it('ends at once when closed, cancelling what is queued (test_map_close)', async () => {
      const before = pool.stats()
      const results = pool.map(tasks.sleepFor, Array<number>(30).fill(20), { chunksize: 1 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 20 })
      await results.return?.()
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      expect(pool.stats().queued).toBe(0)
      await whenIdle(pool)
      const { completed, cancelled } = delta(before)
      expect(completed + cancelled).toBe(30)
      // Only what had started by the first result ran (a handful, with tasks handed ahead).
      expect(cancelled).toBeGreaterThanOrEqual(20)
    })

    it('cancels what is still queued on a break out of the loop', async () => {
      const before = pool.stats()
      const seen: number[] = []
      for await (const value of pool.map(tasks.sleepFor, Array<number>(30).fill(20), {
        chunksize: 1,
      })) {
        seen.push(value)
        break
      }
      expect(seen).toEqual([20])
      expect(pool.stats().queued).toBe(0)
      await whenIdle(pool)
      const { completed, cancelled } = delta(before)
      expect(completed + cancelled).toBe(30)
      // Only what had started by the first result ran (a handful, with tasks handed ahead).
      expect(cancelled).toBeGreaterThanOrEqual(20)
    })

    it('yields results as they complete with ordered: false', async () => {
      const results = await collect(
        pool.map(tasks.sleepFor, [300, 10, 20], { ordered: false, chunksize: 1 }),
      )
      expect(results).toEqual([10, 20, 300])
    })

    it('yields every result once with ordered: false and chunks', async () => {
      const results = await collect(
        pool.map(tasks.square, range(50), { ordered: false, chunksize: 7 }),
      )
      expect(results.sort((a, b) => a - b)).toEqual(squares(50))
    })

    it('gives the same results for any buffersize (test_map_buffersize)', async () => {
      for (const buffersize of [1, 2, 4, 8]) {
        const results = await collect(pool.map(tasks.square, range(4), { buffersize }))
        expect(results).toEqual([0, 1, 4, 9])
      }
    })

    it('yields nothing for an empty input (test_map_buffersize_on_empty_iterable)', async () => {
      await expect(collect(pool.map(tasks.square, [], { buffersize: 2 }))).resolves.toEqual([])
      await expect(collect(pool.map(tasks.square, []))).resolves.toEqual([])
    })

    it('maps over an infinite input with buffersize (test_map_buffersize_on_infinite_iterable)', async () => {
      function* naturals(): Generator<number> {
        for (let i = 0; ; i++) yield i
      }
      const results = pool.map(tasks.square, naturals(), { buffersize: 2 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 0 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 1 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 4 })
      await results.return?.()
      await whenIdle(pool)
    })

    it('keeps its read-ahead bounded by buffersize over an infinite generator', async () => {
      let produced = 0
      let closed = false
      function* naturals(): Generator<number> {
        try {
          for (let i = 0; ; i++) {
            produced++
            yield i
          }
        } finally {
          closed = true
        }
      }
      const buffersize = 4
      const chunksize = 50
      let taken = 0
      let wrong = 0
      for await (const value of pool.map(tasks.square, naturals(), { buffersize, chunksize })) {
        if (value !== taken * taken) wrong++
        if (++taken === 10_000) break
      }
      expect(wrong).toBe(0)
      // What was taken, plus at most `buffersize` units read ahead (and one being filled).
      expect(produced).toBeLessThanOrEqual(10_000 + (buffersize + 1) * chunksize)
      expect(closed).toBe(true)
      expect(pool.stats().queued).toBe(0)
      await whenIdle(pool)
    })
  })

  describe('starmap()', () => {
    it('spreads each item as the arguments', async () => {
      const pairs: Array<[number, number]> = [
        [1, 2],
        [3, 4],
        [5, 6],
      ]
      await expect(collect(pool.starmap(tasks.add, pairs))).resolves.toEqual([3, 7, 11])
      await expect(collect(pool.starmap(tasks.add, pairs, { chunksize: 2 }))).resolves.toEqual([
        3, 7, 11,
      ])
    })

    it('spreads the items of an async iterable', async () => {
      async function* pairs(): AsyncGenerator<[number, number]> {
        for (const i of range(5)) yield [i, i]
      }
      await expect(collect(pool.starmap(tasks.add, pairs()))).resolves.toEqual([0, 2, 4, 6, 8])
    })

    it('throws a TypeError at the position of an item that is not an argument list', async () => {
      const results = pool.starmap(tasks.add, [[1, 2], 3 as unknown as [number, number]], {
        chunksize: 1,
      })
      await expect(results.next()).resolves.toEqual({ done: false, value: 3 })
      await expect(results.next()).rejects.toThrow(TypeError)
      await whenIdle(pool)
    })
  })

  describe('errors from tasks', () => {
    it('keep their class, name, message, own properties and cause', async () => {
      const error = await pool.submit(tasks.fail, 'boom').exception()
      expect(error).toBeInstanceOf(TypeError)
      expect(error).toMatchObject({ name: 'TypeError', message: 'boom', code: 'E_FAILED' })
      const { cause } = error as Error
      expect(cause).toBeInstanceOf(RangeError)
      expect(cause).toMatchObject({ message: 'the root cause' })
      await expect(pool.submit(tasks.fail, 'again')).rejects.toThrow(TypeError)
    })

    it('keep the name and fields of a custom error class', async () => {
      const error = await pool.submit(tasks.failCustom, 'email').exception()
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({
        name: 'ValidationError',
        message: 'email is invalid',
        field: 'email',
      })
    })

    it("keep the task's own stack (test_traceback)", async () => {
      const error = await pool.submit(tasks.fail, 'traced').exception()
      expect((error as Error).stack).toMatch(/fixtures[\\/]tasks\.ts/)
    })

    it('fail the future even when the thrown value is falsy (test_swallows_falsey_exceptions)', async () => {
      const zero = pool.submit((): number => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 0
      })
      await expect(zero).rejects.toBe(0)
      expect(zero.state).toBe('finished')
      await expect(pool.submit(tasks.throwString)).rejects.toBe('a plain string')
    })
  })

  describe('progress and streams', () => {
    it('delivers every progress value to onProgress before the future resolves', async () => {
      const future = pool.submit(tasks.countUpTo, 100)
      const seen: unknown[] = []
      let seenWhenDone: unknown[] = []
      future.onProgress((value) => seen.push(value))
      future.addDoneCallback(() => (seenWhenDone = [...seen]))
      await expect(future).resolves.toBe(100)
      expect(seenWhenDone).toEqual(range(100))
    })

    it('streams what an async generator task yields, in order, then its return value', async () => {
      const stream = pool.stream(tasks.countdown, 3)
      await expect(collect(stream)).resolves.toEqual([3, 2, 1])
      await expect(stream.future).resolves.toBe('liftoff')
    })

    it('interrupts a streaming task on a break out of the loop', async () => {
      const stream = pool.stream(tasks.forever)
      const seen: number[] = []
      for await (const value of stream) {
        seen.push(value)
        if (seen.length === 3) break
      }
      expect(seen).toEqual([0, 1, 2])
      expect(stream.future.cancelled()).toBe(true)
      await whenIdle(pool)
      await expect(pool.submit(tasks.add, 1, 1)).resolves.toBe(2)
    })
  })

  describe('validation', () => {
    it.each([0, -1])(
      'rejects maxWorkers %i with a RangeError naming it (test_max_workers_negative)',
      (maxWorkers) => {
        expect(() => create({ maxWorkers })).toThrow(RangeError)
        expect(() => create({ maxWorkers })).toThrow(
          `Expected \`maxWorkers\` to be an integer from 1 and up, got \`${maxWorkers}\` (number)`,
        )
      },
    )

    it('rejects a maxWorkers that is not an integer', () => {
      expect(() => create({ maxWorkers: 1.5 })).toThrow(RangeError)
      expect(() => create({ maxWorkers: '2' as unknown as number })).toThrow(TypeError)
    })

    it('rejects an unknown option with a TypeError naming it', () => {
      const options = { maxWorker: 2 } as ExecutorOptions
      expect(() => create(options)).toThrow(TypeError)
      expect(() => create(options)).toThrow(/`maxWorker`/)
    })

    it('rejects bad map options at the call (test_map_buffersize_value_validation)', () => {
      expect(() => pool.map(tasks.square, [1], { chunksize: 0 })).toThrow(RangeError)
      expect(() => pool.map(tasks.square, [1], { chunksize: 0 })).toThrow(/`chunksize`/)
      for (const buffersize of [0, -1, 2.5]) {
        expect(() => pool.map(tasks.square, [1], { buffersize })).toThrow(RangeError)
        expect(() => pool.map(tasks.square, [1], { buffersize })).toThrow(/`buffersize`/)
      }
      const foo = 'foo' as unknown as number
      expect(() => pool.map(tasks.square, [1], { buffersize: foo })).toThrow(TypeError)
      expect(() => pool.map(tasks.square, [1], { timeout: -1 })).toThrow(RangeError)
    })

    it('rejects bad per-task options in with()', () => {
      expect(() => pool.with({ timeout: -1 })).toThrow(/`timeout`/)
      expect(() => pool.with({ priority: Number.NaN })).toThrow(RangeError)
      expect(() => pool.with({ priority: Number.NaN })).toThrow(/`priority`/)
      const signal = 'soon' as unknown as AbortSignal
      expect(() => pool.with({ signal })).toThrow(TypeError)
    })
  })
})
