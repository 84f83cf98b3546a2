/** Many tasks sharing one AbortSignal: one listener on it, and all of them stop when it aborts. */
import { getEventListeners } from 'node:events'

import { afterEach, describe, expect, it } from 'vitest'
import { taskModule } from '@concurrent/executors'
import { executorFactories } from '@concurrent/test-utils'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

const warnings: Error[] = []
const onWarning = (warning: Error): void => {
  warnings.push(warning)
}
process.on('warning', onWarning)
afterEach(() => {
  warnings.length = 0
})

describe.each(executorFactories)('$name with one signal for many tasks', ({ create }) => {
  it('adds a single listener to the signal and removes it when the tasks are done', async () => {
    await using pool = create({ maxWorkers: 2 })
    const controller = new AbortController()
    const view = pool.with({ signal: controller.signal })
    const futures = Array.from({ length: 50 }, (_, i) => view.submit(tasks.add, i, 1))
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    await Promise.all(futures)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })

  it("keeps a view's futures TaskFutures, so their progress reaches onProgress", async () => {
    await using pool = create({ maxWorkers: 1 })
    const seen: unknown[] = []
    const future = pool.with({ priority: 1 }).submit(tasks.countUpTo, 3)
    future.onProgress((value) => seen.push(value))
    await expect(future).resolves.toBe(3)
    expect(seen).toEqual([0, 1, 2])
  })

  it("rejects every task with the signal's reason when it aborts", async () => {
    await using pool = create({ maxWorkers: 2 })
    const controller = new AbortController()
    const view = pool.with({ signal: controller.signal })
    const futures = Array.from({ length: 20 }, () => view.submit(tasks.sleepFor, 5_000))
    const reason = new Error('stop them all')
    controller.abort(reason)
    const outcomes = await Promise.allSettled(futures)
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === reason)).toBe(true)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })
})
