/**
 * RLock: CPython's test_rlock, and ownership across threads.
 */
import { describe, expect, it } from 'vitest'

import { InvalidStateError, Pool, RLock, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('RLock', () => {
  it('is reentrant: acquired three times, it needs three releases (test_rlock)', () => {
    const lock = new RLock()
    expect(lock.acquire()).toBe(true)
    expect(lock.acquire()).toBe(true)
    expect(lock.acquire()).toBe(true)
    lock.release()
    lock.release()
    expect(lock.locked()).toBe(true)
    lock.release()
    expect(lock.locked()).toBe(false)
    expect(() => lock.release()).toThrow(InvalidStateError)
  })

  it('nests hold() and holdAsync()', async () => {
    const lock = new RLock()
    {
      using _outer = await lock.holdAsync()
      using _inner = lock.hold()
      expect(lock.locked()).toBe(true)
    }
    expect(lock.locked()).toBe(false)
  })

  it('belongs to the thread holding it: other threads wait, and cannot release it', async () => {
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    const lock = new RLock()
    lock.acquire()
    expect(await pool.apply(tasks.tryAcquire, [lock, 50])).toBe(false)
    const waiting = pool.applyAsync(tasks.tryAcquire, [lock, 10_000])
    await new Promise((resolve) => setTimeout(resolve, 30))
    lock.release()
    expect(await waiting.get()).toBe(true)
    const error = await pool
      .apply(
        (held: RLock) => {
          held.release()
        },
        [lock],
      )
      .catch((e: unknown) => e)
    expect((error as Error).name).toBe('InvalidStateError')
  })
})
