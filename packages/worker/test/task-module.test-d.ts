/**
 * Type tests: checked by `tsc -p tsconfig.test.json` (CI's typecheck step), never run. Each
 * `@ts-expect-error` is a call that must not compile; an unused one fails the typecheck.
 */
import { describe, expectTypeOf, it } from 'vitest'

import type { Executor, Future } from '@concurrent/future'
import { taskModule, type TaskModule, type TaskRef } from '@concurrent/worker'

type Tasks = typeof import('./fixtures/tasks.js')

declare const executor: Executor

const tasks = taskModule<Tasks>(new URL('./fixtures/tasks.js', import.meta.url))

describe('taskModule', () => {
  it('returns a TaskModule of the module type', () => {
    expectTypeOf(tasks).toEqualTypeOf<TaskModule<Tasks>>()
  })

  it('types each reference by its function’s parameters and return type', () => {
    expectTypeOf(tasks.add).toEqualTypeOf<TaskRef<[a: number, b: number], number>>()
    expectTypeOf(tasks.greet).toEqualTypeOf<TaskRef<[name: string], Promise<string>>>()
    expectTypeOf(tasks.countTo).toEqualTypeOf<
      TaskRef<[n: number], AsyncGenerator<number, string>>
    >()
  })

  it('has no reference for an export that is not a function, nor for a missing one', () => {
    expectTypeOf(tasks).toHaveProperty('add')
    expectTypeOf(tasks).not.toHaveProperty('version')
    expectTypeOf(tasks).not.toHaveProperty('missing')
  })
})

describe('executor.submit with a TaskRef', () => {
  it('types the future by the task’s awaited return type', () => {
    expectTypeOf(executor.submit(tasks.add, 1, 2)).toEqualTypeOf<Future<number>>()
    expectTypeOf(executor.submit(tasks.greet, 'ada')).toEqualTypeOf<Future<string>>()
    expectTypeOf(executor.submit(tasks.byteLength, new ArrayBuffer(1))).toEqualTypeOf<
      Future<number>
    >()
  })

  it('rejects wrong argument types, too few and too many arguments', () => {
    // @ts-expect-error a string where a number is expected
    executor.submit(tasks.add, 1, '2')
    // @ts-expect-error too few arguments
    executor.submit(tasks.add, 1)
    // @ts-expect-error too many arguments
    executor.submit(tasks.add, 1, 2, 3)
    // @ts-expect-error a number where a string is expected
    executor.submit(tasks.greet, 42)
  })

  it('types map and starmap by the task’s awaited return type', () => {
    expectTypeOf(executor.map(tasks.greet, ['a', 'b'])).toEqualTypeOf<
      AsyncIterableIterator<string>
    >()
    expectTypeOf(executor.starmap(tasks.add, [[1, 2] as const])).toEqualTypeOf<
      AsyncIterableIterator<number>
    >()
    // @ts-expect-error items of the wrong type
    void executor.map(tasks.greet, [1, 2])
  })
})
