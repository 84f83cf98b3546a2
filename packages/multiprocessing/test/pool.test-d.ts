/**
 * Type tests: checked by `tsc -p tsconfig.test.json`, never run. Each `@ts-expect-error` is a
 * call that must not compile.
 */
import { describe, expectTypeOf, it } from 'vitest'

import type { AsyncResult, Pool } from '@concurrent/multiprocessing'
import {
  Process,
  Queue,
  taskModule,
  Value,
  RawArray,
  type SharedValue,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)
declare const pool: Pool

describe('Pool', () => {
  it('types results by the task', () => {
    expectTypeOf(pool.map(tasks.square, [1, 2])).toEqualTypeOf<Promise<number[]>>()
    expectTypeOf(pool.starmap(tasks.add, [[1, 2]])).toEqualTypeOf<Promise<number[]>>()
    expectTypeOf(pool.apply(tasks.add, [1, 2])).toEqualTypeOf<Promise<number>>()
    expectTypeOf(pool.applyAsync(tasks.slowSquare, [1, 2])).toEqualTypeOf<AsyncResult<number>>()
    expectTypeOf(pool.mapAsync(tasks.square, [1])).toEqualTypeOf<AsyncResult<number[]>>()
    expectTypeOf(pool.imap(tasks.square, [1])).toEqualTypeOf<AsyncIterableIterator<number>>()
    expectTypeOf(pool.imapUnordered(tasks.isPrime, [1])).toEqualTypeOf<
      AsyncIterableIterator<boolean>
    >()
  })

  it('requires args when the task takes arguments, and checks their types', () => {
    expectTypeOf(pool.apply(tasks.whoAmI)).resolves.toHaveProperty('pid')
    // @ts-expect-error: add takes two numbers
    void pool.apply(tasks.add)
    // @ts-expect-error: add takes numbers
    void pool.apply(tasks.add, ['1', 2])
    // @ts-expect-error: square takes a number
    void pool.map(tasks.square, ['a'])
    // @ts-expect-error: the callback receives a number
    pool.applyAsync(tasks.square, [2], { callback: (value: string) => value })
  })
})

describe('Process', () => {
  it('types args by the target', () => {
    const queue = new Queue<number | null>()
    expectTypeOf(new Process({ target: tasks.produce, args: [queue, 3] })).toEqualTypeOf<
      Process<[queue: Queue<number | null>, n: number]>
    >()
    // @ts-expect-error: produce needs its arguments
    new Process({ target: tasks.produce })
    // @ts-expect-error: n is a number
    new Process({ target: tasks.produce, args: [queue, 'three'] })
    new Process({ target: tasks.whoAmI })
  })
})

describe('shared memory', () => {
  it('types values and arrays by typecode', () => {
    expectTypeOf(Value('i', 1)).toEqualTypeOf<SharedValue<'i'>>()
    expectTypeOf(Value('i', 1).value).toEqualTypeOf<number>()
    expectTypeOf(Value('q', 1n).value).toEqualTypeOf<bigint>()
    expectTypeOf(RawArray('d', 3)).toEqualTypeOf<Float64Array>()
    expectTypeOf(RawArray('Q', 3)).toEqualTypeOf<BigUint64Array>()
    // @ts-expect-error: a 'q' value is a bigint
    Value('q', 1)
  })
})
