/** What only the in-process executor does: closures, and the order of submit and the call. */
import { describe, expect, it, vi } from 'vitest'
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

  // The context's storage is switched off whenever no task runs (it slows every promise while
  // on), and on again for the next task.
  it('keeps a task’s context across awaits while others end, and after an idle pause', async () => {
    await using pool = new AsyncExecutor({ maxWorkers: 2 })
    const { currentSignal } = await import('@concurrent/executors')
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    for (let round = 0; round < 2; round++) {
      const seen: boolean[] = []
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      const long = pool.submit(async () => {
        await gate
        await sleep(1)
        seen.push(currentSignal().aborted)
      })
      await expect(pool.submit(() => 'short')).resolves.toBe('short')
      expect(long.cancel({ interrupt: true })).toBe(true)
      release()
      await expect(long).rejects.toThrow()
      // The future rejects at the interrupt; the task itself goes on to read its signal.
      await vi.waitFor(() => expect(seen).toEqual([true]))
      await sleep(5)
    }
  })
})
