/**
 * Type tests of the public surface: checked by `tsc -p tsconfig.test.json`, never run. Each
 * `@ts-expect-error` is a call that must not compile; an unused one fails the typecheck.
 */
import type * as E from 'fp-ts/lib/Either.js'
import type { Task } from 'fp-ts/lib/Task.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { describe, expectTypeOf, it } from 'vitest'
import type { ThreadPoolExecutor } from '@concurrent/executors'
import type { Future } from '@concurrent/future'
import type { TaskModule } from '@concurrent/executors'

import {
  submitTE,
  toTaskEither,
  traverseParallel,
  traverseParallelEither,
  waitEither,
} from '../src/index.js'
import type { Row } from './fixtures/tasks.js'

declare const pool: ThreadPoolExecutor
declare const tasks: TaskModule<typeof import('./fixtures/tasks.js')>
declare const future: Future<number>

describe('toTaskEither and submitTE', () => {
  it('has an unknown error channel unless onRejected maps it', () => {
    expectTypeOf(toTaskEither(future)).toEqualTypeOf<TaskEither<unknown, number>>()
    expectTypeOf(toTaskEither(future, (reason) => String(reason))).toEqualTypeOf<
      TaskEither<string, number>
    >()
  })

  it('types submitTE by the task, unwrapping promises, and checks the arguments', () => {
    expectTypeOf(submitTE(pool, tasks.slowSquare, 2)).toEqualTypeOf<TaskEither<unknown, number>>()
    // @ts-expect-error -- square takes a number
    submitTE(pool, tasks.square, '2')
    // @ts-expect-error -- missing argument
    submitTE(pool, tasks.square)
  })
})

describe('traverseParallel and traverseParallelEither', () => {
  it('types the results by the task', () => {
    expectTypeOf(traverseParallel(pool, tasks.validate)).toEqualTypeOf<
      (inputs: ReadonlyArray<Row>) => TaskEither<unknown, ReadonlyArray<Row>>
    >()
    expectTypeOf(traverseParallelEither(pool, tasks.square)).toEqualTypeOf<
      (inputs: ReadonlyArray<number>) => Task<ReadonlyArray<E.Either<unknown, number>>>
    >()
  })

  it('does not compile inputs of the wrong type', () => {
    // @ts-expect-error -- strings into a task of numbers
    traverseParallel(pool, tasks.square)(['a'])
  })
})

describe('waitEither', () => {
  it('types a tuple per position and an array as an array', () => {
    const strings = {} as unknown as Future<string>
    expectTypeOf(waitEither([future, strings])).toEqualTypeOf<
      Task<[E.Either<unknown, number>, E.Either<unknown, string>]>
    >()
    const list: Array<Future<number>> = [future]
    expectTypeOf(waitEither(list)).toEqualTypeOf<Task<Array<E.Either<unknown, number>>>>()
  })
})
