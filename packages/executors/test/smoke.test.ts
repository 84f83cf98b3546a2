import { describe, expect, it } from 'vitest'
import { taskModule } from '@concurrent/executors'
import { executorFactories } from '@concurrent/test-utils'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe.each(executorFactories)('$name', ({ create }) => {
  it('submit() runs a task from a TypeScript task module', async () => {
    await using pool = create({ maxWorkers: 2 })
    await expect(pool.submit(tasks.add, 1, 2)).resolves.toBe(3)
  })
})
