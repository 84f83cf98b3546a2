/**
 * Type tests: checked by `tsc -p tsconfig.test.json` (CI's typecheck step), never run. Each
 * `@ts-expect-error` is a call that must not compile; an unused one fails the typecheck.
 */
import { describe, expectTypeOf, it } from 'vitest'

import {
  Future,
  isFuture,
  type Executor,
  type FutureState,
  type MapResults,
  type ResultChunk,
  type Task,
  type TaskReference,
} from '@concurrent/future'

declare const executor: Executor

const add = (a: number, b: number): number => a + b
const greet = async (name: string): Promise<string> => `hello ${name}`
const nothing = (): void => undefined
const optional = (a: number, b?: string): string => `${a}${b ?? ''}`

describe('Executor.submit', () => {
  it('types the future by the task’s return type', () => {
    expectTypeOf(executor.submit(add, 1, 2)).toEqualTypeOf<Future<number>>()
    expectTypeOf(executor.submit(nothing)).toEqualTypeOf<Future<void>>()
  })

  it('unwraps a promise: the result type is Awaited of the return type', () => {
    expectTypeOf(executor.submit(greet, 'ada')).toEqualTypeOf<Future<string>>()
    const nested = async (): Promise<Promise<number>> => Promise.resolve(Promise.resolve(1))
    expectTypeOf(executor.submit(nested)).toEqualTypeOf<Future<number>>()
  })

  it('rejects arguments of the wrong type, or too few, or too many', () => {
    // @ts-expect-error a string where a number is expected
    executor.submit(add, 1, '2')
    // @ts-expect-error too few arguments
    executor.submit(add, 1)
    // @ts-expect-error too many arguments
    executor.submit(add, 1, 2, 3)
    // @ts-expect-error an async task's arguments are checked too
    executor.submit(greet, 42)
  })

  it('accepts optional parameters', () => {
    expectTypeOf(executor.submit(optional, 1)).toEqualTypeOf<Future<string>>()
    expectTypeOf(executor.submit(optional, 1, 'x')).toEqualTypeOf<Future<string>>()
  })

  it('accepts a TaskReference typed by the signature it stands for', () => {
    const ref: TaskReference<[url: string], Promise<Uint8Array>> = {}
    expectTypeOf(executor.submit(ref, 'https://example.com')).toEqualTypeOf<Future<Uint8Array>>()
    // @ts-expect-error a reference's arguments are checked like a function's
    executor.submit(ref, 1)
  })

  it('gives a future whose result() and await have the value type', async () => {
    const future = executor.submit(add, 1, 2)
    expectTypeOf(future.result()).toEqualTypeOf<Promise<number>>()
    expectTypeOf(future.exception()).toEqualTypeOf<Promise<unknown>>()
    expectTypeOf(await future).toEqualTypeOf<number>()
    expectTypeOf(future.state).toEqualTypeOf<FutureState>()
    expectTypeOf(future.outcome).toEqualTypeOf<PromiseSettledResult<number> | undefined>()
  })
})

describe('Executor.map and starmap', () => {
  it('yields the awaited result type', () => {
    expectTypeOf(executor.map((n: number) => String(n), [1, 2])).toEqualTypeOf<
      AsyncIterableIterator<string>
    >()
    expectTypeOf(executor.map(greet, new Set(['a']))).toEqualTypeOf<AsyncIterableIterator<string>>()
    expectTypeOf(executor.starmap(add, [[1, 2] as [number, number]])).toEqualTypeOf<
      AsyncIterableIterator<number>
    >()
  })

  it('accepts async iterables', () => {
    async function* names(): AsyncGenerator<string> {
      yield 'a'
    }
    expectTypeOf(executor.map(greet, names())).toEqualTypeOf<AsyncIterableIterator<string>>()
  })

  it('rejects an input whose items the task cannot take', () => {
    // @ts-expect-error strings into a task that takes numbers
    executor.map((n: number) => n, ['a'])
    // @ts-expect-error starmap items must be the task's argument tuples
    executor.starmap(add, [['1', 2]])
    // @ts-expect-error map calls the task with one argument
    executor.map(add, [1, 2])
  })

  it('rejects unknown or mistyped options', () => {
    // @ts-expect-error chunksize is a number
    executor.map(String, [1], { chunksize: '2' })
    // @ts-expect-error there is no `concurrency` option
    executor.map(String, [1], { concurrency: 2 })
  })
})

describe('Executor.with', () => {
  it('returns an Executor with the same typed submit', () => {
    const view = executor.with({ priority: 1, timeout: 1_000, signal: AbortSignal.timeout(10) })
    expectTypeOf(view).toEqualTypeOf<Executor>()
    expectTypeOf(view.submit(add, 1, 2)).toEqualTypeOf<Future<number>>()
    // @ts-expect-error per-task options are checked
    executor.with({ priority: 'high' })
  })

  it('is AsyncDisposable', () => {
    expectTypeOf(executor).toExtend<AsyncDisposable>()
    expectTypeOf(executor.shutdown({ wait: false, cancelFutures: true })).toEqualTypeOf<
      Promise<void>
    >()
  })
})

describe('Task', () => {
  it('is a function or a reference with the same signature', () => {
    expectTypeOf(add).toExtend<Task<[number, number], number>>()
    expectTypeOf<TaskReference<[number, number], number>>().toExtend<
      Task<[number, number], number>
    >()
  })
})

describe('isFuture', () => {
  it('narrows unknown to Future<unknown>', () => {
    const value: unknown = new Future<number>()
    if (isFuture(value)) expectTypeOf(value).toEqualTypeOf<Future<unknown>>()
  })

  it('makes Future a PromiseLike', () => {
    expectTypeOf<Future<number>>().toExtend<PromiseLike<number>>()
  })
})

describe('AbstractExecutor.map', () => {
  it('returns MapResults, whose chunks() yields ResultChunks', () => {
    const results = {} as MapResults<number>
    expectTypeOf(results.chunks()).toEqualTypeOf<AsyncIterableIterator<ResultChunk<number>>>()
  })
})
