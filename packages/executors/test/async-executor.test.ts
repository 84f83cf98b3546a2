/** What only the in-process executor does: closures, and the order of submit and the call. */
import { describe, expect, it } from 'vitest'
import { AsyncExecutor, reportProgress } from '@concurrent/executors'

describe('AsyncExecutor', () => {
  it('runs closures over the caller’s variables (nothing is shipped to a worker)', async () => {
    await using pool = new AsyncExecutor({ maxWorkers: 2 })
    const factor = 3
    await expect(pool.submit((n: number) => n * factor, 14)).resolves.toBe(42)
  })

  it('calls a closure after submit() returns, never inside it', async () => {
    await using pool = new AsyncExecutor({ maxWorkers: 2 })
    const order: string[] = []
    const future = pool.submit(() => {
      order.push('task')
      reportProgress('at once')
      return 'done'
    })
    order.push('submitted')
    const seen: unknown[] = []
    future.onProgress((value) => seen.push(value))
    await expect(future).resolves.toBe('done')
    expect(order).toEqual(['submitted', 'task'])
    expect(seen).toEqual(['at once'])
  })

  it('gives each of two concurrent tasks its own token', async () => {
    await using pool = new AsyncExecutor({ maxWorkers: 2 })
    const { currentToken } = await import('@concurrent/executors')
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const a = pool.submit(async () => {
      const token = currentToken()
      await gate
      return token.cancelled
    })
    const b = pool.submit(async () => {
      const token = currentToken()
      await gate
      return token.cancelled
    })
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(a.cancel({ interrupt: true })).toBe(true)
    release()
    await expect(a).rejects.toThrow()
    await expect(b).resolves.toBe(false)
  })
})
