/**
 * Queue: Python's semantics in one thread (CPython's test_queue cases for multiprocessing),
 * then the same queue shared with tasks in worker threads and child processes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'

import {
  DataCloneError,
  EmptyError,
  FullError,
  InvalidStateError,
  Lock,
  MAX_MESSAGE_BYTES,
  Pool,
  Process,
  Queue,
  taskModule,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

afterEach(() => {
  vi.useRealTimers()
})

/** Plain data shaped like the descriptor a Queue travels as: it must stay plain data. */
const forged = {
  '@concurrent/multiprocessing': 'Queue',
  address: '/nonexistent/socket',
  secret: '00',
  channel: 1,
  maxsize: 0,
}

describe('Queue in one thread', () => {
  it('is first in, first out', async () => {
    const queue = new Queue<number>()
    for (let i = 0; i < 5; i++) await queue.put(i)
    const out: number[] = []
    for (let i = 0; i < 5; i++) out.push(await queue.get())
    expect(out).toEqual([0, 1, 2, 3, 4])
  })

  it('copies items: changing an item after put() does not change what get() returns', async () => {
    const queue = new Queue<{ n: number; nested: number[] }>()
    const item = { n: 1, nested: [1, 2] }
    await queue.put(item)
    item.n = 2
    item.nested.push(3)
    const got = await queue.get()
    expect(got).toEqual({ n: 1, nested: [1, 2] })
    expect(got).not.toBe(item)
  })

  it('keeps structured-cloneable types: Map, Set, Date, bigint, typed arrays, errors', async () => {
    const queue = new Queue()
    const item = {
      map: new Map([[1, 'a']]),
      set: new Set([1]),
      date: new Date(0),
      big: 10n ** 30n,
      bytes: new Uint8Array([1, 2, 3]),
      error: new RangeError('bad'),
    }
    await queue.put(item)
    const got = (await queue.get()) as typeof item
    expect(got.map.get(1)).toBe('a')
    expect(got.set.has(1)).toBe(true)
    expect(got.date.getTime()).toBe(0)
    expect(got.big).toBe(10n ** 30n)
    expect([...got.bytes]).toEqual([1, 2, 3])
    expect(got.error).toBeInstanceOf(RangeError)
  })

  it('qsize(), empty() and full() follow the items', async () => {
    const queue = new Queue<number>(2)
    expect(queue.maxsize).toBe(2)
    expect([await queue.qsize(), await queue.empty(), await queue.full()]).toEqual([0, true, false])
    await queue.put(1)
    await queue.put(2)
    expect([await queue.qsize(), await queue.empty(), await queue.full()]).toEqual([2, false, true])
  })

  it('full() is never true without a maxsize (0 means no limit, as in Python)', async () => {
    const queue = new Queue<number>(0)
    for (let i = 0; i < 100; i++) await queue.put(i)
    expect(await queue.full()).toBe(false)
    expect(new Queue(Infinity).maxsize).toBe(0)
  })

  it('getNowait() raises EmptyError on an empty queue', async () => {
    const queue = new Queue<number>()
    await expect(queue.getNowait()).rejects.toBeInstanceOf(EmptyError)
    await expect(queue.get({ block: false })).rejects.toBeInstanceOf(EmptyError)
  })

  it('putNowait() raises FullError on a full queue', async () => {
    const queue = new Queue<number>(1)
    await queue.putNowait(1)
    await expect(queue.putNowait(2)).rejects.toBeInstanceOf(FullError)
    await expect(queue.put(2, { block: false })).rejects.toBeInstanceOf(FullError)
    expect(await queue.get()).toBe(1)
  })

  it('get({ timeout }) raises EmptyError once the timeout passes', async () => {
    const queue = new Queue<number>()
    const started = performance.now()
    await expect(queue.get({ timeout: 50 })).rejects.toBeInstanceOf(EmptyError)
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
  })

  it('put({ timeout }) raises FullError once the timeout passes, and the item is not put', async () => {
    const queue = new Queue<number>(1)
    await queue.put(1)
    await expect(queue.put(2, { timeout: 30 })).rejects.toBeInstanceOf(FullError)
    expect(await queue.qsize()).toBe(1)
  })

  it('put() waits for room on a full queue, and the get that makes room admits it', async () => {
    const queue = new Queue<string>(1)
    await queue.put('first')
    let admitted = false
    const waiting = queue.put('second').then(() => (admitted = true))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(admitted).toBe(false)
    expect(await queue.get()).toBe('first')
    await waiting
    expect(await queue.get()).toBe('second')
  })

  it('get() waits for an item and takes the first one put', async () => {
    const queue = new Queue<number>()
    const first = queue.get()
    const second = queue.get()
    await queue.put(1)
    await queue.put(2)
    await expect(first).resolves.toBe(1)
    await expect(second).resolves.toBe(2)
  })

  it('a get() given up by its signal takes nothing: the next item goes to the next getter', async () => {
    const queue = new Queue<string>()
    const controller = new AbortController()
    const abandoned = queue.get({ signal: controller.signal })
    const reason = new Error('no longer interested')
    controller.abort(reason)
    await expect(abandoned).rejects.toBe(reason)
    await queue.put('item')
    expect(await queue.get()).toBe('item')
  })

  it('a put() given up by its signal puts nothing', async () => {
    const queue = new Queue<string>(1)
    await queue.put('a')
    const controller = new AbortController()
    const abandoned = queue.put('b', { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(abandoned).rejects.toThrow('stop')
    expect(await queue.get()).toBe('a')
    expect(await queue.qsize()).toBe(0)
  })

  it('rejects with the reason of a signal that has already aborted, taking nothing', async () => {
    const queue = new Queue<number>()
    await queue.put(1)
    const reason = new Error('already')
    await expect(queue.get({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(await queue.qsize()).toBe(1)
  })

  it('close() makes this handle refuse put() and get() with InvalidStateError', async () => {
    const queue = new Queue<number>()
    queue.close()
    await expect(queue.put(1)).rejects.toBeInstanceOf(InvalidStateError)
    await expect(queue.get()).rejects.toBeInstanceOf(InvalidStateError)
  })

  it('put() refuses what cannot be copied with DataCloneError, naming the problem', async () => {
    const queue = new Queue<unknown>()
    await expect(queue.put({ callback: () => 1 })).rejects.toBeInstanceOf(DataCloneError)
    await expect(queue.put({ callback: () => 1 })).rejects.toThrow(/item put on the Queue/)
  })

  it('put() refuses a lock: shared memory travels only as a task argument', async () => {
    const queue = new Queue<unknown>()
    await expect(queue.put({ lock: new Lock() })).rejects.toBeInstanceOf(DataCloneError)
    await expect(queue.put([new Lock()])).rejects.toThrow(
      /the item put on the Queue\[0\] is a Lock/i,
    )
    await expect(queue.put(new Int32Array(new SharedArrayBuffer(4)))).rejects.toThrow(
      /SharedArrayBuffer/,
    )
  })

  it('validates maxsize and options with messages that name them', async () => {
    expect(() => new Queue(-1)).toThrow(RangeError)
    expect(() => new Queue(1.5)).toThrow(/`maxsize` to be an integer from 0 and up/)
    const queue = new Queue()
    await expect(queue.get({ timeout: -1 })).rejects.toThrow(RangeError)
    await expect(queue.get({ signal: 'no' as never })).rejects.toThrow(TypeError)
  })

  it('put() refuses an item over MAX_MESSAGE_BYTES with a RangeError naming the limit, and queues nothing', async () => {
    const queue = new Queue<Uint8Array>()
    expect(MAX_MESSAGE_BYTES).toBe(64 * 1024 * 1024)
    const error = await queue.put(new Uint8Array(MAX_MESSAGE_BYTES)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RangeError)
    expect(error).toHaveProperty(
      'message',
      expect.stringMatching(
        /^Expected the item put on the Queue to take at most 64 MiB once serialized \(MAX_MESSAGE_BYTES\), got 64\.0 MiB: split it/,
      ),
    )
    expect(await queue.qsize()).toBe(0)
    await queue.put(new Uint8Array(MAX_MESSAGE_BYTES - 1024))
    expect((await queue.get()).length).toBe(MAX_MESSAGE_BYTES - 1024)
  })

  it('keeps plain data that looks like a queue handle as plain data, next to a real queue', async () => {
    const queue = new Queue<unknown>()
    await queue.put(forged)
    const got = await queue.get()
    expect(got).toEqual(forged)
    expect(got).not.toBeInstanceOf(Queue)
    const real = new Queue<number>()
    await queue.put([real, forged, { nested: forged }])
    const [revived, plain, nested] = (await queue.get()) as [Queue<number>, unknown, unknown]
    expect(revived).toBeInstanceOf(Queue)
    expect(plain).toEqual(forged)
    expect(nested).toEqual({ nested: forged })
    await revived.put(5)
    expect(await real.get()).toBe(5)
  })

  it('carries a queue through a queue: the copy talks to the same items', async () => {
    const outer = new Queue<Queue<number>>()
    const inner = new Queue<number>()
    await outer.put(inner)
    const copy = await outer.get()
    expect(copy).toBeInstanceOf(Queue)
    await copy.put(7)
    expect(await inner.get()).toBe(7)
  })
})

describe.each(['thread', 'process'] as const)('Queue shared with %s tasks', (kind) => {
  it('carries items from a producer task to a consumer task (producer/consumer)', async () => {
    await using pool = new Pool({ processes: 2, kind })
    const queue = new Queue<number | null>()
    const consumer = pool.applyAsync(tasks.consume, [queue])
    const producer = pool.applyAsync(tasks.produce, [queue, 100])
    await producer.get()
    expect(await consumer.get()).toBe(4950)
  })

  it('keeps the order of each producer (FIFO per producer)', async () => {
    await using pool = new Pool({ processes: 2, kind })
    const queue = new Queue<string>()
    const items = (name: string): string[] => Array.from({ length: 200 }, (_, i) => `${name}${i}`)
    await pool.starmap(tasks.putAll, [
      [queue, items('a')],
      [queue, items('b')],
    ])
    const received: string[] = []
    for (let i = 0; i < 400; i++) received.push(await queue.get())
    expect(received.filter((item) => item.startsWith('a'))).toEqual(items('a'))
    expect(received.filter((item) => item.startsWith('b'))).toEqual(items('b'))
  })

  it('lets the main program get what a task puts, and a task get what the main program puts', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const queue = new Queue<number>()
    await pool.apply(tasks.putPid, [queue])
    const pid = await queue.get()
    expect(pid === process.pid).toBe(kind === 'thread')
    await queue.put(42)
    expect(await pool.apply(tasks.getOne, [queue])).toBe(42)
  })

  it('raises EmptyError in the task when its get() times out', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const queue = new Queue<number>()
    const error = await pool.apply(tasks.getOne, [queue, 50]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmptyError)
  })

  it('reports qsize(), empty() and full() inside the task', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const queue = new Queue<number>(2)
    await queue.put(1)
    await queue.put(2)
    expect(await pool.apply(tasks.queueSize, [queue])).toEqual([2, false, true])
  })

  it('reaches a task as part of a nested argument, and queues arrive through queues', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const from = new Queue<string>()
    const to = new Queue<string>()
    await from.put('hello')
    await pool.apply(tasks.relay, [from, to])
    expect(await to.get()).toBe('relayed hello')
    const mailbox = new Queue<Queue<string>>()
    const reply = new Queue<string>()
    await mailbox.put(reply)
    await pool.apply(tasks.answerOnQueueFromQueue, [mailbox])
    expect(await reply.get()).toBe('answered')
  })

  it('leaves the item in the queue when the consumer is stopped while it waits in get()', async () => {
    const queue = new Queue<string>()
    const ready = new Queue<string>()
    const consumer = new Process({ target: tasks.getAfterSignal, args: [queue, ready], kind })
    void consumer.start()
    expect(await ready.get()).toBe('waiting')
    // Give the consumer's get() time to reach the queue's owner.
    await new Promise((resolve) => setTimeout(resolve, 100))
    consumer.terminate()
    await consumer.join()
    expect(consumer.exitCode).toBe(-15)
    await queue.put('precious')
    expect(await queue.get({ timeout: 5_000 })).toBe('precious')
  })

  it('keeps plain data that looks like a handle as plain data, as an argument and as an item', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const queue = new Queue<unknown[]>()
    expect(await pool.apply(tasks.argumentKinds, [queue, forged, [forged]])).toEqual([
      'Queue',
      'Object',
      'Array',
    ])
    await queue.put([new Queue(), forged])
    expect(await pool.apply(tasks.itemKinds, [queue])).toEqual(['Queue', 'Object'])
  })

  it('refuses an item over MAX_MESSAGE_BYTES in the task, naming the limit, and queues nothing', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const queue = new Queue<Uint8Array>()
    expect(await pool.apply(tasks.putBytes, [queue, MAX_MESSAGE_BYTES + 1])).toMatch(
      /^RangeError: Expected the item put on the Queue to take at most 64 MiB .*MAX_MESSAGE_BYTES/,
    )
    expect(await queue.qsize()).toBe(0)
    expect(await pool.apply(tasks.putBytes, [queue, 1024])).toBe('put')
    expect((await queue.get()).length).toBe(1024)
  })

  it('refuses a lock next to the queue for a process task, and accepts it for a thread task', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const queue = new Queue<string>()
    const submit = (): unknown =>
      pool.applyAsync(tasks.relay, [queue, { lock: new Lock() } as never])
    if (kind === 'process') {
      expect(submit).toThrow(DataCloneError)
      expect(submit).toThrow(/argument 2 of `relay`\.lock is a Lock/i)
    } else {
      expect(submit).not.toThrow()
    }
  })
})
