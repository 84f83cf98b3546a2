/**
 * Type tests of the public surface: checked by `tsc -p tsconfig.test.json`, never run. Each
 * `@ts-expect-error` is a call that must not compile; an unused one fails the typecheck.
 */
import { of, type Observable, type OperatorFunction } from 'rxjs'
import { describe, expectTypeOf, it } from 'vitest'
import type { TaskFuture, ThreadPoolExecutor } from '@concurrent/executors'
import type { Future } from '@concurrent/future'
import type { TaskModule } from '@concurrent/executors'
import type { CompletedFuture } from '@concurrent/wait'

import {
  asCompleted$,
  executeMap,
  executeStarmap,
  fromFuture,
  progress$,
  stream$,
  type MapExecutor,
  type StreamingExecutor,
} from '../src/index.js'

declare const pool: ThreadPoolExecutor
declare const tasks: TaskModule<typeof import('./fixtures/tasks.js')>
declare const future: TaskFuture<number>

describe('fromFuture and asCompleted$', () => {
  it('types the values by the future', () => {
    expectTypeOf(fromFuture(future)).toEqualTypeOf<Observable<number>>()
    expectTypeOf(asCompleted$([future])).toEqualTypeOf<Observable<CompletedFuture<number>>>()
    expectTypeOf(asCompleted$([future], { emit: 'values' })).toEqualTypeOf<Observable<number>>()
  })

  it('rejects unknown onUnsubscribe values', () => {
    // @ts-expect-error -- not a policy
    fromFuture(future, { onUnsubscribe: 'later' })
    // @ts-expect-error -- executeMap owns its futures: 'none' would leak work
    executeMap(pool, tasks.square, { onUnsubscribe: 'none' })
  })
})

describe('executeMap and executeStarmap', () => {
  it('types the operator by the task reference, unwrapping promises', () => {
    expectTypeOf(executeMap(pool, tasks.square)).toEqualTypeOf<OperatorFunction<number, number>>()
    expectTypeOf(executeMap(pool, tasks.squareAfterOwnValue)).toEqualTypeOf<
      OperatorFunction<number, number>
    >()
    expectTypeOf(executeStarmap(pool, tasks.add)).toEqualTypeOf<
      OperatorFunction<[a: number, b: number], number>
    >()
  })

  it('does not compile a source of the wrong type', () => {
    // @ts-expect-error -- strings into a task of numbers
    of('a', 'b').pipe(executeMap(pool, tasks.square))
  })

  it('does not compile a task of two arguments in executeMap', () => {
    // @ts-expect-error -- use executeStarmap
    executeMap(pool, tasks.add)
  })

  it('takes every pool as a MapExecutor and a StreamingExecutor', () => {
    expectTypeOf(pool).toExtend<MapExecutor>()
    expectTypeOf(pool).toExtend<StreamingExecutor>()
  })
})

describe('stream$ and progress$', () => {
  it('types the values of a streaming task, and its arguments', () => {
    expectTypeOf(stream$(pool, tasks.countdown, 3)).toEqualTypeOf<Observable<number>>()
    // @ts-expect-error -- countdown takes a number
    stream$(pool, tasks.countdown, 'three')
    // @ts-expect-error -- not a streaming task
    stream$(pool, tasks.square, 3)
  })

  it('types progress as unknown, and needs a future that reports it', () => {
    expectTypeOf(progress$(future)).toEqualTypeOf<Observable<unknown>>()
    const plain = {} as unknown as Future<number>
    // @ts-expect-error -- a plain Future has no onProgress
    progress$(plain)
  })
})
