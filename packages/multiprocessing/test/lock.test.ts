/**
 * Lock: CPython's _TestLock cases, with the main thread and tasks in worker threads taking the
 * same lock, blocking (in tasks) or awaiting (on the main thread).
 */
import { describe, expect, it } from 'vitest'

import {
  Event,
  InvalidStateError,
  Lock,
  Pool,
  Process,
  TimeoutError,
  taskModule,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('Lock', () => {
  it('acquire() takes it, a second non-blocking acquire fails, release() frees it (test_lock)', () => {
    const lock = new Lock()
    expect(lock.locked()).toBe(false)
    expect(lock.acquire()).toBe(true)
    expect(lock.locked()).toBe(true)
    expect(lock.acquire({ block: false })).toBe(false)
    expect(lock.acquire({ block: false })).toBe(false)
    lock.release()
    expect(lock.locked()).toBe(false)
    expect(() => lock.release()).toThrow(InvalidStateError)
  })

  it('acquire({ timeout }) gives up with false once the timeout passes', async () => {
    const lock = new Lock()
    lock.acquire()
    const started = performance.now()
    expect(lock.acquire({ timeout: 50 })).toBe(false)
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    expect(await lock.acquireAsync({ timeout: 30 })).toBe(false)
    expect(await lock.acquireAsync({ block: false })).toBe(false)
    lock.release()
    expect(await lock.acquireAsync()).toBe(true)
    lock.release()
  })

  it('hold() and holdAsync() release when disposed (test_lock_context)', async () => {
    const lock = new Lock()
    {
      using _held = lock.hold()
      expect(lock.locked()).toBe(true)
    }
    expect(lock.locked()).toBe(false)
    {
      using _held = await lock.holdAsync()
      expect(lock.locked()).toBe(true)
      await expect(lock.holdAsync({ timeout: 10 })).rejects.toBeInstanceOf(TimeoutError)
      expect(() => lock.hold({ timeout: 0 })).toThrow(TimeoutError)
    }
    expect(lock.locked()).toBe(false)
  })

  it('acquireAsync() waits without blocking the event loop until another async flow releases', async () => {
    const lock = new Lock()
    await lock.acquireAsync()
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    const waiting = lock.acquireAsync()
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(ticks).toBeGreaterThan(3)
    lock.release()
    expect(await waiting).toBe(true)
    clearInterval(timer)
    lock.release()
  })

  it('acquireAsync({ signal }) rejects with the reason and leaves the lock alone', async () => {
    const lock = new Lock()
    lock.acquire()
    const controller = new AbortController()
    const waiting = lock.acquireAsync({ signal: controller.signal })
    controller.abort(new Error('gave up'))
    await expect(waiting).rejects.toThrow('gave up')
    lock.release()
    // The abandoned wait does not steal the next wake-up.
    lock.acquire()
    const next = lock.acquireAsync({ timeout: 5_000 })
    lock.release()
    expect(await next).toBe(true)
    lock.release()
  })

  it('validates its options', async () => {
    const lock = new Lock()
    expect(() => lock.acquire({ timeout: -1 })).toThrow(RangeError)
    expect(() => lock.acquire({ block: false, timeout: 1 })).toThrow(/meaningless/)
    expect(() => lock.acquire({ block: 'no' as never })).toThrow(/`block` to be a boolean/)
    await expect(lock.acquireAsync({ signal: {} as never })).rejects.toThrow(TypeError)
  })

  it('is shared with tasks in worker threads: a task waits while the main thread holds it', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const lock = new Lock()
    await lock.acquireAsync()
    expect(await pool.apply(tasks.tryAcquire, [lock, 50])).toBe(false)
    const waiting = pool.applyAsync(tasks.tryAcquire, [lock, 10_000])
    await new Promise((resolve) => setTimeout(resolve, 50))
    lock.release()
    expect(await waiting.get()).toBe(true)
  })

  it('makes the main thread wait, without blocking, while a task holds it', async () => {
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    const lock = new Lock()
    const held = new Event()
    const holder = pool.applyAsync(tasks.holdLockFor, [lock, 200, held])
    expect(await held.waitAsync({ timeout: 10_000 })).toBe(true)
    expect(lock.locked()).toBe(true)
    expect(await lock.acquireAsync({ block: false })).toBe(false)
    expect(await lock.acquireAsync({ timeout: 10_000 })).toBe(true)
    lock.release()
    expect(await holder.get()).toBe(true)
  })

  it('stops a task that is cancelled while it blocks in acquire()', async () => {
    const lock = new Lock()
    lock.acquire()
    const worker = new Process({ target: tasks.blockOnLock, args: [lock], kind: 'thread' })
    await worker.start()
    await new Promise((resolve) => setTimeout(resolve, 50))
    worker.terminate()
    await worker.join()
    expect(worker.exitCode).toBe(-15)
    expect(worker.error).toBeUndefined()
    lock.release()
    expect(lock.locked()).toBe(false)
  })
})
