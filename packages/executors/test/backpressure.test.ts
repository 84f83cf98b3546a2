/** `maxQueue`: submit refuses work past it at once; map paces itself to stay within it. */
import { describe, expect, it } from 'vitest'
import { QueueFullError, taskModule } from '@concurrent/executors'
import { executorFactories } from '@concurrent/test-utils'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe.each(executorFactories)('$name with maxQueue', ({ create }) => {
  it('throws QueueFullError from submit() once maxQueue tasks are waiting', async () => {
    await using pool = create({ maxWorkers: 1, maxQueue: 2 })
    const accepted = [0, 1, 2].map(() => pool.submit(tasks.sleepFor, 50))
    expect(() => pool.submit(tasks.sleepFor, 50)).toThrow(QueueFullError)
    expect(() => pool.submit(tasks.sleepFor, 50)).toThrow(/maxQueue 2/)
    await Promise.all(accepted)
    await expect(pool.submit(tasks.add, 1, 1)).resolves.toBe(2)
  })

  it('lets map() run an input far larger than the queue without overflowing it', async () => {
    await using pool = create({ maxWorkers: 2, maxQueue: 3 })
    const squares: number[] = []
    for await (const square of pool.map(tasks.square, range(200))) {
      expect(pool.stats().queued).toBeLessThanOrEqual(3)
      squares.push(square)
    }
    expect(squares).toEqual(Array.from(range(200), (n) => n * n))
  })
})

function* range(stop: number): Generator<number> {
  for (let n = 0; n < stop; n++) yield n
}
