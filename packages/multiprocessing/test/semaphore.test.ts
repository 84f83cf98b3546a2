/**
 * Semaphore and BoundedSemaphore: CPython's _TestSemaphore cases, and a semaphore limiting
 * how many tasks run a section at once.
 */
import { describe, expect, it } from 'vitest'

import {
  BoundedSemaphore,
  Pool,
  RawArray,
  Semaphore,
  TimeoutError,
  taskModule,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('Semaphore', () => {
  it('counts acquires and releases (test_semaphore)', () => {
    const semaphore = new Semaphore(2)
    expect(semaphore.getValue()).toBe(2)
    expect(semaphore.acquire()).toBe(true)
    expect(semaphore.getValue()).toBe(1)
    expect(semaphore.acquire()).toBe(true)
    expect(semaphore.getValue()).toBe(0)
    expect(semaphore.acquire({ block: false })).toBe(false)
    semaphore.release()
    expect(semaphore.getValue()).toBe(1)
    semaphore.release(2)
    expect(semaphore.getValue()).toBe(3)
  })

  it('times out an acquire on zero (test_timeout)', async () => {
    const semaphore = new Semaphore(0)
    expect(semaphore.acquire({ timeout: 30 })).toBe(false)
    expect(await semaphore.acquireAsync({ timeout: 30 })).toBe(false)
    expect(() => semaphore.hold({ timeout: 0 })).toThrow(TimeoutError)
    const waiting = semaphore.acquireAsync()
    semaphore.release()
    expect(await waiting).toBe(true)
  })

  it('hold() releases when disposed', async () => {
    const semaphore = new Semaphore(1)
    {
      using _slot = semaphore.hold()
      expect(semaphore.getValue()).toBe(0)
    }
    {
      using _slot = await semaphore.holdAsync()
      expect(semaphore.getValue()).toBe(0)
    }
    expect(semaphore.getValue()).toBe(1)
  })

  it('lets at most `value` tasks into a section at once', async () => {
    await using pool = new Pool({ processes: 4, kind: 'thread' })
    const slots = new Semaphore(2)
    const counters = RawArray('i', 2)
    await pool.starmap(
      tasks.useSlot,
      Array.from({ length: 12 }, () => [slots, counters] as [Semaphore, Int32Array]),
    )
    expect(counters[1]).toBe(2)
    expect(slots.getValue()).toBe(2)
  })

  it('validates the value', () => {
    expect(() => new Semaphore(-1)).toThrow(/`value` to be an integer from 0 and up/)
    expect(() => new Semaphore(1).release(0)).toThrow(/`n`/)
  })
})

describe('BoundedSemaphore', () => {
  it('refuses to be released above its initial value (test_bounded_semaphore)', () => {
    const semaphore = new BoundedSemaphore(2)
    expect(() => semaphore.release()).toThrow(/released too many times/)
    semaphore.acquire()
    semaphore.release()
    expect(semaphore.getValue()).toBe(2)
  })

  it('stays bounded in a worker thread', async () => {
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    const semaphore = new BoundedSemaphore(1)
    const error = await pool
      .apply(
        (s: BoundedSemaphore) => {
          s.release()
        },
        [semaphore],
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RangeError)
  })
})
