import { describe, expect, it } from 'vitest'

import { CancelledError as CancellationsCancelledError } from '@concurrent/cancellation'
import {
  BrokenExecutorError,
  CancelledError,
  InvalidStateError,
  ShutdownError,
  TimeoutError,
  WorkerCrashedError,
} from '@concurrent/future'

type ErrorClass = new (message?: string, ...rest: never[]) => Error

/** Every error class of the public API, with the message it has when none is given. */
const classes: Array<[name: string, ErrorClass: ErrorClass, defaultMessage: string]> = [
  ['CancelledError', CancelledError, 'the operation was cancelled'],
  ['TimeoutError', TimeoutError, 'the operation timed out'],
  ['InvalidStateError', InvalidStateError, 'invalid state for this operation'],
  ['ShutdownError', ShutdownError, 'cannot submit after shutdown'],
  [
    'BrokenExecutorError',
    BrokenExecutorError,
    'the executor is broken and can no longer run tasks',
  ],
  ['WorkerCrashedError', WorkerCrashedError, 'the worker running this task crashed'],
]

describe.each(classes)('%s', (name, ErrorClass, defaultMessage) => {
  it('has its stable name', () => {
    expect(new ErrorClass().name).toBe(name)
    expect(ErrorClass.name).toBe(name)
    expect(String(new ErrorClass('message'))).toBe(`${name}: message`)
  })

  it('is an Error whose prototype chain goes straight to Error', () => {
    const error = new ErrorClass()
    expect(error).toBeInstanceOf(ErrorClass)
    expect(error).toBeInstanceOf(Error)
    expect(Object.getPrototypeOf(ErrorClass.prototype)).toBe(Error.prototype)
    expect(Object.prototype.toString.call(error)).toBe('[object Error]')
  })

  it('is not an instance of any other error class of the package', () => {
    const error = new ErrorClass()
    for (const [otherName, Other] of classes) {
      if (otherName !== name) expect(error).not.toBeInstanceOf(Other)
    }
  })

  it('has a default message and keeps a given one', () => {
    expect(new ErrorClass().message).toBe(defaultMessage)
    expect(new ErrorClass('custom').message).toBe('custom')
  })

  it('has a stack that starts with its name', () => {
    expect(new ErrorClass('custom').stack).toMatch(new RegExp(`^${name}: custom\\n`))
  })
})

describe('ErrorOptions', () => {
  const cause = new Error('the cause')

  it('chains `cause` for every class', () => {
    expect(new CancelledError('m', { cause }).cause).toBe(cause)
    expect(new TimeoutError('m', { cause }).cause).toBe(cause)
    expect(new InvalidStateError('m', { cause }).cause).toBe(cause)
    expect(new ShutdownError('m', { cause }).cause).toBe(cause)
    expect(new BrokenExecutorError('m', { cause }).cause).toBe(cause)
    expect(new WorkerCrashedError('m', {}, { cause }).cause).toBe(cause)
  })

  it('leaves `cause` out when none is given', () => {
    expect('cause' in new TimeoutError()).toBe(false)
    expect('cause' in new WorkerCrashedError()).toBe(false)
  })
})

describe('CancelledError', () => {
  it('is the very class of @concurrent/cancellation, re-exported', () => {
    expect(CancelledError).toBe(CancellationsCancelledError)
  })
})

describe('WorkerCrashedError', () => {
  it('carries the exit code, the signal and the worker id', () => {
    const error = new WorkerCrashedError('worker 3 was killed', {
      exitCode: null,
      signal: 'SIGKILL',
      workerId: 3,
    })
    expect(error.exitCode).toBeNull()
    expect(error.signal).toBe('SIGKILL')
    expect(error.workerId).toBe(3)
    expect(error.message).toBe('worker 3 was killed')
  })

  it('carries an exit code without a signal', () => {
    const error = new WorkerCrashedError(undefined, { exitCode: 1 })
    expect(error.exitCode).toBe(1)
    expect(error.signal).toBeNull()
    expect(error.workerId).toBeUndefined()
    expect(error.message).toBe('the worker running this task crashed')
  })

  it('defaults exitCode and signal to null when nothing is known', () => {
    const error = new WorkerCrashedError()
    expect(error.exitCode).toBeNull()
    expect(error.signal).toBeNull()
    expect(error.workerId).toBeUndefined()
  })

  it('keeps exit code 0 (a worker that exited cleanly mid-task)', () => {
    expect(new WorkerCrashedError('exited', { exitCode: 0 }).exitCode).toBe(0)
  })
})
