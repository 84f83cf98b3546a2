/**
 * Pool, ThreadPool and AsyncResult: CPython's _TestPool cases (apply, map, starmap, imap,
 * imap_unordered, map_async with callbacks, close/join, terminate, context manager,
 * initializer, maxtasksperchild), for both kinds of worker, and the trap CPython's pool falls
 * into — a killed worker — that this one must not.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'

import { range } from '@concurrent/test-utils'

import {
  AsyncResult,
  BrokenExecutorError,
  CancelledError,
  cpuCount,
  DataCloneError,
  InvalidStateError,
  Lock,
  Pool,
  Queue,
  ShutdownError,
  ThreadPool,
  TimeoutError,
  WorkerCrashedError,
  taskModule,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

afterEach(() => {
  vi.restoreAllMocks()
})

describe.each(['process', 'thread'] as const)('Pool with kind %s', (kind) => {
  it('map() returns the results in order: Pool(5).map(square, range(10))', async () => {
    await using pool = new Pool({ processes: 5, kind })
    expect(await pool.map(tasks.square, range(10))).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81])
  })

  it('map() chooses the chunksize as Python does: len / (4 * processes), rounded up', async () => {
    await using pool = new Pool({ processes: 2, kind })
    // 16 items on 2 workers: chunks of 2, so items 2k and 2k+1 always run on the same worker.
    const results = await pool.map(tasks.whereAmI, range(16))
    for (let k = 0; k < 8; k++) expect(results[2 * k]!.worker).toBe(results[2 * k + 1]!.worker)
    expect(results.map((result) => result.n)).toEqual(range(16))
  })

  it('map() takes an explicit chunksize, any iterable, an async iterable, and an empty input', async () => {
    await using pool = new Pool({ processes: 2, kind })
    expect(await pool.map(tasks.square, range(20), { chunksize: 7 })).toEqual(
      range(20).map((n) => n * n),
    )
    expect(await pool.map(tasks.square, new Set([3, 4]))).toEqual([9, 16])
    async function* numbers(): AsyncGenerator<number> {
      yield 5
      yield 6
    }
    expect(await pool.map(tasks.square, numbers())).toEqual([25, 36])
    expect(await pool.map(tasks.square, [])).toEqual([])
  })

  it('starmap() spreads each item; apply() calls once (test_apply, test_starmap)', async () => {
    await using pool = new Pool({ processes: 2, kind })
    expect(
      await pool.starmap(tasks.add, [
        [1, 2],
        [3, 4],
      ]),
    ).toEqual([3, 7])
    expect(await pool.apply(tasks.add, [20, 22])).toBe(42)
    expect(await pool.apply(tasks.whoAmI)).toHaveProperty('pid')
    await expect(pool.starmap(tasks.add, [5 as never])).rejects.toThrow(/array of arguments/)
  })

  it('runs self-contained inline functions', async () => {
    await using pool = new Pool({ processes: 2, kind })
    expect(await pool.map((n: number) => n + 1, [1, 2, 3])).toEqual([2, 3, 4])
  })

  it('map() rejects with the first failing item’s error, with its class', async () => {
    await using pool = new Pool({ processes: 2, kind })
    const error = await pool
      .starmap(
        tasks.squareUnless,
        range(10).map((n) => [n, 6] as [number, number]),
        { chunksize: 1 },
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RangeError)
    expect((error as Error).message).toBe('6 is bad')
  })

  it('mapAsync() and starmapAsync() call callback with the list (test_map_async_callbacks)', async () => {
    await using pool = new Pool({ processes: 2, kind })
    const received: unknown[] = []
    const result = pool.mapAsync(tasks.square, [1, 2, 3], { callback: (v) => received.push(v) })
    expect(result).toBeInstanceOf(AsyncResult)
    expect(await result.get()).toEqual([1, 4, 9])
    expect(received).toEqual([[1, 4, 9]])
    const errors: unknown[] = []
    const failing = pool.starmapAsync(tasks.squareUnless, [[1, 1]], {
      errorCallback: (e) => errors.push(e),
    })
    await failing.wait()
    expect(failing.successful()).toBe(false)
    expect(errors[0]).toBeInstanceOf(RangeError)
  })

  it('applyAsync() returns an AsyncResult: ready, successful, wait, get (test_async)', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const result = pool.applyAsync(tasks.slowSquare, [7, 200])
    expect(result.ready()).toBe(false)
    expect(() => result.successful()).toThrow(InvalidStateError)
    await result.wait({ timeout: 10 })
    expect(result.ready()).toBe(false)
    await expect(result.get({ timeout: 10 })).rejects.toBeInstanceOf(TimeoutError)
    expect(await result.get({ timeout: 10_000 })).toBe(49)
    expect(result.ready()).toBe(true)
    expect(result.successful()).toBe(true)
    expect(await result).toBe(49)
  })

  it('applyAsync() runs callback or errorCallback, and reports a callback that throws', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    await using pool = new Pool({ processes: 1, kind })
    const values: number[] = []
    await pool.applyAsync(tasks.square, [3], { callback: (v) => values.push(v) }).wait()
    expect(values).toEqual([9])
    const errors: unknown[] = []
    await pool.applyAsync(tasks.fail, ['nope'], { errorCallback: (e) => errors.push(e) }).wait()
    expect((errors[0] as Error).message).toBe('nope')
    const result = pool.applyAsync(tasks.square, [2], {
      callback: () => {
        throw new Error('callback broke')
      },
    })
    expect(await result.get()).toBe(4)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(warning).toHaveBeenCalledWith(expect.stringMatching(/callback broke/), expect.anything())
  })

  it('imap() yields results in order; imapUnordered() yields them all', async () => {
    await using pool = new Pool({ processes: 2, kind })
    const ordered: number[] = []
    for await (const square of pool.imap(tasks.square, range(10))) ordered.push(square)
    expect(ordered).toEqual(range(10).map((n) => n * n))
    const unordered: number[] = []
    for await (const square of pool.imapUnordered(tasks.square, range(10), { chunksize: 3 })) {
      unordered.push(square)
    }
    expect(unordered.sort((a, b) => a - b)).toEqual(range(10).map((n) => n * n))
  })

  it('imap() reads its input lazily: an endless generator, then break', async () => {
    await using pool = new Pool({ processes: 2, kind })
    let read = 0
    function* naturals(): Generator<number> {
      for (let n = 0; ; n++) {
        read++
        yield n
      }
    }
    const seen: number[] = []
    for await (const square of pool.imap(tasks.square, naturals(), { chunksize: 5 })) {
      seen.push(square)
      if (seen.length === 30) break
    }
    expect(seen).toEqual(range(30).map((n) => n * n))
    expect(read).toBeLessThan(200)
    expect(await pool.apply(tasks.add, [1, 1])).toBe(2)
  })

  it('imap() takes an async iterable and throws an item’s error at its position', async () => {
    await using pool = new Pool({ processes: 2, kind })
    async function* input(): AsyncGenerator<[number, number]> {
      for (let n = 0; n < 5; n++) yield [n, 3]
    }
    const seen: number[] = []
    const loop = async (): Promise<void> => {
      for await (const value of pool.imap((pair: [number, number]) => pair[0], input())) {
        seen.push(value)
      }
    }
    await loop()
    expect(seen).toEqual([0, 1, 2, 3, 4])
    const values: number[] = []
    const error = await (async () => {
      const failing = (n: number): number => {
        if (n === 2) throw new RangeError('two is bad')
        return n
      }
      for await (const value of pool.imap(failing, [0, 1, 2, 3])) values.push(value)
    })().catch((e: unknown) => e)
    expect(values).toEqual([0, 1])
    expect(error).toBeInstanceOf(RangeError)
  })

  it('imap() yields what came before an input that fails, then its error (test_imap_handle_iterable_exception)', async () => {
    await using pool = new Pool({ processes: 2, kind })
    function* failing(): Generator<number> {
      yield 1
      yield 2
      throw new RangeError('the input broke')
    }
    const seen: number[] = []
    const error = await (async () => {
      for await (const value of pool.imap(tasks.square, failing())) seen.push(value)
    })().catch((e: unknown) => e)
    expect(seen).toEqual([1, 4])
    expect((error as Error).message).toBe('the input broke')
  })

  it('map() refuses an item that cannot be copied, naming it (test_map_unpicklable)', async () => {
    await using pool = new Pool({ processes: 1, kind })
    const error = await pool.map(tasks.square, [1, (() => 2) as never]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DataCloneError)
    expect((error as Error).message).toMatch(/is a function/)
  })

  it('close() refuses new work with ShutdownError; join() waits for the work (test_close)', async () => {
    const pool = new Pool({ processes: 2, kind })
    const slow = pool.applyAsync(tasks.slowSquare, [3, 200])
    await expect(pool.join()).rejects.toBeInstanceOf(InvalidStateError)
    pool.close()
    expect(() => pool.applyAsync(tasks.square, [1])).toThrow(ShutdownError)
    expect(() => pool.imap(tasks.square, [1])).toThrow(ShutdownError)
    await expect(pool.map(tasks.square, [1])).rejects.toBeInstanceOf(ShutdownError)
    await pool.join()
    expect(slow.ready()).toBe(true)
    expect(await slow.get()).toBe(9)
  })

  it('terminate() fails unfinished work with CancelledError and stops (test_terminate)', async () => {
    const pool = new Pool({ processes: 1, kind })
    const running = pool.applyAsync(tasks.spinForever)
    const queued = pool.applyAsync(tasks.square, [2])
    await new Promise((resolve) => setTimeout(resolve, 300))
    const started = performance.now()
    await pool.terminate()
    expect(performance.now() - started).toBeLessThan(5_000)
    await expect(running.get()).rejects.toBeInstanceOf(CancelledError)
    await expect(queued.get()).rejects.toThrow('the pool was terminated')
    await pool.join()
    await expect(pool.apply(tasks.square, [1])).rejects.toBeInstanceOf(ShutdownError)
  })

  it('await using terminates at the end of the block, like Python’s `with Pool()`', async () => {
    let pending: AsyncResult<never> | undefined
    {
      await using pool = new Pool({ processes: 1, kind })
      expect(await pool.map(tasks.square, [1, 2])).toEqual([1, 4])
      pending = pool.applyAsync(tasks.spinForever)
    }
    await expect(pending.get()).rejects.toBeInstanceOf(CancelledError)
  })

  it('fails only the work of a worker that dies, and goes on (no hang on a killed worker)', async () => {
    await using pool = new Pool({ processes: 2, kind })
    const victim =
      kind === 'process' ? pool.applyAsync(tasks.killSelf) : pool.applyAsync(tasks.exitWith, [1])
    const neighbour = pool.applyAsync(tasks.slowSquare, [5, 200])
    const error = await victim.get({ timeout: 20_000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(await neighbour.get({ timeout: 20_000 })).toBe(25)
    const mapped = await pool
      .starmap(
        tasks.squareOrCrash,
        range(8).map((n) => [n, 5] as [number, number]),
      )
      .catch((e: unknown) => e)
    expect(mapped).toBeInstanceOf(WorkerCrashedError)
    expect(await pool.map(tasks.square, [1, 2, 3])).toEqual([1, 4, 9])
  })

  it('runs the initializer with initargs in every worker (test_pool_initializer)', async () => {
    await using pool = new Pool({
      processes: 2,
      kind,
      initializer: tasks.configure,
      initargs: ['configured'],
    })
    expect(await pool.map(tasks.readConfigured as never, [1, 2, 3, 4])).toEqual(
      Array(4).fill('configured'),
    )
  })

  it('hands a queue to the initializer, where it stays connected', async () => {
    const queue = new Queue<string>()
    await using pool = new Pool({
      processes: 1,
      kind,
      initializer: tasks.keepQueue,
      initargs: [queue],
    })
    await pool.apply(tasks.putOnKeptQueue, ['from a global'])
    expect(await queue.get()).toBe('from a global')
  })

  it('breaks with BrokenExecutorError when the initializer fails (Python would loop forever)', async () => {
    await using pool = new Pool({ processes: 1, kind, initializer: tasks.failingInitializer })
    await expect(pool.apply(tasks.square, [2])).rejects.toBeInstanceOf(BrokenExecutorError)
  })

  it('replaces a worker after maxtasksperchild tasks (test_maxtasksperchild)', async () => {
    await using pool = new Pool({ processes: 1, kind, maxtasksperchild: 2 })
    const workers: string[] = []
    for (let i = 0; i < 4; i++) workers.push((await pool.apply(tasks.whereAmI, [i])).worker)
    expect(workers[0]).toBe(workers[1])
    expect(workers[2]).toBe(workers[3])
    expect(workers[1]).not.toBe(workers[2])
  })
})

describe('Pool', () => {
  it('refuses a lock for a process pool at the call, and shares it with a thread pool', async () => {
    await using processes = new Pool({ processes: 1 })
    const lock = new Lock()
    expect(() => processes.applyAsync(tasks.tryAcquire, [lock, 10])).toThrow(DataCloneError)
    await expect(processes.map(tasks.readValue as never, [lock])).rejects.toThrow(
      /Argument 1 of `readValue` is a Lock/,
    )
    await using threads = new Pool({ processes: 1, kind: 'thread' })
    expect(await threads.apply(tasks.tryAcquire, [lock, 10])).toBe(true)
    lock.acquire()
    expect(await threads.apply(tasks.tryAcquire, [lock, 10])).toBe(false)
    lock.release()
  })

  it('defaults to cpuCount() processes; takes them as a number too', async () => {
    await using byDefault = new Pool()
    expect(byDefault.processes).toBe(cpuCount())
    expect(byDefault.kind).toBe('process')
    await using five = new Pool(5)
    expect(five.processes).toBe(5)
  })

  it('validates its options, naming them', () => {
    expect(() => new Pool(0)).toThrow(
      /Expected `processes` to be an integer from 1 and up, got `0`/,
    )
    expect(() => new Pool({ kind: 'fiber' as never })).toThrow(/`kind`/)
    expect(() => new Pool({ maxtasksperchild: 0 })).toThrow(/`maxtasksperchild`/)
    expect(() => new Pool({ initargs: 'x' as never })).toThrow(/`initargs`/)
    expect(() => new Pool({ maxTasksPerChild: 1 } as never)).toThrow(/Unknown Pool option/)
  })

  it('validates chunksize and buffersize', async () => {
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    expect(() => pool.mapAsync(tasks.square, [1], { chunksize: 0 })).toThrow(/`chunksize`/)
    expect(() => pool.imap(tasks.square, [1], { buffersize: 0 })).toThrow(/`buffersize`/)
  })
})

describe('ThreadPool', () => {
  it('is a Pool of worker threads (multiprocessing.pool.ThreadPool)', async () => {
    await using pool = new ThreadPool(2)
    expect(pool).toBeInstanceOf(Pool)
    expect(pool.kind).toBe('thread')
    expect((await pool.apply(tasks.whoAmI)).pid).toBe(process.pid)
    expect(() => new ThreadPool({ kind: 'process' } as never)).toThrow(/always has kind: 'thread'/)
  })
})
