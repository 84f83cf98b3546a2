import { describe, expect, it } from 'vitest'

import { DataCloneError, InlineTaskError, taskModule } from '@concurrent/worker'
import { checkCloneable, taskSpecOf } from '@concurrent/worker/internal'

const url = new URL('./fixtures/tasks.ts', import.meta.url)
const tasks = taskModule<typeof import('./fixtures/tasks.js')>(url)

/** The DataCloneError `args` are refused with. */
function refusal(args: readonly unknown[]): DataCloneError {
  try {
    checkCloneable(args, 'process')
  } catch (error) {
    expect(error).toBeInstanceOf(DataCloneError)
    return error as DataCloneError
  }
  throw new Error('expected checkCloneable to throw a DataCloneError')
}

describe('taskSpecOf', () => {
  it('finds a task reference by module URL and export name', () => {
    expect(taskSpecOf(tasks.add)).toEqual({ kind: 'module', url: url.href, name: 'add' })
  })

  it.each<[string, unknown]>([
    ['a number', 42],
    ['a string', 'add'],
    ['null', null],
    ['undefined', undefined],
    ['an object that is not a reference', { moduleUrl: url.href }],
  ])('throws a TypeError for %s', (_label, value) => {
    let thrown: unknown
    try {
      taskSpecOf(value)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect(thrown).not.toBeInstanceOf(InlineTaskError)
    expect((thrown as Error).message).toMatch(
      /^Expected a task: a reference from taskModule\(\) or a self-contained function, got `/,
    )
  })

  it('names the value it got', () => {
    expect(() => taskSpecOf(42)).toThrow('got `42` (number)')
  })
})

describe('taskSpecOf names', () => {
  it('names a task by its export or function name', () => {
    expect(taskSpecOf(tasks.greet).name).toBe('greet')
    expect(
      taskSpecOf(function double(n: number) {
        return n * 2
      }).name,
    ).toBe('double')
  })
})

describe('checkCloneable', () => {
  it('passes plain data of every cloneable kind', () => {
    expect(() =>
      checkCloneable(
        [
          1,
          'text',
          null,
          undefined,
          10n,
          { nested: { deep: [1, 2, { deeper: true }] } },
          [new Date(0), /re/g, new Map([['k', { v: 1 }]]), new Set([1, 2])],
          new Uint8Array(4),
          new ArrayBuffer(2),
          new Error('errors clone too'),
        ],
        'process',
      ),
    ).not.toThrow()
  })

  it.each<[string, unknown, RegExp]>([
    ['a function', () => 1, /is a function/],
    ['a named function', function onDone() {}, /is a function \(`onDone`\)/],
    ['a symbol', Symbol('s'), /is a symbol/],
    ['a promise', Promise.resolve(1), /is a promise \(await it first\)/],
    ['a WeakMap', new WeakMap(), /is a weak collection/],
    ['a WeakSet', new WeakSet(), /is a weak collection/],
  ])('refuses %s as an argument, naming its position', (_label, value, problem) => {
    const error = refusal([1, value])
    expect(error.argumentIndex).toBe(1)
    expect(error.name).toBe('DataCloneError')
    expect(error.message).toMatch(/^Argument 2 of `process` is /)
    expect(error.message).toMatch(problem)
    expect(error.message).toContain('cannot be sent to a worker')
  })

  it('names the path to a value nested in an object', () => {
    const error = refusal([{ options: { onDone: () => undefined } }])
    expect(error.argumentIndex).toBe(0)
    expect(error.message).toMatch(/^Argument 1 of `process`\.options\.onDone is a function/)
  })

  it('names the path to a value nested in an array', () => {
    const error = refusal(['a', 'b', [0, [1, Symbol('x')]]])
    expect(error.argumentIndex).toBe(2)
    expect(error.message).toMatch(/^Argument 3 of `process`\[1\]\[1\] is a symbol/)
  })

  it('names the key of a value nested in a Map, and a Set member', () => {
    expect(refusal([new Map([['job', new WeakMap()]])]).message).toMatch(
      /^Argument 1 of `process`\.get\(job\) is a weak collection/,
    )
    expect(refusal([new Set([Promise.resolve()])]).message).toMatch(
      /^Argument 1 of `process` \(a Set member\) is a promise/,
    )
  })

  it('finds the first problem in argument order', () => {
    expect(refusal([{ ok: 1 }, { bad: () => 1 }, Symbol('later')]).argumentIndex).toBe(1)
  })

  it('passes an empty argument list', () => {
    expect(() => checkCloneable([], 'process')).not.toThrow()
  })
})
