import { describe, expect, it } from 'vitest'

import { CancelledError } from '@concurrent/cancellation'
import {
  BrokenExecutorError,
  InvalidStateError,
  ShutdownError,
  TimeoutError,
  WorkerCrashedError,
} from '@concurrent/future'
import { DataCloneError, InlineTaskError, TaskNotFoundError } from '@concurrent/worker'
import { decodeError, encodeError } from '@concurrent/worker/internal'

/** What the caller sees of `thrown`: encoded, structured-cloned across the boundary, decoded. */
function roundTrip(thrown: unknown, callerStack?: string): unknown {
  return decodeError(structuredClone(encodeError(thrown)), callerStack)
}

/** Like {@link roundTrip}, for a value the test knows is an error on the way back. */
function revived(thrown: unknown, callerStack?: string): Error & Record<string, unknown> {
  const error = roundTrip(thrown, callerStack)
  expect(error).toBeInstanceOf(Error)
  return error as Error & Record<string, unknown>
}

type ErrorClass = new (message?: string) => Error

const builtIns: Array<[string, ErrorClass]> = [
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]

class HttpError extends Error {
  override readonly name = 'HttpError'
  readonly status: number
  constructor(message: string, status: number) {
    super(message)
    this.status = status
  }
}

describe('encodeError and decodeError', () => {
  it.each(builtIns)('revive a %s as its class, with its message', (name, ErrorClass) => {
    const error = revived(new ErrorClass('it broke'))
    expect(error).toBeInstanceOf(ErrorClass)
    expect(error.constructor).toBe(ErrorClass)
    expect(error.name).toBe(name)
    expect(error.message).toBe('it broke')
    expect(String(error)).toBe(`${name}: it broke`)
  })

  it('revive an AggregateError with its errors, each revived too', () => {
    const error = revived(
      new AggregateError([new TypeError('first'), new RangeError('second'), 'third'], 'all failed'),
    )
    expect(error).toBeInstanceOf(AggregateError)
    expect(error.message).toBe('all failed')
    const errors = (error as unknown as AggregateError).errors
    expect(errors).toHaveLength(3)
    expect(errors[0]).toBeInstanceOf(TypeError)
    expect((errors[0] as Error).message).toBe('first')
    expect(errors[1]).toBeInstanceOf(RangeError)
    expect(errors[2]).toBe('third')
  })

  it('revive the same error twice in an AggregateError twice (not mistaken for a cycle)', () => {
    const same = new TypeError('same')
    const errors = (revived(new AggregateError([same, same])) as unknown as AggregateError).errors
    expect(errors).toHaveLength(2)
    for (const inner of errors) {
      expect(inner).toBeInstanceOf(TypeError)
      expect((inner as Error).message).toBe('same')
    }
  })

  it.each<[string, () => Error, ErrorClass, Record<string, unknown>]>([
    ['CancelledError', () => new CancelledError('stop'), CancelledError, {}],
    ['TimeoutError', () => new TimeoutError('late'), TimeoutError, {}],
    ['InvalidStateError', () => new InvalidStateError('no'), InvalidStateError, {}],
    ['ShutdownError', () => new ShutdownError('closed'), ShutdownError, {}],
    ['BrokenExecutorError', () => new BrokenExecutorError('broken'), BrokenExecutorError, {}],
    [
      'WorkerCrashedError',
      () => new WorkerCrashedError('died', { exitCode: 3, signal: null, workerId: 7 }),
      WorkerCrashedError,
      { exitCode: 3, signal: null, workerId: 7 },
    ],
    [
      'WorkerCrashedError',
      () => new WorkerCrashedError('killed', { exitCode: null, signal: 'SIGKILL' }),
      WorkerCrashedError,
      { exitCode: null, signal: 'SIGKILL' },
    ],
    [
      'TaskNotFoundError',
      () => new TaskNotFoundError('missing', { moduleUrl: 'file:///tasks.js', exportName: 'nope' }),
      TaskNotFoundError as unknown as ErrorClass,
      { moduleUrl: 'file:///tasks.js', exportName: 'nope' },
    ],
    [
      'InlineTaskError',
      () => new InlineTaskError('closure', ['factor']),
      InlineTaskError as unknown as ErrorClass,
      { variables: ['factor'] },
    ],
    [
      'DataCloneError',
      () => new DataCloneError('cannot clone', 1),
      DataCloneError as unknown as ErrorClass,
      { argumentIndex: 1 },
    ],
  ])('revive a %s as its class, with its fields', (name, create, ErrorClass, fields) => {
    const original = create()
    const error = revived(original)
    expect(error).toBeInstanceOf(ErrorClass)
    expect(Object.getPrototypeOf(error)).toBe(ErrorClass.prototype)
    expect(error.name).toBe(name)
    expect(error.message).toBe(original.message)
    expect(String(error)).toBe(`${name}: ${original.message}`)
    expect(error).toMatchObject(fields)
  })

  it('revive a custom class as an Error with its name and own fields', () => {
    const error = revived(new HttpError('not found', 404))
    expect(error).not.toBeInstanceOf(HttpError)
    expect(error.constructor).toBe(Error)
    expect(error.name).toBe('HttpError')
    expect(error.message).toBe('not found')
    expect(error.status).toBe(404)
    expect(String(error)).toBe('HttpError: not found')
  })

  it('revive a subclass of a built-in as that built-in, keeping its name', () => {
    class ValidationError extends TypeError {
      override readonly name = 'ValidationError'
    }
    const error = revived(new ValidationError('bad'))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.name).toBe('ValidationError')
  })

  it('keep an `errors` field of an error that is not an AggregateError as a field', () => {
    const error = revived(Object.assign(new TypeError('invalid'), { errors: ['a', 'b'] }))
    expect(error).toBeInstanceOf(TypeError)
    expect(error).not.toBeInstanceOf(AggregateError)
    expect(error.errors).toEqual(['a', 'b'])
  })

  it('keep own enumerable properties of every cloneable kind', () => {
    const when = new Date(0)
    const error = revived(
      Object.assign(new Error('with data'), {
        code: 'E_DATA',
        errno: -2,
        details: { path: '/tmp', tries: [1, 2] },
        when,
        seen: new Map([['a', 1]]),
        nothing: null,
      }),
    )
    expect(error).toMatchObject({
      code: 'E_DATA',
      errno: -2,
      details: { path: '/tmp', tries: [1, 2] },
      when,
      seen: new Map([['a', 1]]),
      nothing: null,
    })
  })

  it('turn own properties that cannot be cloned into strings', () => {
    const error = revived(
      Object.assign(new Error('with handles'), {
        callback: (n: number) => n + 1,
        tag: Symbol('tag'),
        holder: { fn() {} },
      }),
    )
    expect(error.callback).toBe('(n) => n + 1')
    expect(error.tag).toBe('Symbol(tag)')
    expect(error.holder).toBe('[object Object]')
  })

  it('revive the cause chain recursively, each cause with its class', () => {
    const error = revived(
      new Error('outer', { cause: new TypeError('middle', { cause: new RangeError('inner') }) }),
    )
    const middle = error.cause as Error
    expect(middle).toBeInstanceOf(TypeError)
    expect(middle.message).toBe('middle')
    const inner = middle.cause as Error
    expect(inner).toBeInstanceOf(RangeError)
    expect(inner.message).toBe('inner')
    expect('cause' in inner).toBe(false)
    // As on a native error, `cause` is not enumerable.
    expect(Object.keys(error)).not.toContain('cause')
  })

  it('keep a cause that is not an error, and a cause explicitly undefined', () => {
    expect(revived(new Error('a', { cause: 'because' })).cause).toBe('because')
    expect(revived(new Error('a', { cause: { code: 7 } })).cause).toEqual({ code: 7 })
    const undefinedCause = revived(new Error('a', { cause: undefined }))
    expect('cause' in undefinedCause).toBe(true)
    expect(undefinedCause.cause).toBeUndefined()
    expect('cause' in revived(new Error('a'))).toBe(false)
  })

  it('stop at a cycle in the cause chain: an error that is its own cause', () => {
    const error = new Error('self')
    error.cause = error
    const back = revived(error)
    expect(back.message).toBe('self')
    expect(back.cause).toBeUndefined()
  })

  it('stop at a longer cycle in the cause chain', () => {
    const a = new Error('a')
    const b = new TypeError('b', { cause: a })
    a.cause = b
    const back = revived(a)
    const cause = back.cause as Error
    expect(cause).toBeInstanceOf(TypeError)
    expect(cause.message).toBe('b')
    expect(cause.cause).toBeUndefined()
  })

  it.each<[string, unknown]>([
    ['a string', 'boom'],
    ['a number', 42],
    ['a bigint', 10n],
    ['a boolean', false],
    ['null', null],
    ['undefined', undefined],
    ['a plain object', { code: 'E_PLAIN', list: [1, 2] }],
    ['an array', ['a', 1]],
  ])('round-trip a thrown value that is not an error: %s', (_label, value) => {
    expect(roundTrip(value)).toEqual(value)
  })

  it('turn a thrown value that cannot be cloned into a string', () => {
    expect(roundTrip(Symbol('thrown'))).toBe('Symbol(thrown)')
    expect(roundTrip(() => 1)).toBe('() => 1')
  })

  it('revive a plain object that lost its class on the way (message and stack) as an Error', () => {
    const error = revived({
      name: 'TypeError',
      message: 'flat',
      stack: 'TypeError: flat\n    at x',
    })
    expect(error.name).toBe('TypeError')
    expect(error.message).toBe('flat')
    expect(error.stack).toBe('TypeError: flat\n    at x')
  })

  it("keep the worker's stack", () => {
    const original = new TypeError('from the worker')
    expect(revived(original).stack).toBe(original.stack)
  })

  it("append the caller's stack after the worker's when given", () => {
    const original = new TypeError('from the worker')
    const callerStack = 'Error\n    at submitIt (main.ts:10:3)'
    const stack = revived(original, callerStack).stack!
    expect(stack.startsWith(original.stack!)).toBe(true)
    expect(stack).toContain('--- in a worker, for the task submitted at ---')
    expect(stack.endsWith(callerStack)).toBe(true)
  })

  it('build a stack from the name and message when the error has none', () => {
    const original = new RangeError('no stack')
    delete original.stack
    expect(revived(original).stack).toBe('RangeError: no stack')
  })

  it('produce an encoded form that survives structuredClone unchanged', () => {
    const error = Object.assign(
      new AggregateError([new TypeError('inner', { cause: 'why' }), 7], 'outer', {
        cause: new WorkerCrashedError('died', { exitCode: 1 }),
      }),
      { code: 'E_ALL', callback: () => undefined },
    )
    const encoded = encodeError(error)
    expect(structuredClone(encoded)).toEqual(encoded)
  })
})
