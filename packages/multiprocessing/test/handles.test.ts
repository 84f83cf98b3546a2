/**
 * Queues, pipes, shared values and every lock as arguments to the tasks of any executor — not
 * only through Pool and Process: a `ThreadPoolExecutor` or `ProcessPoolExecutor` task gets
 * working objects. The task module imports only the classes' types, so each worker loads the
 * classes it needs by itself. What cannot reach a worker (shared memory for a process) fails at
 * `submit`, naming the argument.
 */
import { ProcessPoolExecutor, ThreadPoolExecutor } from '@concurrent/executors'
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  DataCloneError,
  EOFError,
  Event,
  Lock,
  Pipe,
  Queue,
  RawArray,
  RawValue,
  RLock,
  Semaphore,
  Value,
  taskModule,
} from '@concurrent/multiprocessing'
import { describe, expect, it } from 'vitest'

import { collect } from '@concurrent/test-utils'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('shared memory and locks in ThreadPoolExecutor tasks', () => {
  it('a Lock serializes the increments of a Value by tasks running at once', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const counter = RawValue('i', 0)
    const lock = new Lock()
    const start = new Barrier(2)
    const done = await Promise.all([
      pool.submit(tasks.increment, counter, lock, 2_000, start),
      pool.submit(tasks.increment, counter, lock, 2_000, start),
    ])
    expect(done).toEqual([2_000, 2_000])
    expect(counter.value).toBe(4_000)
    expect(lock.locked()).toBe(false)
  })

  it('a Value keeps its own lock: getLock().hold() in tasks serializes them too', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const counter = Value('i', 0)
    const start = new Barrier(2)
    await Promise.all([
      pool.submit(tasks.incrementWithGetLock, counter, 1_000, start),
      pool.submit(tasks.incrementWithGetLock, counter, 1_000, start),
    ])
    expect(counter.value).toBe(2_000)
  })

  it('an Event set by a task is seen set by the caller, and a task sees the caller’s', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const fromTask = new Event()
    await pool.submit(tasks.setEvent, fromTask)
    expect(fromTask.isSet()).toBe(true)
    expect(await fromTask.waitAsync({ timeout: 10_000 })).toBe(true)
    const fromCaller = new Event()
    const waiting = pool.submit(tasks.waitEvent, fromCaller, 20_000)
    fromCaller.set()
    expect(await waiting).toBe(true)
  })

  it('a Barrier lets tasks through together, each with its own arrival index', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 3 })
    const barrier = new Barrier(3)
    const indexes = await Promise.all(
      [0, 1, 2].map(() => pool.submit(tasks.waitOnBarrier, barrier, 20_000)),
    )
    expect(indexes.sort()).toEqual([0, 1, 2])
    expect(barrier.broken).toBe(false)
  })

  it('a Semaphore lets at most its value of tasks in at once', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 4 })
    for (const slots of [new Semaphore(2), new BoundedSemaphore(2)]) {
      const counters = RawArray('i', 2)
      await Promise.all(
        Array.from({ length: 8 }, () => pool.submit(tasks.useSlot, slots, counters)),
      )
      expect(counters[0]).toBe(0)
      expect(counters[1]).toBeGreaterThanOrEqual(1)
      expect(counters[1]).toBeLessThanOrEqual(2)
      expect(slots.getValue()).toBe(2)
    }
  })

  it('an RLock held by the caller keeps a task out until it is released', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const lock = new RLock()
    expect(await pool.submit(tasks.tryAcquire, lock, 10_000)).toBe(true)
    await lock.acquireAsync()
    expect(await pool.submit(tasks.tryAcquire, lock, 10)).toBe(false)
    lock.release()
  })

  it('a Condition wakes a task waiting on it when the caller notifies', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const condition = new Condition()
    const value = Value('i', 0)
    const ready = new Event()
    const seen = pool.submit(tasks.waitForValue, condition, value, 3, ready)
    expect(await ready.waitAsync({ timeout: 20_000 })).toBe(true)
    {
      using _held = await condition.holdAsync()
      value.value = 3
      condition.notifyAll()
    }
    expect(await seen).toBe(3)
  })

  it('reach a task inside nested arguments and through map chunks', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
    const values = [Value('i', 1), Value('i', 2), Value('i', 3)]
    expect(await collect(pool.map(tasks.readValue, values, { chunksize: 2 }))).toEqual([1, 2, 3])
    const fills = [RawArray('d', 4)]
    await pool.submit(tasks.fillSquares, fills[0] as Float64Array, 0, 4)
    expect([...(fills[0] as Float64Array)]).toEqual([0, 1, 4, 9])
  })
})

describe('what cannot reach a worker process', () => {
  it('a Value given to a ProcessPoolExecutor task throws DataCloneError at submit, naming it', async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 })
    const submit = (): unknown => pool.submit(tasks.readValue, Value('i', 0))
    expect(submit).toThrow(DataCloneError)
    expect(submit).toThrow(/^Argument 1 of `readValue` is a shared Value \('i'\), which lives in/)
    let error: unknown
    try {
      submit()
    } catch (thrown) {
      error = thrown
    }
    expect((error as DataCloneError).argumentIndex).toBe(0)
    expect(() => pool.submit(tasks.tryAcquire, new Lock(), 10)).toThrow(
      /Argument 1 of `tryAcquire` is a Lock/,
    )
    expect(() => pool.submit(tasks.fillSquares, RawArray('d', 2), 0, 2)).toThrow(
      /Argument 1 of `fillSquares` is a Float64Array over a SharedArrayBuffer/,
    )
    expect(() =>
      pool.submit(tasks.relay, new Queue<string>(), { lock: new Lock() } as never),
    ).toThrow(/Argument 2 of `relay`\.lock is a Lock/)
    // Nothing was started for them.
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0, completed: 0, failed: 0 })
  })
})

describe.each([
  ['ThreadPoolExecutor', () => new ThreadPoolExecutor({ maxWorkers: 2 })],
  ['ProcessPoolExecutor', () => new ProcessPoolExecutor({ maxWorkers: 2 })],
] as const)('queues and pipes in %s tasks', (_name, create) => {
  it('a Queue carries items from a task to the caller and back', async () => {
    await using pool = create()
    const queue = new Queue<number>()
    expect(await pool.submit(tasks.putAll, queue, [1, 2, 3])).toBe(3)
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual([1, 2, 3])
    const got = pool.submit(tasks.getOne, queue, 20_000)
    await queue.put(42)
    expect(await got).toBe(42)
    expect(await queue.qsize()).toBe(0)
  })

  it('a Pipe plays ping-pong with a task, and the task’s handle closes when it ends', async () => {
    await using pool = create()
    const [parent, child] = Pipe<string>()
    const rounds = pool.submit(tasks.pong, child)
    for (const n of [1, 2, 3]) {
      await parent.send(`ping ${n}`)
      expect(await parent.recv({ timeout: 20_000 })).toBe(`pong ${n}`)
    }
    await parent.send('bye')
    expect(await rounds).toBe(3)

    const [reader, writer] = Pipe<number>({ duplex: false })
    await pool.submit(tasks.sendAll, writer, [7, 8], false)
    writer.close()
    expect(await reader.recv({ timeout: 20_000 })).toBe(7)
    expect(await reader.recv({ timeout: 20_000 })).toBe(8)
    await expect(reader.recv({ timeout: 20_000 })).rejects.toBeInstanceOf(EOFError)
  })

  it('a Pipe end handed to a task cancelled before it started is closed all the same', async () => {
    await using pool = create()
    const queue = new Queue<string>()
    const busy = [
      pool.submit(tasks.getOne, queue, 20_000),
      pool.submit(tasks.getOne, queue, 20_000),
    ]
    const [reader, writer] = Pipe<number>({ duplex: false })
    const never = pool.submit(tasks.sendAll, writer, [1], false)
    expect(never.cancel()).toBe(true)
    writer.close()
    await expect(reader.recv({ timeout: 20_000 })).rejects.toBeInstanceOf(EOFError)
    await queue.put('go')
    await queue.put('go')
    expect(await Promise.all(busy)).toEqual(['go', 'go'])
  })
})
