/**
 * RawArray: CPython's _TestArray cases (from a size, from values, typecodes), shared with tasks
 * in worker threads.
 */
import { describe, expect, it } from 'vitest'

import { DataCloneError, Pool, RawArray, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('RawArray', () => {
  it('is a typed array over shared memory, zero-filled from a size (test_rawarray)', () => {
    const array = RawArray('i', 10)
    expect(array).toBeInstanceOf(Int32Array)
    expect(array.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(array.length).toBe(10)
    expect([...array]).toEqual(Array(10).fill(0))
    expect(RawArray('d', 0).length).toBe(0)
  })

  it('copies an initializer, of numbers or of bigints for the 64-bit codes', () => {
    expect([...RawArray('h', [1, -2, 3])]).toEqual([1, -2, 3])
    expect(RawArray('B', new Set([1, 2]))).toBeInstanceOf(Uint8Array)
    const big = RawArray('Q', [1n, 2n])
    expect(big).toBeInstanceOf(BigUint64Array)
    expect([...big]).toEqual([1n, 2n])
  })

  it('refuses bad sizes, values and typecodes', () => {
    expect(() => RawArray('i', -1)).toThrow(RangeError)
    expect(() => RawArray('i', 1.5)).toThrow(/`size`/)
    expect(() => RawArray('i', [1n] as never)).toThrow(/element 0 of a 'i' array to be a number/)
    expect(() => RawArray('z' as never, 1)).toThrow(/typecode/)
    expect(() => RawArray('i', 'abc' as never)).toThrow(TypeError)
  })

  it('is the same memory in worker threads: tasks fill it in place', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const squares = RawArray('d', 10)
    await pool.starmap(tasks.fillSquares, [
      [squares, 0, 5],
      [squares, 5, 10],
    ])
    expect([...squares]).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81])
  })

  it('cannot reach a process task: DataCloneError at the call', async () => {
    await using pool = new Pool({ processes: 1 })
    expect(() => pool.applyAsync(tasks.fillSquares, [RawArray('d', 2), 0, 2])).toThrow(
      DataCloneError,
    )
  })
})
