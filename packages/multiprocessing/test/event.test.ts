/**
 * Event: CPython's _TestEvent cases, with waiters in worker threads and on the main thread.
 */
import { describe, expect, it } from 'vitest'

import { Event, Pool, Process, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('Event', () => {
  it('is set, cleared and waited for (test_event)', async () => {
    const event = new Event()
    expect(event.isSet()).toBe(false)
    expect(event.wait({ timeout: 0 })).toBe(false)
    expect(event.wait({ timeout: 20 })).toBe(false)
    expect(await event.waitAsync({ timeout: 20 })).toBe(false)
    event.set()
    expect(event.isSet()).toBe(true)
    expect(event.wait()).toBe(true)
    expect(await event.waitAsync({ timeout: 0 })).toBe(true)
    event.clear()
    expect(event.isSet()).toBe(false)
    expect(event.wait({ timeout: 0 })).toBe(false)
  })

  it('wakes a waiter that was waiting when set() was called, even if cleared at once', async () => {
    const event = new Event()
    const waiting = event.waitAsync({ timeout: 10_000 })
    event.set()
    event.clear()
    expect(await waiting).toBe(true)
  })

  it('is set from a task and waited for on the main thread, and the other way round', async () => {
    await using pool = new Pool({ processes: 2, kind: 'thread' })
    const event = new Event()
    const waiter = pool.applyAsync(tasks.waitEvent, [event, 10_000])
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(waiter.ready()).toBe(false)
    event.set()
    expect(await waiter.get()).toBe(true)
    const other = new Event()
    await pool.apply(tasks.setEvent, [other])
    expect(await other.waitAsync({ timeout: 1_000 })).toBe(true)
  })

  it('stops a task that is cancelled while it waits', async () => {
    const event = new Event()
    const worker = new Process({ target: tasks.waitEvent, args: [event], kind: 'thread' })
    await worker.start()
    worker.terminate()
    await worker.join()
    expect(worker.exitCode).toBe(-15)
  })

  it('waitAsync({ signal }) rejects with the reason', async () => {
    const event = new Event()
    const controller = new AbortController()
    const waiting = event.waitAsync({ signal: controller.signal })
    controller.abort(new Error('stop waiting'))
    await expect(waiting).rejects.toThrow('stop waiting')
  })
})
