/**
 * executeMap and executeStarmap on virtual time: ordering, the bound on work in flight, the
 * waiting buffer and its overflow policies, errors and cancellation. Chunks run through a real
 * (in-process) executor's `map`, so those tests are asynchronous. Real workers are in
 * cancellation.test.ts.
 */
import {
  firstValueFrom,
  from,
  ignoreElements,
  interval,
  lastValueFrom,
  range,
  tap,
  toArray,
  type OperatorFunction,
} from 'rxjs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { ShutdownError } from '@concurrent/future'
import { TestExecutor } from '@concurrent/test-utils'

import { BufferOverflowError, executeMap, executeStarmap } from '../src/index.js'
import { testScheduler } from './fixtures/marbles.js'
import { VirtualExecutor } from './fixtures/virtual-executor.js'

/** Each task takes as many milliseconds as its input says. */
const byValue = { duration: (n: number) => n }
const double = (n: number): number => n * 2
const failOn13 = (n: number): number => {
  if (n === 13) throw new RangeError('unlucky 13')
  return n
}

describe('executeMap', () => {
  it('emits results in source order when ordered (the default)', () => {
    const executor = new VirtualExecutor(byValue)
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abc|', { a: 30, b: 10, c: 20 })
      expectObservable(source.pipe(executeMap(executor, double, { concurrency: 3 }))).toBe(
        '30ms (xyz|)',
        { x: 60, y: 20, z: 40 },
      )
    })
  })

  it('emits results as they finish with ordered: false', () => {
    const executor = new VirtualExecutor(byValue)
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abc|', { a: 30, b: 10, c: 20 })
      const mapped = source.pipe(executeMap(executor, double, { concurrency: 3, ordered: false }))
      expectObservable(mapped).toBe('11ms y 10ms z 7ms (x|)', { x: 60, y: 20, z: 40 })
    })
  })

  it('never has more than `concurrency` tasks in flight', () => {
    const executor = new VirtualExecutor({ duration: () => 10 })
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abcdef|', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 })
      const mapped = source.pipe(executeMap(executor, double, { concurrency: 2, ordered: false }))
      expectObservable(mapped).toBe('10ms ab 8ms cd 8ms e(f|)', {
        a: 2,
        b: 4,
        c: 6,
        d: 8,
        e: 10,
        f: 12,
      })
    })
    expect(executor.maxUnfinished).toBe(2)
  })

  it("defaults `concurrency` to the executor's maxWorkers", () => {
    const executor = new VirtualExecutor({ maxWorkers: 3, duration: () => 5 })
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('(abcdefg|)', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 })
      expectObservable(source.pipe(executeMap(executor, double), toArray())).toBe('15ms (a|)', {
        a: [2, 4, 6, 8, 10, 12, 14],
      })
    })
    expect(executor.maxUnfinished).toBe(3)
  })

  it('holds a slot until its result is emitted when ordered, so results cannot pile up', () => {
    const executor = new VirtualExecutor(byValue)
    testScheduler().run(({ cold, expectObservable }) => {
      // b finishes at 6 but waits for a; c gets a slot only once a and b are emitted.
      const source = cold('abc|', { a: 20, b: 5, c: 5 })
      expectObservable(source.pipe(executeMap(executor, double, { concurrency: 2 }))).toBe(
        '20ms (xy) 1ms (z|)',
        { x: 40, y: 10, z: 10 },
      )
    })
    expect(executor.log.filter((entry) => entry.startsWith('start'))).toEqual([
      'start 20',
      'start 5',
      'start 5',
    ])
  })

  it('completes only after every result is emitted', () => {
    const executor = new VirtualExecutor(byValue)
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a|', { a: 10 }).pipe(executeMap(executor, double))).toBe('10ms (x|)', {
        x: 20,
      })
      expectObservable(cold<number>('|').pipe(executeMap(executor, double))).toBe('|')
    })
  })

  it('errors at its position when ordered: results before it first, work after it interrupted', () => {
    const executor = new VirtualExecutor(byValue)
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abc', { a: 30, b: 13, c: 40 })
      const mapped = source.pipe(executeMap(executor, failOn13, { concurrency: 3 }))
      expectObservable(mapped).toBe('30ms (a#)', { a: 30 }, new RangeError('unlucky 13'))
    })
    // c was interrupted as soon as b failed (at 14); a, before it, ran to the end.
    expect(executor.log).toEqual([
      'start 30',
      'start 13',
      'start 40',
      'fail 13',
      'interrupt 40',
      'done 30',
    ])
  })

  it('errors at once with ordered: false and interrupts the work in flight', () => {
    const executor = new VirtualExecutor(byValue)
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abc', { a: 30, b: 13, c: 40 })
      const mapped = source.pipe(executeMap(executor, failOn13, { concurrency: 3, ordered: false }))
      expectObservable(mapped).toBe('14ms #', undefined, new RangeError('unlucky 13'))
    })
    expect(executor.log.filter((entry) => entry.startsWith('interrupt'))).toEqual([
      'interrupt 40', // newest first
      'interrupt 30',
    ])
  })

  it("passes the source's error on at once and interrupts the work in flight", () => {
    const executor = new VirtualExecutor(byValue)
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a--#', { a: 10 }, new Error('source failed'))
      expectObservable(source.pipe(executeMap(executor, double))).toBe(
        '---#',
        undefined,
        new Error('source failed'),
      )
    })
    expect(executor.log).toEqual(['start 10', 'interrupt 10'])
  })

  it('on unsubscribe, interrupts running tasks, cancels queued ones and stops reading', () => {
    const executor = new VirtualExecutor({ maxWorkers: 1, duration: () => 10 })
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ab------c', { a: 1, b: 2, c: 3 })
      const mapped = source.pipe(executeMap(executor, double, { concurrency: 2 }))
      expectObservable(mapped, '----!').toBe('----')
      expectSubscriptions(source.subscriptions).toBe('^---!')
    })
    // The queued task first, so that interrupting the running one does not start it.
    expect(executor.log).toEqual(['start 1', 'cancel 2', 'interrupt 1'])
    expect(executor.unfinished).toBe(0)
  })

  it("lets running tasks finish on unsubscribe with onUnsubscribe: 'cancel'", () => {
    const executor = new VirtualExecutor({ maxWorkers: 1, duration: () => 10 })
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab', { a: 1, b: 2 })
      const mapped = source.pipe(
        executeMap(executor, double, { concurrency: 2, onUnsubscribe: 'cancel' }),
      )
      expectObservable(mapped, '----!').toBe('----')
    })
    expect(executor.log).toEqual(['start 1', 'cancel 2', 'done 1'])
  })

  describe('when the source outpaces the tasks', () => {
    const source = { a: 1, b: 2, c: 3, d: 4 }

    it("errors with BufferOverflowError past `buffersize` (overflow: 'error', the default)", () => {
      const executor = new VirtualExecutor({ duration: () => 10 })
      testScheduler().run(({ cold, expectObservable }) => {
        const mapped = cold('abcd|', source).pipe(
          executeMap(executor, double, { concurrency: 1, buffersize: 1 }),
        )
        expectObservable(mapped).toBe('--#', undefined, new BufferOverflowError(1))
      })
      expect(executor.log).toEqual(['start 1', 'interrupt 1'])
    })

    it("drops the new value with overflow: 'drop-newest'", () => {
      const executor = new VirtualExecutor({ duration: () => 10 })
      testScheduler().run(({ cold, expectObservable }) => {
        const mapped = cold('abcd|', source).pipe(
          executeMap(executor, double, { concurrency: 1, buffersize: 1, overflow: 'drop-newest' }),
        )
        expectObservable(mapped).toBe('10ms x 9ms (y|)', { x: 2, y: 4 })
      })
    })

    it("drops the longest-waiting value with overflow: 'drop-oldest'", () => {
      const executor = new VirtualExecutor({ duration: () => 10 })
      testScheduler().run(({ cold, expectObservable }) => {
        const mapped = cold('abcd|', source).pipe(
          executeMap(executor, double, { concurrency: 1, buffersize: 1, overflow: 'drop-oldest' }),
        )
        expectObservable(mapped).toBe('10ms x 9ms (y|)', { x: 2, y: 8 })
      })
    })

    it('keeps nothing waiting with buffersize: 0 (exhaustMap-like with drop-newest)', () => {
      const executor = new VirtualExecutor({ duration: () => 10 })
      testScheduler().run(({ cold, expectObservable }) => {
        const mapped = cold('abcd|', source).pipe(
          executeMap(executor, double, { concurrency: 1, buffersize: 0, overflow: 'drop-newest' }),
        )
        expectObservable(mapped).toBe('10ms (x|)', { x: 2 })
      })
    })

    it('stops a synchronous endless source when the buffer overflows', async () => {
      const executor = new VirtualExecutor({ duration: () => 1_000 })
      const mapped = range(0, Infinity).pipe(
        executeMap(executor, double, { concurrency: 4, buffersize: 100 }),
      )
      await expect(firstValueFrom(mapped)).rejects.toBeInstanceOf(BufferOverflowError)
      expect(executor.maxUnfinished).toBe(4)
      expect(executor.unfinished).toBe(0)
    })

    it('keeps only `buffersize` values waiting under a burst, with a lossy overflow', () => {
      const executor = new VirtualExecutor({ duration: () => 10 })
      testScheduler().run(({ expectObservable }) => {
        const mapped = range(0, 1000).pipe(
          executeMap(executor, (n: number) => n, {
            concurrency: 4,
            buffersize: 8,
            overflow: 'drop-oldest',
          }),
        )
        // 4 start at once, the last 8 of the burst wait, the 988 between are dropped.
        expectObservable(mapped).toBe('10ms (abcd) 4ms (efgh) 4ms (ijkl|)', {
          a: 0,
          b: 1,
          c: 2,
          d: 3,
          e: 992,
          f: 993,
          g: 994,
          h: 995,
          i: 996,
          j: 997,
          k: 998,
          l: 999,
        })
      })
      expect(executor.maxUnfinished).toBe(4)
    })

    it('keeps memory flat under a fast endless source', () => {
      const executor = new VirtualExecutor({ duration: () => 10 })
      let produced = 0
      let results = 0
      testScheduler().run(({ expectObservable }) => {
        const source = interval(1).pipe(tap(() => produced++))
        const mapped = source.pipe(
          executeMap(executor, (n: number) => n, {
            concurrency: 4,
            buffersize: 8,
            overflow: 'drop-oldest',
          }),
          tap(() => results++),
          ignoreElements(),
        )
        expectObservable(mapped, '1000ms !').toBe('')
      })
      expect(produced).toBeGreaterThan(900)
      expect(results).toBeLessThan(450) // 4 slots, 10 ms a task: about 400 in 1 s
      expect(executor.maxUnfinished).toBe(4)
      expect(executor.unfinished).toBe(0)
    })
  })

  it('errors with ShutdownError when the executor is shut down', () => {
    const executor = new VirtualExecutor()
    executor.shutdown()
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a', { a: 1 }).pipe(executeMap(executor, double))).toBe(
        '#',
        undefined,
        new ShutdownError(),
      )
    })
  })

  it('sends waiting values as chunks of up to `chunksize` through the executor', async () => {
    const executor = new TestExecutor(2)
    const values = Array.from({ length: 10 }, (_, i) => i + 1)
    const mapped = from(values).pipe(executeMap(executor, double, { concurrency: 2, chunksize: 4 }))
    await expect(lastValueFrom(mapped.pipe(toArray()))).resolves.toEqual(values.map(double))
    // The first two values found free slots at once; the burst behind them went as chunks.
    expect(executor.scheduled.map(({ args, chunk }) => [args.length, chunk])).toEqual([
      [1, false],
      [1, false],
      [4, true],
      [4, true],
    ])
    await executor.shutdown()
  })

  it('fails a whole chunk on one failing value, after the results before it', async () => {
    const executor = new TestExecutor(1)
    const seen: number[] = []
    const mapped = from([1, 2, 11, 12, 13, 14]).pipe(
      executeMap(executor, failOn13, { concurrency: 1, chunksize: 5 }),
    )
    const error = await new Promise((resolve) =>
      mapped.subscribe({ next: (value) => seen.push(value), error: resolve }),
    )
    expect(error).toEqual(new RangeError('unlucky 13'))
    expect(seen).toEqual([1])
    await executor.shutdown()
  })

  it('types the operator from the task', () => {
    const executor = new VirtualExecutor()
    expectTypeOf(executeMap(executor, double)).toEqualTypeOf<OperatorFunction<number, number>>()
    expectTypeOf(executeMap(executor, async (s: string) => s.length)).toEqualTypeOf<
      OperatorFunction<string, number>
    >()
  })

  it('throws a TypeError or RangeError naming the option for invalid options', () => {
    const executor = new VirtualExecutor()
    expect(() => executeMap(executor, double, { concurrency: 0 })).toThrow(
      new RangeError(
        'Expected `concurrency` to be an integer from 1 and up (or Infinity), got `0` (number)',
      ),
    )
    expect(() => executeMap(executor, double, { chunksize: 1.5 })).toThrow(
      new RangeError('Expected `chunksize` to be an integer from 1 and up, got `1.5` (number)'),
    )
    expect(() => executeMap(executor, double, { buffersize: -1 })).toThrow(RangeError)
    expect(() => executeMap(executor, double, { ordered: 'yes' as unknown as boolean })).toThrow(
      new TypeError("Expected `ordered` to be a boolean, got `'yes'` (string)"),
    )
    expect(() => executeMap(executor, double, { overflow: 'drop' as 'error' })).toThrow(
      "Expected `overflow` to be 'error', 'drop-oldest' or 'drop-newest', got `'drop'` (string)",
    )
    expect(() => executeMap(executor, double, { onUnsubscribe: 'none' as 'cancel' })).toThrow(
      "Expected `onUnsubscribe` to be 'interrupt' or 'cancel', got `'none'` (string)",
    )
    expect(() => executeMap(undefined as unknown as VirtualExecutor, double)).toThrow(
      'Expected `executor` to be an Executor, got `undefined` (undefined)',
    )
  })
})

describe('executeStarmap', () => {
  it('spreads each tuple into the task', () => {
    const executor = new VirtualExecutor({ duration: () => 3 })
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<[number, number]>('ab|', { a: [1, 2], b: [3, 4] })
      const summed = source.pipe(executeStarmap(executor, (a: number, b: number) => a + b))
      expectObservable(summed).toBe('---x(y|)', { x: 3, y: 7 })
    })
  })

  it('errors with a TypeError for a value that is not an array of arguments', () => {
    const executor = new VirtualExecutor()
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a', { a: 5 as unknown as [number] })
      expectObservable(source.pipe(executeStarmap(executor, double))).toBe(
        '#',
        undefined,
        new TypeError(
          'Expected every value given to executeStarmap to be an array of arguments, got `5` (number)',
        ),
      )
    })
  })

  it('sends chunks through the executor’s starmap', async () => {
    const executor = new TestExecutor(1)
    const pairs: Array<[number, number]> = Array.from({ length: 6 }, (_, i) => [i, i])
    const summed = from(pairs).pipe(
      executeStarmap(executor, (a: number, b: number) => a + b, { concurrency: 1, chunksize: 5 }),
    )
    await expect(lastValueFrom(summed.pipe(toArray()))).resolves.toEqual([0, 2, 4, 6, 8, 10])
    expect(executor.scheduled.map(({ chunk }) => chunk)).toEqual([false, true])
    await executor.shutdown()
  })
})
