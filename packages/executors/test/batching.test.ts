/**
 * Batches: when many quick calls of one task wait in the queue, a free worker gets many of them
 * in one message. Each future must still behave as if it had been sent alone: its own result,
 * progress and error; `cancel()` taking it back while the worker has not started it (exactly,
 * in a thread pool); an interrupt stopping only it; a worker dying mid-batch failing only the
 * call it was running.
 *
 * The pool batches only calls of a task it has seen run for under 0.1 ms, so each test
 * warms it up first. In a thread pool a batched call's token is a slot of the batch's shared
 * buffer (`currentToken().index` above 0), which is how the tests see that batches happened.
 */
import { describe, expect, it } from 'vitest'

import { range } from '@concurrent/test-utils'
import { CALLER_STACKS_PER_TURN, withoutCallerStacks } from '@concurrent/worker/internal'
import { whenIdle } from './conformance-helpers.js'
import {
  CancelledError,
  DataCloneError,
  ProcessPoolExecutor,
  taskModule,
  ThreadPoolExecutor,
  WorkerCrashedError,
  type Future,
  type PoolExecutor,
} from '@concurrent/executors'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

const pools = [
  {
    name: 'ThreadPoolExecutor',
    threads: true,
    create: () => new ThreadPoolExecutor({ maxWorkers: 2, gracePeriod: 200 }),
  },
  {
    name: 'ProcessPoolExecutor',
    threads: false,
    create: () => new ProcessPoolExecutor({ maxWorkers: 2, gracePeriod: 200 }),
  },
] as const

/** Runs rounds of quick calls until the pool batches them (threads: seen in the token slot). */
async function warmUp(pool: PoolExecutor, threads: boolean): Promise<void> {
  for (let round = 0; round < 40; round++) {
    const results = await Promise.all(range(200).map(() => pool.submit(tasks.act, 'value', 0)))
    if (round >= 5 && (!threads || results.some((result) => result.slot > 0))) return
  }
  throw new Error('the pool never sent a batch')
}

/** Waits for every future to be done, whatever the outcome. */
async function settled(futures: ReadonlyArray<Future<unknown>>): Promise<void> {
  await Promise.allSettled(futures)
}

describe.each(pools)('$name batches', { timeout: 60_000 }, ({ threads, create }) => {
  it('gives each batched future its own result, in a batch when calls pile up', async () => {
    await using pool = create()
    await warmUp(pool, threads)
    const before = pool.stats().completed
    const results = await Promise.all(range(2_000).map((i) => pool.submit(tasks.act, 'value', i)))
    expect(results.map((result) => result.value)).toEqual(range(2_000))
    if (threads) expect(results.some((result) => result.slot > 0)).toBe(true)
    expect(pool.stats()).toMatchObject({ completed: before + 2_000, queued: 0, running: 0 })
  })

  it('delivers each batched call’s progress to its own future', async () => {
    await using pool = create()
    await warmUp(pool, threads)
    const seen = range(300).map((): unknown[] => [])
    const futures = range(300).map((i) => {
      const future = pool.submit(tasks.act, 'progress', i)
      future.onProgress((value) => seen[i]!.push(value))
      return future
    })
    await Promise.all(futures)
    expect(seen).toEqual(range(300).map((i) => [i]))
  })

  it('running() is true for a batched call while it runs (CPython: running once handed over)', async () => {
    await using pool = create()
    await warmUp(pool, threads)
    const seen: boolean[] = []
    const futures = range(2_000).map((i) => {
      const future = pool.submit(tasks.act, 'progress', i)
      future.onProgress(() => seen.push(future.running()))
      return future
    })
    const results = await Promise.all(futures)
    expect(seen).toHaveLength(2_000)
    expect(seen.every(Boolean)).toBe(true)
    if (threads) expect(results.some((result) => result.slot > 0)).toBe(true)
  })

  // A process worker shares no memory with the test: only threads can hold a gate and count.
  if (threads) {
    it('cancel({ interrupt: true }) of a call handed over but not started: it never runs', async () => {
      await using pool = create()
      await warmUp(pool, threads)
      // Slot 0 is the gate, slot 1,001 the blockers'; the others record which calls ran.
      const marks = new Int32Array(new SharedArrayBuffer(4 * 1_002))
      // Both workers held, so that the gate and the calls after it wait in the queue, and the
      // gate's worker takes it with calls behind it, in one batch.
      const blockers = [1, 2].map(() => pool.submit(tasks.holdUntil, marks, 1_001))
      const gate = pool.submit(tasks.act, 'gate', 0, marks)
      const futures = range(1_000).map((i) => pool.submit(tasks.act, 'mark', i + 1, marks))
      const interrupted: number[] = []
      gate.onProgress(() => {
        // The gate holds its worker: the calls handed over behind it have not started.
        for (const [i, future] of futures.entries()) {
          if (i % 3 === 0 && future.running() && future.cancel({ interrupt: true })) {
            interrupted.push(i)
          }
        }
        Atomics.store(marks, 0, 1)
        Atomics.notify(marks, 0)
      })
      Atomics.store(marks, 1_001, 1)
      Atomics.notify(marks, 1_001)
      await settled([...blockers, gate, ...futures])
      expect(interrupted.length).toBeGreaterThan(0)
      for (const i of interrupted) {
        await expect(futures[i]!).rejects.toBeInstanceOf(CancelledError)
      }
      // Calls in the gate's batch were taken back exactly; any on the other worker may have run.
      const neverRan = interrupted.filter((i) => marks[i + 1] === 0)
      expect(neverRan.length).toBeGreaterThan(0)
      for (const [i, future] of futures.entries()) {
        if (!interrupted.includes(i)) expect((await future).value).toBe(i + 1)
      }
    })
  }

  it('cancel() takes back a batched future its worker has not started; every other one runs', async () => {
    await using pool = create()
    await warmUp(pool, threads)
    const marks = threads ? new Int32Array(new SharedArrayBuffer(4 * 3_000)) : undefined
    const futures = range(3_000).map((i) => pool.submit(tasks.act, 'mark', i, marks))
    const taken = new Set<number>()
    // By the time the first result is in, the workers hold batches: cancel every third future.
    futures[0]!.addDoneCallback(() => {
      for (let i = 3; i < futures.length; i += 3) if (futures[i]!.cancel()) taken.add(i)
    })
    await settled(futures)
    expect(taken.size).toBeGreaterThan(0)
    for (const [i, future] of futures.entries()) {
      if (taken.has(i)) {
        expect(future.cancelled()).toBe(true)
        await expect(future).rejects.toBeInstanceOf(CancelledError)
        // A thread pool decides the race with the worker through shared memory: a future that
        // cancel() took back never ran.
        if (marks !== undefined) expect(marks[i], `call ${i} ran after cancel()`).toBe(0)
      } else {
        expect((await future).value).toBe(i)
        if (marks !== undefined) expect(marks[i]).toBe(1)
      }
    }
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0 })
  })

  it('a worker dying mid-batch fails only the call it was running', async () => {
    await using pool = create()
    await warmUp(pool, threads)
    const futures = range(400).map((i) =>
      i === 200 ? pool.submit(tasks.act, 'exit', 9) : pool.submit(tasks.act, 'value', i),
    )
    await settled(futures)
    const error = await futures[200]!.exception()
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect((error as WorkerCrashedError).exitCode).toBe(9)
    const slots: number[] = []
    for (const [i, future] of futures.entries()) {
      if (i === 200) continue
      const { value, slot } = await future
      expect(value).toBe(i)
      slots.push(slot)
    }
    if (threads) expect(slots.some((slot) => slot > 0)).toBe(true)
    await expect(pool.submit(tasks.add, 20, 22)).resolves.toBe(42)
  })

  it('cancel({ interrupt: true }) stops one batched call; the calls around it complete', async () => {
    await using pool = create()
    await warmUp(pool, threads)
    const futures = range(400).map((i) =>
      i === 200 ? pool.submit(tasks.act, 'wait', i) : pool.submit(tasks.act, 'value', i),
    )
    const waiting = futures[200]!
    waiting.onProgress(() => waiting.cancel({ interrupt: true }))
    await settled(futures)
    await expect(waiting).rejects.toBeInstanceOf(CancelledError)
    for (const [i, future] of futures.entries()) {
      if (i !== 200) expect((await future).value).toBe(i)
    }
  })

  it('cancel({ interrupt: true }) of a batched call that ignores it terminates its worker; the rest complete', async () => {
    await using pool = create()
    await warmUp(pool, threads)
    const futures = range(400).map((i) =>
      i === 200 ? pool.submit(tasks.act, 'hang', i) : pool.submit(tasks.act, 'value', i),
    )
    const hanging = futures[200]!
    hanging.onProgress(() => hanging.cancel({ interrupt: true }))
    await settled(futures)
    await expect(hanging).rejects.toBeInstanceOf(CancelledError)
    for (const [i, future] of futures.entries()) {
      if (i !== 200) expect((await future).value).toBe(i)
    }
    // The interrupted future is cancelled at once; its worker is terminated a gracePeriod later.
    await whenIdle(pool)
    await expect(pool.submit(tasks.add, 20, 22)).resolves.toBe(42)
  })

  it('fails a batched call whose result cannot be sent back with DataCloneError; the rest complete', async () => {
    await using pool = create()
    await warmUp(pool, threads)
    const futures = range(400).map((i) =>
      i === 200 ? pool.submit(tasks.act, 'unsendable', i) : pool.submit(tasks.act, 'value', i),
    )
    await settled(futures)
    const error = await futures[200]!.exception()
    expect(error).toBeInstanceOf(DataCloneError)
    expect((error as Error).message).toMatch(/result of `act` cannot be sent back/)
    for (const [i, future] of futures.entries()) {
      if (i !== 200) expect((await future).value).toBe(i)
    }
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0 })
    await expect(pool.submit(tasks.add, 20, 22)).resolves.toBe(42)
  })

  it('shutdown({ cancelFutures: true }) cancels the queued futures; handed-over calls finish', async () => {
    const pool = create()
    await warmUp(pool, threads)
    const futures = range(3_000).map((i) => pool.submit(tasks.act, 'value', i))
    await futures[0]
    await pool.shutdown({ cancelFutures: true })
    expect(futures.every((future) => future.done())).toBe(true)
    const cancelled = futures.filter((future) => future.cancelled()).length
    expect(cancelled).toBeGreaterThan(0)
    for (const [i, future] of futures.entries()) {
      if (!future.cancelled()) expect((await future).value).toBe(i)
    }
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0, cancelled })
  })

  it('joins the submitting line to a task error for the first calls of a burst, not past them', async () => {
    await using pool = create()
    const errors = await Promise.all(
      range(CALLER_STACKS_PER_TURN + 8).map(() => pool.submit(tasks.fail, 'burst').exception()),
    )
    const stacks = errors.map((error) => (error as Error).stack ?? '')
    for (const stack of stacks) expect(stack).toMatch(/fixtures[\\/]tasks\.ts/)
    const joined = stacks.map((stack) => stack.includes('for the task submitted at'))
    expect(joined).toEqual(range(stacks.length).map((i) => i < CALLER_STACKS_PER_TURN))
    expect(stacks[0]).toMatch(/batching\.test\.ts/)
    // The next turn starts a new budget.
    const later = await pool.submit(tasks.fail, 'later').exception()
    expect((later as Error).stack).toContain('for the task submitted at')
  })

  it('joins no submitting line to the errors of tasks submitted inside withoutCallerStacks()', async () => {
    await using pool = create()
    const quiet = await withoutCallerStacks(() => pool.submit(tasks.fail, 'quiet')).exception()
    expect((quiet as Error).stack).toMatch(/fixtures[\\/]tasks\.ts/)
    expect((quiet as Error).stack).not.toContain('for the task submitted at')
    // Outside it, in the same turn, the stack is joined again.
    const loud = await pool.submit(tasks.fail, 'loud').exception()
    expect((loud as Error).stack).toContain('for the task submitted at')
  })
})
