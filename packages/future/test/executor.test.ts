import { getEventListeners } from 'node:events'

import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import {
  CancelledError,
  DEFAULT_BUFFERSIZE,
  Future,
  ShutdownError,
  TimeoutError,
  type ChunkResult,
  type Task,
  type TaskOptions,
} from '@concurrent/future'
import { deferred, TestExecutor, type Deferred } from '@concurrent/test-utils'

/** A TestExecutor that also keeps every future it hands out, to check their states. */
class RecordingExecutor extends TestExecutor {
  readonly futures: Array<Future<unknown>> = []

  protected override schedule<A extends readonly unknown[], R>(
    task: Task<A, R>,
    args: A,
    options: TaskOptions,
  ): Future<Awaited<R>> {
    const future = super.schedule(task, args, options)
    this.futures.push(future)
    return future
  }

  protected override scheduleChunk<A extends readonly unknown[], R>(
    task: Task<A, R>,
    items: readonly A[],
    options: TaskOptions,
  ): Future<ChunkResult<Awaited<R>>> {
    const future = super.scheduleChunk(task, items, options)
    this.futures.push(future)
    return future
  }

  states(): string[] {
    return this.futures.map((future) => future.state)
  }
}

/**
 * Tasks that wait until the test opens their gate: `task(n)` records that it started and
 * resolves with `n * 10` once `open(n)` is called (or rejects once `fail(n, error)` is).
 */
function gated(): {
  task: (n: number) => Promise<number>
  started: number[]
  open: (...ns: number[]) => void
  fail: (n: number, error: unknown) => void
} {
  const gates = new Map<number, Deferred<void>>()
  const gate = (n: number): Deferred<void> => {
    let found = gates.get(n)
    if (found === undefined) gates.set(n, (found = deferred()))
    return found
  }
  const started: number[] = []
  return {
    started,
    task: async (n: number) => {
      started.push(n)
      await gate(n).promise
      return n * 10
    },
    open: (...ns) => {
      for (const n of ns) gate(n).resolve()
    },
    fail: (n, error) => gate(n).reject(error),
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

/** Lets the in-process executor start and finish what it can. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

const double = (n: number): number => n * 2

class DivisionByZero extends Error {
  override readonly name = 'DivisionByZero'
}

function divmod(a: number, b: number): [number, number] {
  if (b === 0) throw new DivisionByZero('integer division or modulo by zero')
  return [Math.floor(a / b), a % b]
}

describe('AbstractExecutor', () => {
  describe('submit()', () => {
    it('returns a future for the task’s value (test_submit)', async () => {
      await using executor = new TestExecutor()
      const future = executor.submit((base: number, exp: number) => base ** exp, 2, 8)
      expect(future).toBeInstanceOf(Future)
      expect(await future.result()).toBe(256)
    })

    it('returns the future at once, before the task runs', async () => {
      await using executor = new TestExecutor()
      const task = vi.fn(() => 1)
      const future = executor.submit(task)
      expect(future.state).toBe('pending')
      expect(task).not.toHaveBeenCalled()
      await expect(future).resolves.toBe(1)
    })

    it('settles with the awaited value of an async task', async () => {
      await using executor = new TestExecutor()
      const future = executor.submit(async (s: string) => s.toUpperCase(), 'abc')
      await expect(future.result()).resolves.toBe('ABC')
    })

    it('fails the future with the task’s exception', async () => {
      await using executor = new TestExecutor()
      const error = new Error('task failed')
      const future = executor.submit(() => {
        throw error
      })
      await expect(future.exception()).resolves.toBe(error)
      await expect(future.result()).rejects.toBe(error)
    })

    it('does not swallow falsy exceptions (test_swallows_falsey_exceptions)', async () => {
      await using executor = new TestExecutor()
      for (const falsy of [0, '', null, undefined, false]) {
        const future = executor.submit(() => Promise.reject(falsy))
        await expect(future.result()).rejects.toBe(falsy)
        expect(future.outcome).toEqual({ status: 'rejected', reason: falsy })
      }
    })

    it('schedules the task with no per-task options', async () => {
      await using executor = new TestExecutor()
      await executor.submit(double, 1)
      expect(executor.scheduled).toEqual([{ args: [1], chunk: false, options: {} }])
    })

    it('lets a queued future be cancelled so its task never runs', async () => {
      await using executor = new TestExecutor(1)
      const { task, started, open } = gated()
      const first = executor.submit(task, 1)
      const second = executor.submit(task, 2)
      await flush()
      expect(second.cancel()).toBe(true)
      expect(first.cancel()).toBe(false)
      open(1)
      await expect(first).resolves.toBe(10)
      await flush()
      expect(started).toEqual([1])
    })
  })

  describe('map()', () => {
    describe('chunks()', () => {
      it('yields the results a unit of work at a time, the same as the item by item loop', async () => {
        await using executor = new TestExecutor()
        const inputs = Array.from({ length: 20 }, (_, i) => i)
        const chunks: number[][] = []
        for await (const chunk of executor
          .map((n: number) => n * n, inputs, { chunksize: 6 })
          .chunks()) {
          chunks.push([...chunk])
        }
        expect(chunks.map((chunk) => chunk.length)).toEqual([6, 6, 6, 2])
        expect(chunks.flat()).toEqual(inputs.map((n) => n * n))
      })

      it('gives the rest of a chunk when items were already taken one by one', async () => {
        await using executor = new TestExecutor()
        const results = executor.map((n: number) => n + 1, [1, 2, 3, 4, 5], { chunksize: 5 })
        await expect(results.next()).resolves.toEqual({ done: false, value: 2 })
        const rest: number[] = []
        for await (const chunk of results.chunks()) rest.push(...chunk)
        expect(rest).toEqual([3, 4, 5, 6])
      })

      it('throws a failing item’s error after the results before it', async () => {
        await using executor = new TestExecutor()
        const seen: number[] = []
        const loop = async (): Promise<void> => {
          const inputs: Array<[number, number]> = [
            [5, 2],
            [7, 3],
            [5, 0],
            [5, 5],
          ]
          for await (const chunk of executor.starmap(divmod, inputs, { chunksize: 3 }).chunks()) {
            for (const [quotient] of chunk) seen.push(quotient)
          }
        }
        await expect(loop()).rejects.toBeInstanceOf(DivisionByZero)
        expect(seen).toEqual([2, 2])
      })

      it('cancels what is still queued when the loop is left early', async () => {
        await using executor = new TestExecutor(1)
        const inputs = Array.from({ length: 40 }, (_, i) => i)
        for await (const chunk of executor
          .map((n: number) => n, inputs, { chunksize: 4 })
          .chunks()) {
          expect(chunk).toHaveLength(4)
          break
        }
        await executor.shutdown()
        expect(executor.scheduled.length).toBeGreaterThan(0)
      })
    })

    it.each([5, null, undefined, { length: 2 }, Symbol('x')])(
      'throws a TypeError naming the input when it is not iterable (%s)',
      async (input) => {
        await using executor = new TestExecutor()
        expect(() => executor.map((n: number) => n, input as never)).toThrow(
          /Expected the input of `map` to be an iterable or an async iterable/,
        )
        expect(() => executor.starmap((n: number) => n, input as never)).toThrow(
          /Expected the input of `starmap` to be an iterable/,
        )
      },
    )

    it('reads an endless input only a bounded way ahead by default', async () => {
      await using executor = new TestExecutor()
      let read = 0
      function* endless(): Generator<number> {
        for (;;) yield read++
      }
      const results = executor.map((n: number) => n * 2, endless())
      await expect(results.next()).resolves.toEqual({ done: false, value: 0 })
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(read).toBeLessThanOrEqual(DEFAULT_BUFFERSIZE + 1)
      await results.return?.()
    })

    it('reads the whole input ahead with buffersize: Infinity', async () => {
      await using executor = new TestExecutor()
      let read = 0
      function* counted(): Generator<number> {
        for (let n = 0; n < 5_000; n++, read++) yield n
      }
      const results = executor.map((n: number) => n, counted(), { buffersize: Infinity })
      expect(read).toBe(5_000)
      await results.return?.()
    })

    it('yields results in input order (test_map)', async () => {
      await using executor = new TestExecutor()
      const pow = (n: number): number => n ** n
      await expect(collect(executor.map(pow, range(10)))).resolves.toEqual(range(10).map(pow))
      await expect(collect(executor.map(pow, range(10), { chunksize: 3 }))).resolves.toEqual(
        range(10).map(pow),
      )
    })

    it('calls the task for every slot of a sparse array, holes included, as for-of reads it', async () => {
      await using executor = new TestExecutor()
      // eslint-disable-next-line no-sparse-arrays
      const sparse = [1, , 3] as Array<number | undefined>
      const orHole = (n: number | undefined): number | string => n ?? 'hole'
      for (const chunksize of [1, 2, 3]) {
        await expect(collect(executor.map(orHole, sparse, { chunksize }))).resolves.toEqual([
          1,
          'hole',
          3,
        ])
      }
    })

    it('yields in input order even when later tasks finish first', async () => {
      await using executor = new TestExecutor(3)
      const { task, open } = gated()
      const results = collect(executor.map(task, [1, 2, 3]))
      await flush()
      open(3)
      await flush()
      open(2)
      await flush()
      open(1)
      await expect(results).resolves.toEqual([10, 20, 30])
    })

    it('yields nothing for an empty input', async () => {
      await using executor = new TestExecutor()
      await expect(collect(executor.map(double, []))).resolves.toEqual([])
      expect(executor.scheduled).toHaveLength(0)
    })

    it('submits every task during the call, before iteration (test_map_submits_without_iteration)', async () => {
      const executor = new TestExecutor()
      const finished: number[] = []
      const record = (n: number): void => {
        finished.push(n)
      }
      void executor.map(
        record,
        (function* () {
          yield* range(10)
        })(),
      )
      expect(executor.scheduled).toHaveLength(10)
      await executor.shutdown({ wait: true })
      expect(finished.sort((a, b) => a - b)).toEqual(range(10))
    })

    it('throws the first error at its position and then ends (test_map_exception)', async () => {
      await using executor = new RecordingExecutor()
      const results = executor.starmap(divmod, [
        [5, 2],
        [5, 3],
        [5, 0],
        [5, 5],
      ])
      await expect(results.next()).resolves.toEqual({ done: false, value: [2, 1] })
      await expect(results.next()).resolves.toEqual({ done: false, value: [1, 2] })
      await expect(results.next()).rejects.toBeInstanceOf(DivisionByZero)
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
    })

    it('throws an error at its position even when it happens before earlier results', async () => {
      await using executor = new TestExecutor(3)
      const { task, open, fail } = gated()
      const error = new Error('third failed')
      const seen: number[] = []
      const loop = (async () => {
        for await (const value of executor.map(task, [1, 2, 3])) seen.push(value)
      })()
      await flush()
      fail(3, error)
      await flush()
      expect(seen).toEqual([])
      open(1, 2)
      await expect(loop).rejects.toBe(error)
      expect(seen).toEqual([10, 20])
    })

    it('cancels what is still queued when a task fails', async () => {
      await using executor = new RecordingExecutor(1)
      const { task, open, fail, started } = gated()
      const results = executor.map(
        task,
        (function* () {
          yield* [1, 2, 3, 4]
        })(),
      )
      await flush()
      fail(1, new Error('first failed'))
      await expect(results.next()).rejects.toThrow('first failed')
      expect(
        executor
          .states()
          .slice(1)
          .filter((state) => state === 'cancelled'),
      ).not.toHaveLength(0)
      open(2, 3, 4)
      await executor.shutdown()
      expect(started.length).toBeLessThan(4)
      expect(executor.states().filter((state) => state === 'cancelled')).toHaveLength(
        4 - started.length,
      )
    })

    it.each([1, 2, 3, 4])(
      'yields the results before a failing item, then its error, whatever the chunksize (%i)',
      async (chunksize) => {
        await using executor = new TestExecutor()
        const results = executor.starmap(
          divmod,
          [
            [5, 2],
            [7, 3],
            [5, 0],
            [5, 5],
          ],
          { chunksize },
        )
        await expect(results.next()).resolves.toEqual({ done: false, value: [2, 1] })
        await expect(results.next()).resolves.toEqual({ done: false, value: [2, 1] })
        await expect(results.next()).rejects.toBeInstanceOf(DivisionByZero)
        await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      },
    )

    it('treats a TimeoutError thrown by the task as the task’s own (test_map_timeout_from_callable)', async () => {
      vi.useFakeTimers()
      try {
        await using executor = new TestExecutor()
        const own = new TimeoutError('the task’s own timeout')
        const timeoutOnOne = (n: number): number => {
          if (n === 1) throw own
          return n
        }
        for (const timeout of [undefined, 60_000]) {
          const results = executor.map(
            timeoutOnOne,
            (function* () {
              yield* [0, 1, 2, 3]
            })(),
            { timeout },
          )
          await expect(results.next()).resolves.toEqual({ done: false, value: 0 })
          await expect(results.next()).rejects.toBe(own)
        }
        expect(vi.getTimerCount()).toBe(0)
      } finally {
        vi.useRealTimers()
      }
    })

    it('ends once closed with return() (test_map_close)', async () => {
      await using executor = new TestExecutor()
      for (const chunksize of [1, 3]) {
        const results = executor.starmap(
          divmod,
          [
            [5, 2],
            [5, 0],
            [5, 3],
            [5, 5],
          ],
          { chunksize },
        )
        if (chunksize === 1) {
          await expect(results.next()).resolves.toEqual({ done: false, value: [2, 1] })
        }
        await expect(results.return!()).resolves.toEqual({ done: true, value: undefined })
        await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
        await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      }
    })

    it('ends with the error given to throw(), and cancels what is queued', async () => {
      await using executor = new RecordingExecutor(1)
      const { task, open } = gated()
      const results = executor.map(
        task,
        (function* () {
          yield* [1, 2, 3]
        })(),
      )
      const error = new Error('consumer gave up')
      await expect(results.throw!(error)).rejects.toBe(error)
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      open(1, 2, 3)
      await executor.shutdown()
      expect(executor.states().filter((state) => state === 'cancelled').length).toBeGreaterThan(0)
    })

    it('cancels what is still queued when the loop breaks', async () => {
      await using executor = new RecordingExecutor(1)
      const { task, started, open } = gated()
      open(1)
      const input = (function* () {
        yield* [1, 2, 3, 4, 5]
      })()
      for await (const value of executor.map(task, input)) {
        expect(value).toBe(10)
        break
      }
      expect(executor.futures).toHaveLength(5)
      expect(executor.states().slice(2)).toEqual(['cancelled', 'cancelled', 'cancelled'])
      open(2, 3, 4, 5)
      await executor.shutdown()
      expect(started.filter((n) => n > 2)).toEqual([])
    })

    it('stops reading the input when the loop breaks', async () => {
      await using executor = new TestExecutor()
      let closed = false
      function* input(): Generator<number> {
        try {
          yield* range(100)
        } finally {
          closed = true
        }
      }
      for await (const value of executor.map(double, input(), { buffersize: 2 })) {
        expect(value).toBe(0)
        break
      }
      await flush()
      expect(closed).toBe(true)
    })

    it('throws an error of the input itself at its position', async () => {
      await using executor = new TestExecutor()
      const error = new Error('input broke')
      function* input(): Generator<number> {
        yield 1
        yield 2
        throw error
      }
      const seen: number[] = []
      await expect(
        (async () => {
          for await (const value of executor.map(double, input())) seen.push(value)
        })(),
      ).rejects.toBe(error)
      expect(seen).toEqual([2, 4])
    })

    it('closes the input when an item is refused', async () => {
      await using executor = new TestExecutor()
      let closed = false
      function* input(): Generator<[number]> {
        try {
          yield [1]
          yield 'not a tuple' as unknown as [number]
          yield [3]
        } finally {
          closed = true
        }
      }
      const results = executor.starmap(double, input())
      await expect(results.next()).resolves.toEqual({ done: false, value: 2 })
      await expect(results.next()).rejects.toBeInstanceOf(TypeError)
      expect(closed).toBe(true)
    })

    it('throws from the call when a sync input fails before any work is accepted', async () => {
      await using executor = new TestExecutor()
      const error = new Error('input broke at once')
      // eslint-disable-next-line require-yield
      function* input(): Generator<number> {
        throw error
      }
      expect(() => executor.map(double, input())).toThrow(error)
      expect(executor.scheduled).toHaveLength(0)
    })

    describe('over an async iterable', () => {
      it('yields results in input order', async () => {
        await using executor = new TestExecutor()
        async function* input(): AsyncGenerator<number> {
          for (const n of range(6)) {
            await Promise.resolve()
            yield n
          }
        }
        await expect(collect(executor.map(double, input()))).resolves.toEqual([0, 2, 4, 6, 8, 10])
      })

      it('reads it lazily, one item at a time, as items arrive', async () => {
        await using executor = new TestExecutor()
        const items: Array<Deferred<number>> = range(3).map(() => deferred<number>())
        let pulled = 0
        async function* input(): AsyncGenerator<number> {
          for (const item of items) {
            pulled++
            yield await item.promise
          }
        }
        const results = executor.map(double, input())
        const first = results.next()
        await flush()
        expect(pulled).toBe(1)
        expect(executor.scheduled).toHaveLength(0)
        items[0]!.resolve(5)
        await expect(first).resolves.toEqual({ done: false, value: 10 })
        expect(pulled).toBe(2)
        items[1]!.resolve(6)
        items[2]!.resolve(7)
        await expect(collect(results)).resolves.toEqual([12, 14])
      })

      it('throws the input’s own error at its position', async () => {
        await using executor = new TestExecutor()
        const error = new Error('async input broke')
        async function* input(): AsyncGenerator<number> {
          yield 1
          throw error
        }
        const results = executor.map(double, input())
        await expect(results.next()).resolves.toEqual({ done: false, value: 2 })
        await expect(results.next()).rejects.toBe(error)
      })

      it('closes the input when the loop breaks', async () => {
        await using executor = new TestExecutor()
        let closed = false
        async function* input(): AsyncGenerator<number> {
          try {
            for (let n = 0; ; n++) yield n
          } finally {
            closed = true
          }
        }
        for await (const value of executor.map(double, input(), { buffersize: 3 })) {
          expect(value).toBe(0)
          break
        }
        await flush()
        expect(closed).toBe(true)
      })
    })

    describe('with ordered: false', () => {
      it('yields results as they complete', async () => {
        await using executor = new TestExecutor(3)
        const { task, open } = gated()
        const results = executor.map(task, [1, 2, 3], { ordered: false })
        await flush()
        open(3)
        await expect(results.next()).resolves.toEqual({ done: false, value: 30 })
        open(1)
        await expect(results.next()).resolves.toEqual({ done: false, value: 10 })
        open(2)
        await expect(collect(results)).resolves.toEqual([20])
      })

      it('throws an error as soon as it happens, and cancels what is queued', async () => {
        await using executor = new RecordingExecutor(2)
        const { task, fail, open } = gated()
        const results = executor.map(
          task,
          (function* () {
            yield* [1, 2, 3, 4]
          })(),
          { ordered: false },
        )
        await flush()
        const error = new Error('second failed')
        fail(2, error)
        await expect(results.next()).rejects.toBe(error)
        expect(executor.futures[0]!.done()).toBe(false)
        expect(executor.futures[3]!.cancelled()).toBe(true)
        open(1, 3)
        await executor.shutdown()
      })

      it('yields every result of chunks as each chunk completes', async () => {
        await using executor = new TestExecutor(2)
        const results = await collect(
          executor.map(double, range(8), { chunksize: 3, ordered: false }),
        )
        expect(results.sort((a, b) => a - b)).toEqual(range(8).map(double))
      })
    })
  })

  describe('map() chunksize', () => {
    it('sends chunksize items to the executor as one unit of work', async () => {
      await using executor = new TestExecutor()
      const input = (function* () {
        yield* range(10)
      })()
      await expect(collect(executor.map(double, input, { chunksize: 3 }))).resolves.toEqual(
        range(10).map(double),
      )
      expect(executor.scheduled.map(({ args, chunk }) => ({ args, chunk }))).toEqual([
        { args: [[0], [1], [2]], chunk: true },
        { args: [[3], [4], [5]], chunk: true },
        { args: [[6], [7], [8]], chunk: true },
        { args: [[9]], chunk: true },
      ])
    })

    it('chunks an array automatically by the executor’s default chunksize', async () => {
      await using executor = new TestExecutor(2)
      // TestExecutor's default: about four chunks per worker, so 13 items per chunk for 100.
      await expect(collect(executor.map(double, range(100)))).resolves.toEqual(
        range(100).map(double),
      )
      expect(executor.scheduled).toHaveLength(8)
      expect(executor.scheduled.every(({ chunk }) => chunk)).toBe(true)
      expect(executor.scheduled[0]!.args).toHaveLength(13)
      expect(executor.scheduled[7]!.args).toHaveLength(9)
    })

    it('chunks a Set, a Map and a typed array automatically', async () => {
      await using executor = new TestExecutor(1)
      const set = new Set(range(8))
      await expect(collect(executor.map(double, set))).resolves.toEqual(range(8).map(double))
      expect(executor.scheduled).toHaveLength(4)
      executor.scheduled.length = 0

      const map = new Map(range(8).map((n) => [n, n * 3] as [number, number]))
      await expect(
        collect(executor.starmap((k: number, v: number) => k + v, map)),
      ).resolves.toEqual(range(8).map((n) => n * 4))
      expect(executor.scheduled).toHaveLength(4)
      executor.scheduled.length = 0

      await expect(collect(executor.map(double, new Uint8Array(range(8))))).resolves.toEqual(
        range(8).map(double),
      )
      expect(executor.scheduled).toHaveLength(4)
    })

    it('sends the items of a generator one per task', async () => {
      await using executor = new TestExecutor(1)
      function* input(): Generator<number> {
        yield* range(8)
      }
      await expect(collect(executor.map(double, input()))).resolves.toEqual(range(8).map(double))
      expect(executor.scheduled).toHaveLength(8)
      expect(executor.scheduled.every(({ chunk }) => !chunk)).toBe(true)
      expect(executor.scheduled[3]!.args).toEqual([3])
    })

    it('sends the items of an async iterable one per task', async () => {
      await using executor = new TestExecutor(1)
      async function* input(): AsyncGenerator<number> {
        yield* range(4)
      }
      await collect(executor.map(double, input()))
      expect(executor.scheduled.map(({ chunk }) => chunk)).toEqual([false, false, false, false])
    })

    it('lets an explicit chunksize win over the automatic one', async () => {
      await using executor = new TestExecutor(1)
      await collect(executor.map(double, range(8), { chunksize: 1 }))
      expect(executor.scheduled).toHaveLength(8)
      expect(executor.scheduled.every(({ chunk }) => !chunk)).toBe(true)
    })

    it('chunks an async iterable when asked to', async () => {
      await using executor = new TestExecutor(1)
      async function* input(): AsyncGenerator<number> {
        yield* range(5)
      }
      await expect(collect(executor.map(double, input(), { chunksize: 2 }))).resolves.toEqual(
        range(5).map(double),
      )
      expect(executor.scheduled.map(({ args }) => args)).toEqual([[[0], [1]], [[2], [3]], [[4]]])
    })

    it('counts chunks, not items, against buffersize', async () => {
      await using executor = new TestExecutor(1)
      let pulled = 0
      function* input(): Generator<number> {
        for (let n = 0; ; n++) {
          pulled++
          yield n
        }
      }
      const results = executor.map(double, input(), { chunksize: 4, buffersize: 2 })
      expect(pulled).toBe(8)
      expect(executor.scheduled).toHaveLength(2)
      await expect(results.next()).resolves.toEqual({ done: false, value: 0 })
      await results.return!()
    })
  })

  describe('map() buffersize', () => {
    it('yields every result for buffersize 1, 2, n and 2n (test_map_buffersize)', async () => {
      await using executor = new TestExecutor()
      for (const buffersize of [1, 2, 4, 8]) {
        await expect(collect(executor.map(String, range(4), { buffersize }))).resolves.toEqual([
          '0',
          '1',
          '2',
          '3',
        ])
      }
    })

    it('maps several zipped inputs (test_map_buffersize_on_multiple_iterables)', async () => {
      await using executor = new TestExecutor()
      for (const buffersize of [1, 2, 4, 8]) {
        const pairs = range(4).map((n) => [n, n] as [number, number])
        await expect(
          collect(executor.starmap((a: number, b: number) => a + b, pairs, { buffersize })),
        ).resolves.toEqual([0, 2, 4, 6])
      }
    })

    it('reads an infinite input only buffersize ahead (test_map_buffersize_on_infinite_iterable)', async () => {
      await using executor = new TestExecutor()
      let pulled = 0
      let closed = false
      function* count(): Generator<number> {
        try {
          for (let n = 0; ; n++) {
            pulled++
            yield n
          }
        } finally {
          closed = true
        }
      }
      const taken: string[] = []
      for await (const value of executor.map(String, count(), { buffersize: 2 })) {
        taken.push(value)
        expect(pulled).toBeLessThanOrEqual(taken.length + 2)
        if (taken.length === 3) break
      }
      expect(taken).toEqual(['0', '1', '2'])
      expect(pulled).toBeLessThanOrEqual(3 + 2)
      await flush()
      expect(closed).toBe(true)
      expect(pulled).toBeLessThanOrEqual(3 + 2)
    })

    it('maps two infinite inputs zipped (test_map_buffersize_on_multiple_infinite_iterables)', async () => {
      await using executor = new TestExecutor()
      function* zipCounts(): Generator<[number, number]> {
        for (let n = 0; ; n++) yield [n, n]
      }
      const results = executor.starmap((a: number, b: number) => a + b, zipCounts(), {
        buffersize: 2,
      })
      await expect(results.next()).resolves.toEqual({ done: false, value: 0 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 2 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 4 })
      await results.return!()
    })

    it('reads only buffersize items before any result is taken (test_map_buffersize_when_buffer_is_full)', async () => {
      const executor = new TestExecutor()
      const ints = range(4)[Symbol.iterator]()
      void executor.map(String, ints, { buffersize: 2 })
      await executor.shutdown({ wait: true })
      expect(ints.next()).toEqual({ done: false, value: 2 })
    })

    it('yields nothing for an empty input (test_map_buffersize_on_empty_iterable)', async () => {
      await using executor = new TestExecutor()
      await expect(executor.map(String, [], { buffersize: 2 }).next()).resolves.toEqual({
        done: true,
        value: undefined,
      })
    })

    it('reads an async input only buffersize ahead', async () => {
      await using executor = new TestExecutor()
      let pulled = 0
      async function* count(): AsyncGenerator<number> {
        for (let n = 0; ; n++) {
          pulled++
          yield n
        }
      }
      const results = executor.map(double, count(), { buffersize: 3 })
      await flush()
      expect(pulled).toBe(3)
      const taken = []
      for (let i = 0; i < 5; i++) taken.push((await results.next()).value)
      await flush()
      expect(taken).toEqual([0, 2, 4, 6, 8])
      expect(pulled).toBeLessThanOrEqual(5 + 3)
      await results.return!()
    })

    it('accepts Infinity, which reads the whole input at once', async () => {
      await using executor = new TestExecutor()
      const input = (function* () {
        yield* range(20)
      })()
      const results = executor.map(double, input, { buffersize: Infinity })
      expect(executor.scheduled).toHaveLength(20)
      await expect(collect(results)).resolves.toHaveLength(20)
    })
  })

  describe('map() timeout', () => {
    beforeEach(() => {
      vi.useFakeTimers()
    })
    afterEach(() => {
      vi.useRealTimers()
    })

    it('throws TimeoutError after the results that were ready in time (test_map_timeout)', async () => {
      await using executor = new TestExecutor(3)
      const { task, open } = gated()
      open(0, 1)
      const results: number[] = []
      const loop = (async () => {
        for await (const value of executor.map(task, [0, 1, 6], { timeout: 5_000 })) {
          results.push(value)
        }
      })()
      const assertion = expect(loop).rejects.toBeInstanceOf(TimeoutError)
      await vi.advanceTimersByTimeAsync(5_000)
      await assertion
      expect(results).toEqual([0, 10])
      open(6)
      expect(vi.getTimerCount()).toBe(0)
    })

    it('ends after the timeout: later next() calls are done (test_map_timeout)', async () => {
      await using executor = new TestExecutor(1)
      const { task, open } = gated()
      const results = executor.map(task, [0, 1], { timeout: 1_000 })
      const first = results.next()
      const assertion = expect(first).rejects.toThrow(
        new TimeoutError('map did not finish within its timeout'),
      )
      await vi.advanceTimersByTimeAsync(1_000)
      await assertion
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      open(0, 1)
    })

    it('counts from the call, not from the first next()', async () => {
      await using executor = new TestExecutor()
      const { task, open } = gated()
      const results = executor.map(task, [1], { timeout: 1_000 })
      await vi.advanceTimersByTimeAsync(600)
      const first = results.next()
      let settled = false
      void first.then(
        () => (settled = true),
        () => (settled = true),
      )
      await vi.advanceTimersByTimeAsync(399)
      expect(settled).toBe(false)
      const assertion = expect(first).rejects.toBeInstanceOf(TimeoutError)
      await vi.advanceTimersByTimeAsync(1)
      await assertion
      open(1)
    })

    it('still yields a result that is ready when the time is up', async () => {
      await using executor = new TestExecutor()
      const results = executor.map(double, [1, 2], { timeout: 1_000 })
      await vi.advanceTimersByTimeAsync(5_000)
      await expect(results.next()).resolves.toEqual({ done: false, value: 2 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 4 })
    })

    it('cancels what is still queued when it times out (test_executor_map_current_future_cancel)', async () => {
      await using executor = new TestExecutor(1)
      const log: string[] = []
      const stop = deferred()
      const logAndWait = async (ident: string): Promise<void> => {
        log.push(`${ident} started`)
        try {
          await stop.promise
        } finally {
          log.push(`${ident} stopped`)
        }
      }
      const first = executor.submit(logAndWait, 'first')
      try {
        const results = executor.map(logAndWait, ['second', 'third'], { timeout: 0 })
        const assertion = expect(results.next()).rejects.toBeInstanceOf(TimeoutError)
        await vi.advanceTimersByTimeAsync(0)
        await assertion
        await results.return!()
      } finally {
        stop.resolve()
      }
      await first
      await executor.shutdown()
      expect(log).toEqual(['first started', 'first stopped'])
    })

    it('leaves no timer behind once the map ends', async () => {
      await using executor = new TestExecutor()
      await expect(collect(executor.map(double, [1, 2, 3], { timeout: 60_000 }))).resolves.toEqual([
        2, 4, 6,
      ])
      expect(vi.getTimerCount()).toBe(0)
    })

    it('sets no timer without a timeout or with Infinity', async () => {
      await using executor = new TestExecutor()
      const { task, open } = gated()
      const results = executor.map(task, [1], { timeout: Infinity })
      const first = results.next()
      await vi.advanceTimersByTimeAsync(0)
      expect(vi.getTimerCount()).toBe(0)
      open(1)
      await expect(first).resolves.toEqual({ done: false, value: 10 })
    })
  })

  describe('map() signal', () => {
    it('rejects with signal.reason when the signal aborts, and cancels what is queued', async () => {
      await using executor = new RecordingExecutor(1)
      const { task, open } = gated()
      const controller = new AbortController()
      const results = executor.map(
        task,
        (function* () {
          yield* [1, 2, 3]
        })(),
        { signal: controller.signal },
      )
      const first = results.next()
      await flush()
      const reason = new Error('user aborted')
      controller.abort(reason)
      await expect(first).rejects.toBe(reason)
      expect(executor.states()).toEqual(['running', 'cancelled', 'cancelled'])
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
      open(1)
    })

    it('rejects with signal.reason and starts no task when the signal is already aborted', async () => {
      await using executor = new TestExecutor()
      const task = vi.fn(double)
      const reason = new Error('aborted before')
      const results = executor.map(task, [1, 2, 3], { signal: AbortSignal.abort(reason) })
      await expect(results.next()).rejects.toBe(reason)
      await flush()
      expect(task).not.toHaveBeenCalled()
      await expect(results.next()).resolves.toEqual({ done: true, value: undefined })
    })

    it('passes the signal on to every unit of work it schedules', async () => {
      await using executor = new TestExecutor()
      const { signal } = new AbortController()
      await collect(executor.map(double, [1, 2, 3], { signal, chunksize: 2 }))
      expect(executor.scheduled.map(({ options }) => options.signal)).toEqual([signal, signal])
    })

    it('removes its abort listeners once the map ends', async () => {
      await using executor = new TestExecutor()
      const controller = new AbortController()
      await collect(executor.map(double, range(5), { signal: controller.signal }))
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    })

    it('rejects with the reason even when it is not an Error', async () => {
      await using executor = new TestExecutor()
      const { task, open } = gated()
      const controller = new AbortController()
      const results = executor.map(task, [1], { signal: controller.signal })
      const first = results.next()
      controller.abort('a plain string')
      await expect(first).rejects.toBe('a plain string')
      open(1)
    })
  })

  describe('starmap()', () => {
    it('spreads each item as the task’s arguments', async () => {
      await using executor = new TestExecutor()
      const results = executor.starmap(
        (a: number, b: string) => `${b}${a}`,
        [
          [1, 'a'],
          [2, 'b'],
        ],
      )
      await expect(collect(results)).resolves.toEqual(['a1', 'b2'])
    })

    it('throws a TypeError from the call when the first item is not an array', () => {
      const executor = new TestExecutor()
      expect(() => executor.starmap(double, [3 as unknown as [number]])).toThrow(
        new TypeError(
          'Expected every item of a starmap input to be an array of arguments, got `3` (number)',
        ),
      )
    })

    it('throws a TypeError at the position of a later item that is not an array', async () => {
      await using executor = new TestExecutor()
      const input = [[1], 'oops', [3]] as unknown as Array<[number]>
      const results = executor.starmap(double, input)
      await expect(results.next()).resolves.toEqual({ done: false, value: 2 })
      await expect(results.next()).rejects.toThrow(
        new TypeError(
          "Expected every item of a starmap input to be an array of arguments, got `'oops'` (string)",
        ),
      )
    })

    it('chunks its tuples like map', async () => {
      await using executor = new TestExecutor()
      const pairs = range(4).map((n) => [n, 1] as [number, number])
      await collect(executor.starmap((a: number, b: number) => a + b, pairs, { chunksize: 2 }))
      expect(executor.scheduled.map(({ args, chunk }) => ({ args, chunk }))).toEqual([
        {
          args: [
            [0, 1],
            [1, 1],
          ],
          chunk: true,
        },
        {
          args: [
            [2, 1],
            [3, 1],
          ],
          chunk: true,
        },
      ])
    })
  })

  describe('with()', () => {
    it('gives its options to every submission through the view', async () => {
      await using executor = new TestExecutor()
      const { signal } = new AbortController()
      const buffer = new ArrayBuffer(8)
      const view = executor.with({ signal, priority: 3, timeout: 500, transfer: [buffer] })
      await view.submit(double, 1)
      await collect(view.map(double, [1, 2], { chunksize: 2 }))
      await collect(view.starmap(double, [[1]]))
      expect(executor.scheduled.map(({ options }) => options)).toEqual([
        { signal, priority: 3, timeout: 500, transfer: [buffer] },
        { signal, priority: 3, timeout: 500, transfer: [buffer] },
        { signal, priority: 3, timeout: 500, transfer: [buffer] },
      ])
    })

    it('leaves the executor itself without those options', async () => {
      await using executor = new TestExecutor()
      executor.with({ priority: 9 })
      await executor.submit(double, 1)
      expect(executor.scheduled[0]!.options).toEqual({})
    })

    it('merges nested views: inner timeout and priority win, transfers add up', async () => {
      await using executor = new TestExecutor()
      const a = new ArrayBuffer(1)
      const b = new ArrayBuffer(2)
      const view = executor
        .with({ priority: 1, timeout: 100, transfer: [a] })
        .with({ priority: 5, transfer: [b] })
      await view.submit(double, 1)
      expect(executor.scheduled[0]!.options).toEqual({
        priority: 5,
        timeout: 100,
        transfer: [a, b],
      })
    })

    it('merges signals: the unit’s signal aborts when either aborts, with its reason', async () => {
      await using executor = new TestExecutor()
      const outer = new AbortController()
      const inner = new AbortController()
      await executor.with({ signal: outer.signal }).with({ signal: inner.signal }).submit(double, 1)
      const merged = executor.scheduled[0]!.options.signal!
      expect(merged.aborted).toBe(false)
      outer.abort('outer')
      expect(merged.aborted).toBe(true)
      expect(merged.reason).toBe('outer')
    })

    it('merges a view’s signal with a map’s signal', async () => {
      await using executor = new TestExecutor()
      const viewController = new AbortController()
      const mapController = new AbortController()
      await collect(
        executor.with({ signal: viewController.signal }).map(double, [1], {
          signal: mapController.signal,
        }),
      )
      const merged = executor.scheduled[0]!.options.signal!
      mapController.abort('map')
      expect(merged.reason).toBe('map')
      expect(viewController.signal.aborted).toBe(false)
    })

    it('shares the executor: the view’s map uses the executor’s default chunksize', async () => {
      await using executor = new TestExecutor(1)
      await collect(executor.with({ priority: 1 }).map(double, range(8)))
      expect(executor.scheduled).toHaveLength(4)
    })

    it('shuts the executor down when the view is shut down', async () => {
      const executor = new TestExecutor()
      const view = executor.with({ priority: 1 })
      await view.shutdown()
      expect(() => executor.submit(double, 1)).toThrow(ShutdownError)
      expect(() => view.submit(double, 1)).toThrow(ShutdownError)
    })

    it('throws TypeError/RangeError naming the option for invalid options', () => {
      const executor = new TestExecutor()
      expect(() => executor.with({ timeout: -1 })).toThrow(
        new RangeError(
          'Expected `timeout` to be a number of milliseconds from 0 and up, got `-1` (number)',
        ),
      )
      expect(() => executor.with({ priority: Number.NaN })).toThrow(
        new RangeError('Expected `priority` to be a finite number, got `NaN` (number)'),
      )
      expect(() => executor.with({ signal: 'abort' as unknown as AbortSignal })).toThrow(
        new TypeError("Expected `signal` to be an AbortSignal, got `'abort'` (string)"),
      )
      expect(() => executor.with({ transfer: 'x' as unknown as [] })).toThrow(
        new TypeError("Expected `transfer` to be an array, got `'x'` (string)"),
      )
      expect(() => executor.with(null as never)).toThrow(
        new TypeError('Expected task options to be an object, got `null` (null)'),
      )
    })
  })

  describe('map() and starmap() validation', () => {
    const executor = new TestExecutor()
    afterAll(() => executor.shutdown())

    it('throws a RangeError naming `chunksize` for a chunksize that is not an integer from 1', () => {
      expect(() => executor.map(double, [1], { chunksize: 0 })).toThrow(
        new RangeError('Expected `chunksize` to be an integer from 1 and up, got `0` (number)'),
      )
      expect(() => executor.map(double, [1], { chunksize: 1.5 })).toThrow(RangeError)
      expect(() => executor.map(double, [1], { chunksize: Infinity })).toThrow(RangeError)
    })

    it('throws a TypeError naming `chunksize` for a chunksize that is not a number', () => {
      expect(() => executor.map(double, [1], { chunksize: '2' as unknown as number })).toThrow(
        new TypeError("Expected `chunksize` to be an integer from 1 and up, got `'2'` (string)"),
      )
    })

    it('throws a RangeError naming `buffersize` for 0 or less (test_map_buffersize_value_validation)', () => {
      for (const buffersize of [0, -1]) {
        expect(() => executor.map(double, [1], { buffersize })).toThrow(
          new RangeError(
            `Expected \`buffersize\` to be an integer from 1 and up (or Infinity), got \`${buffersize}\` (number)`,
          ),
        )
      }
      expect(() => executor.map(double, [1], { buffersize: 2.5 })).toThrow(RangeError)
    })

    it('throws a TypeError naming `buffersize` for a value that is not a number (test_map_buffersize_type_validation)', () => {
      expect(() => executor.map(double, [1], { buffersize: 'foo' as unknown as number })).toThrow(
        new TypeError(
          "Expected `buffersize` to be an integer from 1 and up (or Infinity), got `'foo'` (string)",
        ),
      )
    })

    it('throws naming `timeout` and `signal` for invalid values', () => {
      expect(() => executor.map(double, [1], { timeout: -5 })).toThrow(
        new RangeError(
          'Expected `timeout` to be a number of milliseconds from 0 and up, got `-5` (number)',
        ),
      )
      expect(() => executor.starmap(double, [[1]], { signal: {} as AbortSignal })).toThrow(
        new TypeError('Expected `signal` to be an AbortSignal, got `[object Object]` (object)'),
      )
    })

    it('throws a TypeError for options that are not an object', () => {
      expect(() => executor.map(double, [1], null as never)).toThrow(
        new TypeError('Expected map options to be an object, got `null` (null)'),
      )
    })

    it('schedules nothing when the options are invalid', () => {
      expect(executor.scheduled).toHaveLength(0)
    })
  })

  describe('shutdown and [Symbol.asyncDispose]', () => {
    it('`await using` shuts the executor down once its tasks are done (test_context_manager_shutdown)', async () => {
      const finished: number[] = []
      let executor!: TestExecutor
      {
        await using e = new TestExecutor(5)
        executor = e
        expect(
          await collect(
            e.map(
              Math.abs,
              range(10).map((n) => n - 5),
            ),
          ),
        ).toEqual([5, 4, 3, 2, 1, 0, 1, 2, 3, 4])
        void e.submit(async () => {
          await Promise.resolve()
          finished.push(1)
        })
      }
      expect(finished).toEqual([1])
      expect(() => executor.submit(double, 1)).toThrow(ShutdownError)
    })

    it('throws ShutdownError synchronously from submit() after shutdown (test_run_after_shutdown)', async () => {
      const executor = new TestExecutor()
      await executor.shutdown()
      expect(() => executor.submit(double, 2)).toThrow(ShutdownError)
      expect(() => executor.submit(double, 2)).toThrow('cannot submit after shutdown')
    })

    it('throws ShutdownError synchronously from map() and starmap() after shutdown', async () => {
      const executor = new TestExecutor()
      await executor.shutdown()
      expect(() => executor.map(double, [1, 2])).toThrow(ShutdownError)
      expect(() => executor.map(double, [1, 2], { buffersize: 1 })).toThrow(ShutdownError)
      expect(() => executor.starmap(double, [[1]], { chunksize: 1 })).toThrow(ShutdownError)
      expect(() => executor.with({}).map(double, [1])).toThrow(ShutdownError)
    })

    it('rejects the first next() with ShutdownError for an async input after shutdown', async () => {
      const executor = new TestExecutor()
      await executor.shutdown()
      async function* input(): AsyncGenerator<number> {
        yield 1
      }
      await expect(executor.map(double, input()).next()).rejects.toBeInstanceOf(ShutdownError)
    })

    it('throws ShutdownError at its position when the executor shuts down mid-map', async () => {
      const executor = new TestExecutor()
      let closed = false
      function* count(): Generator<number> {
        try {
          for (let n = 0; ; n++) yield n
        } finally {
          closed = true
        }
      }
      const results = executor.map(double, count(), { buffersize: 1 })
      await expect(results.next()).resolves.toEqual({ done: false, value: 0 })
      await executor.shutdown()
      await expect(
        (async () => {
          for (;;) if ((await results.next()).done === true) return
        })(),
      ).rejects.toBeInstanceOf(ShutdownError)
      expect(closed).toBe(true)
    })

    it('waits for every submitted task (test_hang_issue12364)', async () => {
      const executor = new TestExecutor(2)
      const futures = range(20).map((n) =>
        executor.submit(async () => {
          await new Promise<void>((resolve) => setImmediate(resolve))
          return n
        }),
      )
      await executor.shutdown()
      expect(futures.every((future) => future.done())).toBe(true)
      await expect(Promise.all(futures)).resolves.toEqual(range(20))
    })

    it('returns without waiting with { wait: false }; the tasks still finish', async () => {
      const executor = new TestExecutor(1)
      const { task, open } = gated()
      const future = executor.submit(task, 1)
      await executor.shutdown({ wait: false })
      expect(future.done()).toBe(false)
      open(1)
      await expect(future).resolves.toBe(10)
    })

    it('cancels what has not started with { cancelFutures: true } (test_cancel_futures)', async () => {
      const executor = new TestExecutor(2)
      const { task, open } = gated()
      const futures = range(10).map((n) => executor.submit(task, n))
      await flush()
      const shutdown = executor.shutdown({ cancelFutures: true })
      open(...range(10))
      await shutdown
      const cancelled = futures.filter((future) => future.cancelled())
      const others = futures.filter((future) => !future.cancelled())
      expect(cancelled).toHaveLength(8)
      expect(others).toHaveLength(2)
      for (const future of others) {
        expect(future.done()).toBe(true)
        await expect(future.exception()).resolves.toBeUndefined()
      }
    })

    it('does not hang after a submission is cancelled right before shutdown (test_hang_gh94440)', async () => {
      const executor = new TestExecutor(1)
      await executor.submit(() => 0)
      expect(executor.submit(() => 0).cancel()).toBe(true)
      await expect(executor.shutdown({ wait: true })).resolves.toBeUndefined()
    })

    it('is idempotent', async () => {
      const executor = new TestExecutor()
      await executor.shutdown()
      await executor.shutdown()
      await executor[Symbol.asyncDispose]()
      await executor[Symbol.asyncDispose]()
      expect(() => executor.submit(double, 1)).toThrow(ShutdownError)
    })

    it('does not cancel a running task, and its future still settles', async () => {
      const executor = new TestExecutor(1)
      const { task, open } = gated()
      const future = executor.submit(task, 4)
      await flush()
      const shutdown = executor.shutdown({ cancelFutures: true })
      expect(future.running()).toBe(true)
      open(4)
      await shutdown
      await expect(future).resolves.toBe(40)
    })

    it('lets a cancelled map future reject with CancelledError', async () => {
      await using executor = new RecordingExecutor(1)
      const { task, open } = gated()
      const results = executor.map(
        task,
        (function* () {
          yield* [1, 2]
        })(),
      )
      await results.return!()
      await expect(executor.futures[1]!.result()).rejects.toBeInstanceOf(CancelledError)
      open(1)
    })
  })
})
