/**
 * Inline tasks, through `taskSpecOf`: which functions can be shipped to a worker as source, and
 * the errors for those that cannot.
 */
import { describe, expect, it } from 'vitest'

import { InlineTaskError } from '@concurrent/worker'
import { taskSpecOf } from '@concurrent/worker/internal'

/** The InlineTaskError `fn` is refused with. */
function refusal(fn: unknown): InlineTaskError {
  try {
    taskSpecOf(fn)
  } catch (error) {
    expect(error).toBeInstanceOf(InlineTaskError)
    return error as InlineTaskError
  }
  throw new Error('expected taskSpecOf to throw an InlineTaskError')
}

describe('taskSpecOf (inline functions)', () => {
  it.each<[string, (...args: never[]) => unknown]>([
    ['an arrow function', (a: number, b: number) => a + b],
    [
      'a function expression',
      function twice(n: number) {
        return n * 2
      },
    ],
    ['an async function', async (n: number) => Promise.resolve(n)],
    [
      'an async generator function',
      async function* count(n: number) {
        for (let i = 0; i < n; i++) yield await Promise.resolve(i)
      },
    ],
  ])('ships %s by its source', (_label, fn) => {
    expect(taskSpecOf(fn)).toEqual({
      kind: 'inline',
      source: Function.prototype.toString.call(fn),
      name: fn.name || 'anonymous',
    })
  })

  it('names an anonymous function "anonymous"', () => {
    expect(taskSpecOf([(n: number) => n][0])).toMatchObject({ name: 'anonymous' })
  })

  it('refuses a closure over an outer variable, naming it and the fix', () => {
    const factor = 3
    const error = refusal((n: number) => n * factor)
    expect(error.name).toBe('InlineTaskError')
    expect(error).toBeInstanceOf(TypeError)
    expect(error.variables).toEqual(['factor'])
    expect(error.message).toContain('`factor`')
    expect(error.message).toContain('Pass it as an argument')
    expect(error.message).toContain('taskModule()')
  })

  it('lists every outer variable once, in order of use', () => {
    const offset = 1
    const scale = 2
    const error = refusal((n: number) => (n + offset) * scale + offset)
    expect(error.variables).toEqual(['offset', 'scale'])
    expect(error.message).toContain('`offset`, `scale`')
    expect(error.message).toContain('Pass them as arguments')
  })

  it('refuses an outer variable used in a default parameter or an inner function', () => {
    const limit = 10
    expect(refusal((n = limit) => n).variables).toEqual(['limit'])
    expect(
      refusal((n: number) => {
        const inner = (): number => n + limit
        return inner()
      }).variables,
    ).toEqual(['limit'])
  })

  it('refuses a function that calls itself through the outer variable it is assigned to', () => {
    const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1))
    expect(refusal(factorial).variables).toEqual(['factorial'])
  })

  it('names the function in the message when it has a name', () => {
    const base = 1
    const addBase = (n: number): number => n + base
    expect(refusal(addBase).message).toMatch(/^`addBase` uses `base`/)
  })

  it('allows the globals of the runtime', () => {
    const fn = async (text: string) => {
      console.log(Math.max(1, 2), JSON.stringify({ text }), Buffer.from(text))
      await new Promise((resolve) => setTimeout(resolve, 0))
      return [process.pid, globalThis, structuredClone({ a: 1 }), new Map(), Symbol.iterator]
    }
    expect(taskSpecOf(fn).kind).toBe('inline')
  })

  it('allows locals, parameters, inner functions, catch parameters and block-scoped names', () => {
    const fn = function (
      { a, b: [first, ...others] }: { a: number; b: [number, ...number[]] },
      fallback = a * 2,
      ...rest: number[]
    ) {
      let total = a + first + fallback + rest.length + others.length
      const offset = 1
      function helper(x: number): number {
        return x + offset
      }
      class Box {
        constructor(readonly value: number) {}
      }
      for (const item of rest) {
        const squared = item * item
        total += helper(squared)
      }
      try {
        total += new Box(total).value
      } catch (failure) {
        return String(failure)
      }
      {
        const blockScoped = total
        total = blockScoped + arguments.length
      }
      return total
    }
    expect(taskSpecOf(fn).kind).toBe('inline')
  })

  it('allows a named function expression to call itself by its own name', () => {
    const fn = function fib(n: number): number {
      return n < 2 ? n : fib(n - 1) + fib(n - 2)
    }
    expect(taskSpecOf(fn).kind).toBe('inline')
  })

  it("allows tsx's `__name` helper, which the worker provides", () => {
    // What tsx (esbuild's keepNames) makes of an inline task with a named inner function.
    const compiled = (0, eval)(
      '(n) => { const double = __name((x) => x * 2, "double"); return double(n) }',
    ) as (n: number) => number
    expect(taskSpecOf(compiled).kind).toBe('inline')
  })

  it('refuses a bound function, which has no source', () => {
    const bound = function (this: unknown, n: number) {
      return n
    }.bind(null)
    const error = refusal(bound)
    expect(error.message).toMatch(/native or bound function/)
    expect(error.message).toContain('taskModule()')
    expect(error.variables).toEqual([])
  })

  it('refuses a native function', () => {
    expect(refusal(Math.max).message).toMatch(/^`max` is a native or bound function/)
  })

  it('refuses a class', () => {
    class Task {
      readonly id = 1
    }
    expect(refusal(Task).message).toBe('`Task` is a class; a task must be a function')
  })

  it('refuses an object-method shorthand, naming the fix', () => {
    const tasks = {
      double(n: number) {
        return n * 2
      },
    }
    const error = refusal(Reflect.get(tasks, 'double'))
    expect(error.message).toMatch(/^`double` cannot be sent to a worker as source/)
    expect(error.message).toContain('object method')
    expect(error.message).toContain('arrow function')
    expect(error.cause).toBeInstanceOf(SyntaxError)
  })

  it('checks each function once: the same spec object every time', () => {
    const fn = (n: number) => n + 1
    const spec = taskSpecOf(fn)
    expect(taskSpecOf(fn)).toBe(spec)
    // Another function with the same source has its own, equal spec.
    const twin = [(n: number) => n + 1][0]
    expect(taskSpecOf(twin)).not.toBe(spec)
    expect(taskSpecOf(twin)).toEqual({ ...spec, name: 'anonymous' })
  })
})
