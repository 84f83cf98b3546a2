import { setTimeout as sleep } from 'node:timers/promises'

import { describe, expect, it, vi } from 'vitest'

import { CancelToken } from '@concurrent/cancellation'
import { currentSignal, currentToken, reportProgress } from '@concurrent/worker'
import { runInTaskContext, type TaskContext } from '@concurrent/worker/internal'

function context(): TaskContext & { readonly reported: unknown[] } {
  const reported: unknown[] = []
  return { token: new CancelToken(), progress: (value) => reported.push(value), reported }
}

describe('outside a task', () => {
  it('currentToken() is a token that is never cancelled, the same each time', () => {
    const token = currentToken()
    expect(token).toBeInstanceOf(CancelToken)
    expect(token.cancelled).toBe(false)
    expect(() => token.throwIfCancelled()).not.toThrow()
    expect(currentToken()).toBe(token)
  })

  it('currentSignal() is a signal that has not aborted', () => {
    expect(currentSignal()).toBeInstanceOf(AbortSignal)
    expect(currentSignal().aborted).toBe(false)
  })

  it('reportProgress() does nothing', () => {
    expect(() => reportProgress({ done: 1 })).not.toThrow()
  })
})

describe('runInTaskContext', () => {
  it('returns what the function returns', () => {
    expect(runInTaskContext(context(), () => 42)).toBe(42)
  })

  it('makes the in-task API see the context', () => {
    const ctx = context()
    runInTaskContext(ctx, () => {
      expect(currentToken()).toBe(ctx.token)
      expect(currentSignal()).toBe(ctx.token.signal)
      reportProgress(1)
      reportProgress({ step: 2 })
    })
    expect(ctx.reported).toEqual([1, { step: 2 }])
  })

  it('keeps the context across awaits and timers', async () => {
    const ctx = context()
    await runInTaskContext(ctx, async () => {
      await sleep(1)
      expect(currentToken()).toBe(ctx.token)
      await new Promise<void>((resolve) => {
        setTimeout(() => {
          reportProgress('from a timer')
          resolve()
        }, 1)
      })
      await Promise.resolve()
      reportProgress('after awaits')
    })
    expect(ctx.reported).toEqual(['from a timer', 'after awaits'])
  })

  it('shows a cancel of the context token to the task', () => {
    const ctx = context()
    runInTaskContext(ctx, () => {
      ctx.token.cancel()
      expect(currentToken().cancelled).toBe(true)
      expect(currentSignal().aborted).toBe(true)
    })
  })

  it('keeps two concurrent contexts separate', async () => {
    const first = context()
    const second = context()
    const task = async (label: string): Promise<CancelToken> => {
      for (let i = 0; i < 3; i++) {
        reportProgress(`${label}${i}`)
        await sleep(1)
      }
      return currentToken()
    }
    const [firstToken, secondToken] = await Promise.all([
      runInTaskContext(first, () => task('a')),
      runInTaskContext(second, () => task('b')),
    ])
    expect(firstToken).toBe(first.token)
    expect(secondToken).toBe(second.token)
    expect(first.reported).toEqual(['a0', 'a1', 'a2'])
    expect(second.reported).toEqual(['b0', 'b1', 'b2'])
  })

  it('leaves the outside untouched once the task is over', async () => {
    const ctx = context()
    const progress = vi.fn()
    await runInTaskContext({ ...ctx, progress }, async () => {
      await sleep(1)
    })
    ctx.token.cancel()
    reportProgress('outside')
    expect(progress).not.toHaveBeenCalled()
    expect(currentToken()).not.toBe(ctx.token)
    expect(currentToken().cancelled).toBe(false)
  })
})
