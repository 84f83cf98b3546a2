import { setTimeout as sleep } from 'node:timers/promises'

import { lastValueFrom, take, toArray, type Observable } from 'rxjs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { ShutdownError, taskModule, ThreadPoolExecutor } from '@concurrent/executors'

import { stream$, type StreamingExecutor } from '../src/index.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('stream$', () => {
  it('emits what the generator yields, then completes when it returns', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    await expect(lastValueFrom(stream$(pool, tasks.countdown, 3).pipe(toArray()))).resolves.toEqual(
      [3, 2, 1],
    )
  })

  it("errors with the generator's error, after the values before it", async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const seen: number[] = []
    const error = await new Promise((resolve) => {
      stream$(pool, tasks.failAfter, 2).subscribe({
        next: (value) => seen.push(value),
        error: resolve,
      })
    })
    expect(seen).toEqual([0, 1])
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe('failed after 2')
  })

  it('stops the generator in its worker when unsubscribed', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const counter = new Int32Array(new SharedArrayBuffer(4))
    await expect(
      lastValueFrom(stream$(pool, tasks.ticks, counter).pipe(take(5), toArray())),
    ).resolves.toEqual([0, 1, 2, 3, 4])
    // It may have run a few steps ahead before the interrupt landed; then it must stop for good.
    let stopped = Atomics.load(counter, 0)
    for (let attempt = 0; attempt < 100; attempt++) {
      await sleep(100)
      if (Atomics.load(counter, 0) === stopped) break
      stopped = Atomics.load(counter, 0)
    }
    await sleep(300)
    expect(Atomics.load(counter, 0)).toBe(stopped)
    expect(pool.stats().running).toBe(0)
  })

  it('is cold: each subscription runs the task anew', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const countdown = stream$(pool, tasks.countdown, 2)
    const [first, second] = await Promise.all([
      lastValueFrom(countdown.pipe(toArray())),
      lastValueFrom(countdown.pipe(toArray())),
    ])
    expect([first, second]).toEqual([
      [2, 1],
      [2, 1],
    ])
    expect(pool.stats().completed).toBe(2)
  })

  it('errors with ShutdownError when subscribed after shutdown', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    await pool.shutdown()
    await expect(lastValueFrom(stream$(pool, tasks.countdown, 1))).rejects.toBeInstanceOf(
      ShutdownError,
    )
  })

  it('types the values from the generator', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    expectTypeOf(stream$(pool, tasks.countdown, 3)).toEqualTypeOf<Observable<number>>()
    expectTypeOf(pool).toExtend<StreamingExecutor>()
  })

  it('throws a TypeError for an executor without stream()', () => {
    expect(() => stream$({} as StreamingExecutor, tasks.countdown, 1)).toThrow(
      'Expected `executor` to have a stream() method (such as a ThreadPoolExecutor), got `[object Object]` (object)',
    )
  })
})
