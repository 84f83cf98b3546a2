import { describe, expect, it } from 'vitest'
import { Future } from '@concurrent/future'
import { TestExecutor } from '@concurrent/test-utils'

describe('Future', () => {
  it('resolves await with the value set by its executor', async () => {
    const future = new Future<number>()
    setTimeout(() => future.setResult(1), 1)
    await expect(future).resolves.toBe(1)
  })
})

describe('AbstractExecutor.map', () => {
  it('yields results in input order', async () => {
    await using executor = new TestExecutor(2)
    const out: number[] = []
    for await (const x of executor.map((n: number) => n * 2, [1, 2, 3, 4, 5])) out.push(x)
    expect(out).toEqual([2, 4, 6, 8, 10])
  })
})
