import { lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { Future } from '@concurrent/future'
import { taskModule, TaskFuture, ThreadPoolExecutor } from '@concurrent/executors'

import { progress$, type ProgressReporting } from '../src/index.js'
import { testScheduler } from './fixtures/marbles.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('progress$', () => {
  it('emits what the task reports, then completes when it finishes', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const future = pool.submit(tasks.reportSteps, 3)
    await expect(lastValueFrom(progress$(future).pipe(toArray()))).resolves.toEqual([
      { step: 1, of: 3 },
      { step: 2, of: 3 },
      { step: 3, of: 3 },
    ])
    await expect(future).resolves.toBe('done')
  })

  it('completes, without erroring, when the task fails', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const future = pool.submit(tasks.failAfterProgress)
    await expect(lastValueFrom(progress$(future).pipe(toArray()))).resolves.toEqual([1])
    await expect(future).rejects.toThrow('failed after progress')
  })

  it('emits each value as it is reported and completes when the future is done', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const future = new TaskFuture<string>()
      future.setRunningOrNotifyCancel()
      cold('-a-b-c', { a: 0.25, b: 0.5, c: 'finish' }).subscribe((value) => {
        if (value === 'finish') future.setResult('ok')
        else future.emitProgress(value)
      })
      expectObservable(progress$(future)).toBe('-a-b-|', { a: 0.25, b: 0.5 })
    })
  })

  it('completes at once for a future already done', () => {
    const future = new TaskFuture<number>()
    future.cancel()
    testScheduler().run(({ expectObservable }) => {
      expectObservable(progress$(future)).toBe('|')
    })
  })

  it('only stops listening when unsubscribed: the task goes on', () => {
    const future = new TaskFuture<number>()
    future.setRunningOrNotifyCancel()
    const seen: unknown[] = []
    const subscription = progress$(future).subscribe((value) => seen.push(value))
    future.emitProgress(1)
    subscription.unsubscribe()
    future.emitProgress(2)
    expect(seen).toEqual([1])
    expect(future.running()).toBe(true)
  })

  it('throws a TypeError for a future that cannot report progress', () => {
    const plain = new Future<number>() as Future<number> & ProgressReporting
    expect(() => progress$(plain)).toThrow(TypeError)
  })
})
