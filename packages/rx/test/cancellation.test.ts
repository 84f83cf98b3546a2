/**
 * Unsubscribing stops real work: tasks in worker threads count into shared memory (an
 * Int32Array over a SharedArrayBuffer, which worker threads share with the test), and each test
 * proves that the count stops growing once the subscription ends.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { from, lastValueFrom, map, range, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { AsyncExecutor, taskModule, ThreadPoolExecutor, transfer } from '@concurrent/executors'

import { asCompleted$, executeMap, executeStarmap, fromFuture } from '../src/index.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

function counters(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT))
}

async function waitUntil(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !predicate(); waited += 10) {
    if (waited > 20_000) throw new Error(`timed out waiting until ${what}`)
    await sleep(10)
  }
}

/** Waits until `counter[slot]` is counting, so the task is surely running in its worker. */
async function counting(counter: Int32Array, slot = 0): Promise<void> {
  const start = Atomics.load(counter, slot)
  await waitUntil(() => Atomics.load(counter, slot) > start + 10, `slot ${slot} counts`)
}

/** Proves the task counting into `counter[slot]` has stopped: the count stays put for 300 ms. */
async function stopsCounting(counter: Int32Array, slot = 0): Promise<void> {
  let last = Atomics.load(counter, slot)
  for (let attempt = 0; attempt < 100; attempt++) {
    await sleep(100)
    const now = Atomics.load(counter, slot)
    if (now === last) break
    last = now
  }
  await sleep(300)
  expect(Atomics.load(counter, slot), `slot ${slot} is still counting`).toBe(last)
}

describe('fromFuture with worker threads', () => {
  it('stops a running task that polls its token when unsubscribed', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const counter = counters(1)
    const future = pool.submit(tasks.countUntilCancelled, counter, 0)
    const subscription = fromFuture(future).subscribe()
    await counting(counter)
    subscription.unsubscribe()
    await stopsCounting(counter)
    expect(future.cancelled()).toBe(true)
    // The worker was kept and runs the next task.
    await expect(pool.submit(tasks.square, 7)).resolves.toBe(49)
  })

  it('stops a task that never polls its token, by replacing its worker after gracePeriod', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1, gracePeriod: 100 })
    const counter = counters(1)
    const subscription = fromFuture(pool.submit(tasks.countForever, counter, 0)).subscribe()
    await counting(counter)
    subscription.unsubscribe()
    await stopsCounting(counter)
    await expect(pool.submit(tasks.square, 8)).resolves.toBe(64)
  })

  it("lets the running task go on with onUnsubscribe: 'cancel'", async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const counter = counters(1)
    const future = pool.submit(tasks.countUntilCancelled, counter, 0)
    const subscription = fromFuture(future, { onUnsubscribe: 'cancel' }).subscribe()
    await counting(counter)
    subscription.unsubscribe()
    await counting(counter) // still counting after the unsubscribe
    expect(future.running()).toBe(true)
    future.cancel({ interrupt: true })
    await stopsCounting(counter)
  })
})

describe('executeMap with worker threads', () => {
  it('maps in order over chunks and returns the results', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const squares = range(1, 1_000).pipe(
      executeMap(pool, tasks.square, { chunksize: 50, concurrency: 4 }),
      toArray(),
    )
    await expect(lastValueFrom(squares)).resolves.toEqual(
      Array.from({ length: 1_000 }, (_, i) => (i + 1) ** 2),
    )
  })

  it('moves transferred buffers to the workers and back', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const buffers = Array.from({ length: 8 }, (_, i) => new Uint8Array(1024).fill(i))
    const results = await lastValueFrom(
      from(buffers).pipe(
        map((buffer) => transfer(buffer)),
        executeMap(pool, tasks.invert, { concurrency: 4 }),
        toArray(),
      ),
    )
    expect(results.map((result) => result[0])).toEqual([255, 254, 253, 252, 251, 250, 249, 248])
    expect(buffers.every((buffer) => buffer.byteLength === 0)).toBe(true) // moved, not copied
  })

  it("errors with the task's error, with its class", async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const mapped = range(10, 10).pipe(executeMap(pool, tasks.failOn))
    await expect(lastValueFrom(mapped)).rejects.toThrow(new RangeError('unlucky 13'))
  })

  it('stops every running task, and starts none of the rest, when unsubscribed', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const counter = counters(4)
    const args = [0, 1, 2, 3].map((slot): [Int32Array, number] => [counter, slot])
    const subscription = from(args)
      .pipe(executeStarmap(pool, tasks.countUntilCancelled, { concurrency: 2 }))
      .subscribe()
    await counting(counter, 0)
    await counting(counter, 1)
    subscription.unsubscribe()
    await stopsCounting(counter, 0)
    await stopsCounting(counter, 1)
    expect([Atomics.load(counter, 2), Atomics.load(counter, 3)]).toEqual([0, 0])
    await waitUntil(() => pool.stats().running === 0, 'nothing runs')
  })

  it('stops a running chunk when unsubscribed', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const counter = counters(3)
    // The first value finds the slot free and goes alone; the two behind it wait, and go
    // together as one chunk, whose first item counts until cancelled.
    const args: Array<[Int32Array, number, number]> = [
      [counter, 2, 20],
      [counter, 0, Infinity],
      [counter, 1, Infinity],
    ]
    const subscription = from(args)
      .pipe(executeStarmap(pool, tasks.countUntilCancelled, { concurrency: 1, chunksize: 2 }))
      .subscribe()
    await counting(counter, 0)
    expect(Atomics.load(counter, 2)).toBe(20)
    subscription.unsubscribe()
    await stopsCounting(counter, 0)
    expect(Atomics.load(counter, 1)).toBe(0)
    await waitUntil(() => pool.stats().running === 0, 'nothing runs')
  })

  it('never has more than `concurrency` tasks in the pool, even with idle workers', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 4 })
    let most = 0
    const sample = setInterval(() => {
      const { running, queued } = pool.stats()
      most = Math.max(most, running + queued)
    }, 1)
    const results = await lastValueFrom(
      range(0, 40).pipe(
        map((n): [number, number] => [n, 20]),
        executeStarmap(pool, tasks.slowSquare, { concurrency: 3, ordered: false }),
        toArray(),
      ),
    ).finally(() => clearInterval(sample))
    expect(results).toHaveLength(40)
    expect(most).toBeLessThanOrEqual(3)
    expect(most).toBeGreaterThan(1) // the bound, not a lack of work, kept it there
  })

  it('runs closures on an AsyncExecutor', async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 3 })
    const offset = 100
    const mapped = range(0, 10).pipe(
      executeMap(executor, async (n: number) => {
        await sleep(1)
        return n + offset
      }),
      toArray(),
    )
    await expect(lastValueFrom(mapped)).resolves.toEqual(
      Array.from({ length: 10 }, (_, i) => i + offset),
    )
  })
})

describe('asCompleted$ with worker threads', () => {
  it('interrupts the tasks still running once take(1) has the first', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 3 })
    const counter = counters(2)
    const futures = [
      pool.submit(tasks.countUntilCancelled, counter, 0),
      pool.submit(tasks.countUntilCancelled, counter, 1),
      pool.submit(tasks.slowSquare, 5, 300),
    ]
    await counting(counter, 0)
    await counting(counter, 1)
    const first = await lastValueFrom(asCompleted$(futures, { emit: 'values' }).pipe(take(1)))
    expect(first).toBe(25)
    await stopsCounting(counter, 0)
    await stopsCounting(counter, 1)
    expect(futures.map((future) => future.state)).toEqual(['cancelled', 'cancelled', 'finished'])
  })
})
