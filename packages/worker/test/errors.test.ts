import { describe, expect, it } from 'vitest'

import {
  DataCloneError,
  InlineTaskError,
  TaskNotFoundError,
  WorkerEntryNotFoundError,
} from '@concurrent/worker'

describe('TaskNotFoundError', () => {
  it('has its stable name, a prototype chain straight to Error, and where it looked', () => {
    const cause = new Error('loader')
    const error = new TaskNotFoundError(
      'no such task',
      { moduleUrl: 'file:///tasks.js', exportName: 'nope' },
      { cause },
    )
    expect(error.name).toBe('TaskNotFoundError')
    expect(TaskNotFoundError.name).toBe('TaskNotFoundError')
    expect(Object.getPrototypeOf(TaskNotFoundError.prototype)).toBe(Error.prototype)
    expect(String(error)).toBe('TaskNotFoundError: no such task')
    expect(error.moduleUrl).toBe('file:///tasks.js')
    expect(error.exportName).toBe('nope')
    expect(error.cause).toBe(cause)
  })

  it('has no export name when the module itself is missing', () => {
    expect(new TaskNotFoundError('gone', { moduleUrl: 'file:///x.js' }).exportName).toBeUndefined()
  })
})

describe('InlineTaskError', () => {
  it('has its stable name, is a TypeError, and lists the outer variables', () => {
    const error = new InlineTaskError('closure', ['a', 'b'])
    expect(error.name).toBe('InlineTaskError')
    expect(InlineTaskError.name).toBe('InlineTaskError')
    expect(Object.getPrototypeOf(InlineTaskError.prototype)).toBe(TypeError.prototype)
    expect(error).toBeInstanceOf(TypeError)
    expect(String(error)).toBe('InlineTaskError: closure')
    expect(error.variables).toEqual(['a', 'b'])
    expect(new InlineTaskError('a class').variables).toEqual([])
  })
})

describe('DataCloneError', () => {
  it('has its stable name, is a TypeError, and names the argument', () => {
    const error = new DataCloneError('cannot clone', 2)
    expect(error.name).toBe('DataCloneError')
    expect(DataCloneError.name).toBe('DataCloneError')
    expect(Object.getPrototypeOf(DataCloneError.prototype)).toBe(TypeError.prototype)
    expect(error).toBeInstanceOf(TypeError)
    expect(String(error)).toBe('DataCloneError: cannot clone')
    expect(error.argumentIndex).toBe(2)
    expect(new DataCloneError('unknown').argumentIndex).toBeUndefined()
  })
})

describe('WorkerEntryNotFoundError', () => {
  it('has its stable name, a prototype chain straight to Error, and where it looked', () => {
    const cause = new Error('inner')
    const error = new WorkerEntryNotFoundError('bundled', 'file:///app/entry/thread.js', { cause })
    expect(error.name).toBe('WorkerEntryNotFoundError')
    expect(WorkerEntryNotFoundError.name).toBe('WorkerEntryNotFoundError')
    expect(Object.getPrototypeOf(WorkerEntryNotFoundError.prototype)).toBe(Error.prototype)
    expect(String(error)).toBe('WorkerEntryNotFoundError: bundled')
    expect(error.entryUrl).toBe('file:///app/entry/thread.js')
    expect(error.cause).toBe(cause)
    expect(new WorkerEntryNotFoundError('no URL').entryUrl).toBeUndefined()
  })
})
