/**
 * Every error class this package owns: a stable name, its place in the prototype chain, a
 * useful default message, `cause` passed through, and its class kept when a task throws it.
 */
import { ThreadPoolExecutor } from '@concurrent/executors'
import {
  BrokenBarrierError,
  BrokenPipeError,
  EmptyError,
  EOFError,
  FullError,
  taskModule,
} from '@concurrent/multiprocessing'
import { describe, expect, it } from 'vitest'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe.each([
  { Class: EmptyError, name: 'EmptyError', message: 'the queue is empty' },
  { Class: FullError, name: 'FullError', message: 'the queue is full' },
  { Class: EOFError, name: 'EOFError', message: 'the other end of the pipe is closed' },
  {
    Class: BrokenPipeError,
    name: 'BrokenPipeError',
    message: 'the other end of the pipe is closed',
  },
  { Class: BrokenBarrierError, name: 'BrokenBarrierError', message: 'the barrier is broken' },
])('$name', ({ Class, name, message }) => {
  it('has a stable name, extends Error, and keeps a cause', () => {
    const cause = new Error('underneath')
    const error = new Class(undefined, { cause })
    expect(error).toBeInstanceOf(Class)
    expect(error).toBeInstanceOf(Error)
    expect(Object.getPrototypeOf(Class.prototype)).toBe(Error.prototype)
    expect(error.name).toBe(name)
    expect(error.message).toBe(message)
    expect(error.cause).toBe(cause)
    expect(String(new Class('custom'))).toBe(`${name}: custom`)
  })

  it('reaches the caller as its class when a task on any executor throws it', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const error = await pool.submit(tasks.throwOwnError, name).exception()
    expect(error).toBeInstanceOf(Class)
    expect((error as Error).message).toBe('from a worker')
    expect((error as Error).cause).toBeInstanceOf(Class)
  })
})
