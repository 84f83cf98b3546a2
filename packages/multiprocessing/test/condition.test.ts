/**
 * Condition: CPython's _TestCondition cases (notify, notify_all, notify(n), timeout,
 * wait_for), with waiters in worker threads and on the main thread.
 */
import { describe, expect, it } from 'vitest'

import {
  Condition,
  Event,
  InvalidStateError,
  Lock,
  Pool,
  RawValue,
  Value,
  taskModule,
  type SharedValue,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(condition()).toBe(true)
}

describe('Condition', () => {
  it('wait() times out with false when nobody notifies (test_timeout)', async () => {
    const condition = new Condition()
    {
      using _held = condition.hold()
      expect(condition.wait({ timeout: 20 })).toBe(false)
    }
    {
      using _held = await condition.holdAsync()
      expect(await condition.waitAsync({ timeout: 20 })).toBe(false)
    }
  })

  it('refuses wait() and notify() without the lock', async () => {
    const condition = new Condition(new Lock())
    expect(() => condition.wait({ timeout: 0 })).toThrow(InvalidStateError)
    await expect(condition.waitAsync()).rejects.toBeInstanceOf(InvalidStateError)
    expect(() => condition.notify()).toThrow(/notify on a Condition/)
    expect(() => new Condition({} as never)).toThrow(TypeError)
  })

  it('notify() wakes one waiter, notify(n) n of them, notifyAll() the rest (test_notify, test_notify_n)', async () => {
    await using pool = new Pool({ processes: 4, kind: 'thread' })
    const condition = new Condition()
    const waiting = RawValue('i', 0)
    const results = [0, 1, 2, 3].map(() =>
      pool.applyAsync(tasks.waitOnCondition, [condition, waiting, 20_000]),
    )
    await until(() => waiting.value === 4)
    const done = (): number => results.filter((result) => result.ready()).length
    {
      using _held = await condition.holdAsync()
      condition.notify()
    }
    await until(() => done() === 1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(done()).toBe(1)
    {
      using _held = await condition.holdAsync()
      condition.notify(2)
    }
    await until(() => done() === 3)
    {
      using _held = await condition.holdAsync()
      condition.notifyAll()
    }
    expect(await Promise.all(results.map((result) => result.get()))).toEqual([
      true,
      true,
      true,
      true,
    ])
  })

  it('waitFor() returns once the predicate holds (test_waitfor)', async () => {
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    const condition = new Condition()
    const value = Value('i', 0)
    const ready = new Event()
    const waiter = pool.applyAsync(tasks.waitForValue, [condition, value, 3, ready])
    expect(await ready.waitAsync({ timeout: 10_000 })).toBe(true)
    for (let i = 1; i <= 3; i++) {
      using _held = await condition.holdAsync()
      value.value = i
      condition.notifyAll()
    }
    expect(await waiter.get()).toBe(3)
  })

  it('waitForAsync() on the main thread, notified by a task', async () => {
    const condition = new Condition()
    const value: SharedValue<'i'> = Value('i', 0)
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    using _held = await condition.holdAsync()
    const setter = pool.applyAsync(tasks.setAndNotify, [condition, value, 5])
    expect(await condition.waitForAsync(() => value.value === 5, { timeout: 10_000 })).toBe(true)
    await setter.get()
  })

  it('waitFor() gives the predicate’s last value on timeout (test_waitfor_timeout)', () => {
    const condition = new Condition()
    using _held = condition.hold()
    expect(condition.waitFor(() => 0, { timeout: 20 })).toBe(0)
  })

  it('holds the lock again when a wait is given up by its signal', async () => {
    const lock = new Lock()
    const condition = new Condition(lock)
    using _held = await condition.holdAsync()
    const controller = new AbortController()
    const waiting = condition.waitAsync({ signal: controller.signal })
    controller.abort(new Error('enough'))
    await expect(waiting).rejects.toThrow('enough')
    expect(lock.locked()).toBe(true)
  })
})
