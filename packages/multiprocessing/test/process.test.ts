/**
 * Process: CPython's _TestProcess cases (start, join, exitcode, terminate, kill, is_alive,
 * name, args), for both kinds of worker.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'

import {
  DataCloneError,
  InlineTaskError,
  InvalidStateError,
  Lock,
  Process,
  Queue,
  RawArray,
  taskModule,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

afterEach(() => {
  vi.restoreAllMocks()
})

describe.each(['process', 'thread'] as const)('Process with kind %s', (kind) => {
  it('runs the target between start() and join(); exitCode goes from null to 0 (test_process)', async () => {
    const queue = new Queue<string>()
    const worker = new Process({ target: tasks.putAll, args: [queue, ['hello']], kind })
    expect(worker.isAlive()).toBe(false)
    expect(worker.exitCode).toBeNull()
    expect(worker.pid).toBeUndefined()
    void worker.start()
    expect(worker.isAlive()).toBe(true)
    expect(worker.exitCode).toBeNull()
    expect(await queue.get()).toBe('hello')
    await worker.join()
    expect(worker.exitCode).toBe(0)
    expect(worker.isAlive()).toBe(false)
  })

  it('knows its pid once started: a child process has its own, a thread has this one', async () => {
    const queue = new Queue<number>()
    const worker = new Process({ target: tasks.putPid, args: [queue], kind })
    await worker.start()
    expect(worker.pid).toBeTypeOf('number')
    expect(await queue.get()).toBe(worker.pid)
    expect(worker.pid === process.pid).toBe(kind === 'thread')
    await worker.join()
  })

  it('throws InvalidStateError when started twice, and when joined before start', async () => {
    const worker = new Process({ target: tasks.add, args: [1, 2], kind })
    await expect(worker.join()).rejects.toBeInstanceOf(InvalidStateError)
    void worker.start()
    expect(() => worker.start()).toThrow(InvalidStateError)
    expect(() => worker.start()).toThrow('cannot start a process twice')
    await worker.join()
    expect(worker.exitCode).toBe(0)
  })

  it('join({ timeout }) returns when the timeout passes and leaves the process running', async () => {
    await using worker = new Process({ target: tasks.napThenReturn, args: [60_000, 'late'], kind })
    await worker.start()
    const started = performance.now()
    await worker.join({ timeout: 100 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(90)
    expect(worker.isAlive()).toBe(true)
    expect(worker.exitCode).toBeNull()
    await worker.join({ timeout: 0 })
    expect(worker.exitCode).toBeNull()
  })

  it('terminate() stops it; exitCode is -15, minus SIGTERM (test_terminate)', async () => {
    const worker = new Process({ target: tasks.spinForever, kind })
    await worker.start()
    worker.terminate()
    await worker.join()
    expect(worker.exitCode).toBe(-15)
    expect(worker.isAlive()).toBe(false)
    expect(String(worker)).toBe(`<Process name='${worker.name}' stopped[SIGTERM]>`)
  })

  it('kill() stops it; exitCode is -9, minus SIGKILL (test_kill)', async () => {
    const worker = new Process({ target: tasks.spinForever, kind })
    await worker.start()
    worker.kill()
    await worker.join()
    expect(worker.exitCode).toBe(-9)
  })

  it('terminate() right after start(), before the pid is known, still stops it', async () => {
    const worker = new Process({ target: tasks.spinForever, kind })
    void worker.start()
    worker.terminate()
    await worker.join()
    expect(worker.exitCode).toBe(-15)
  })

  it('terminate() after the end changes nothing; before start() it throws', async () => {
    const worker = new Process({ target: tasks.add, args: [1, 1], kind })
    expect(() => worker.terminate()).toThrow(InvalidStateError)
    await worker.start()
    await worker.join()
    worker.terminate()
    worker.kill()
    expect(worker.exitCode).toBe(0)
  })

  it('an exception in the target gives exitCode 1, is printed to stderr and kept in error', async () => {
    const written: string[] = []
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    const worker = new Process({ target: tasks.fail, args: ['boom'], kind, name: 'Failing' })
    await worker.start()
    await worker.join()
    expect(worker.exitCode).toBe(1)
    expect(worker.error).toBeInstanceOf(RangeError)
    expect((worker.error as Error).message).toBe('boom')
    expect(written.join('')).toMatch(/^Process Failing:\nRangeError: boom/)
  })

  it('process.exit(code) in the target gives that exit code', async () => {
    const worker = new Process({ target: tasks.exitWith, args: [3], kind })
    await worker.start()
    await worker.join()
    expect(worker.exitCode).toBe(3)
    expect(worker.error).toBeUndefined()
  })

  it('runs a self-contained inline function; refuses a closure when created', async () => {
    const queue = new Queue<number>()
    const worker = new Process({
      target: async (q: Queue<number>, n: number) => {
        await q.put(n * 2)
      },
      args: [queue, 21],
      kind,
    })
    await worker.start()
    expect(await queue.get()).toBe(42)
    await worker.join()
    const outer = 2
    expect(() => new Process({ target: (n: number) => n * outer, args: [1], kind })).toThrow(
      InlineTaskError,
    )
  })

  it('names processes Process-N unless named, and the name can be changed', () => {
    const first = new Process({ target: tasks.add, args: [1, 1], kind })
    const second = new Process({ target: tasks.add, args: [1, 1], kind })
    expect(first.name).toMatch(/^Process-\d+$/)
    expect(Number(second.name.slice(8))).toBe(Number(first.name.slice(8)) + 1)
    const named = new Process({ target: tasks.add, args: [1, 1], kind, name: 'SomeProcess' })
    expect(named.name).toBe('SomeProcess')
    named.name = 'Renamed'
    expect(String(named)).toBe("<Process name='Renamed' initial>")
    expect(() => (named.name = 1 as never)).toThrow(TypeError)
  })

  it('await using terminates a process that is still running', async () => {
    let worker: Process<[number, string]> | undefined
    {
      await using running = new Process({ target: tasks.napThenReturn, args: [60_000, 'x'], kind })
      worker = running
      await running.start()
    }
    expect(worker.isAlive()).toBe(false)
    expect(worker.exitCode).toBe(-15)
  })

  it('runs five processes started in a loop, then joined (the seeds’ first example)', async () => {
    const queue = new Queue<number>()
    const jobs = [0, 1, 2, 3, 4].map(
      (i) => new Process({ target: tasks.putAll, args: [queue, [i]], kind }),
    )
    for (const job of jobs) void job.start()
    for (const job of jobs) await job.join()
    expect(jobs.map((job) => job.exitCode)).toEqual([0, 0, 0, 0, 0])
    const seen: number[] = []
    for (let i = 0; i < 5; i++) seen.push(await queue.get())
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4])
  })
})

describe('Process with kind process only', () => {
  it('gives minus the signal number when the worker is killed by a signal', async () => {
    const worker = new Process({ target: tasks.killSelf })
    await worker.start()
    await worker.join()
    expect(worker.exitCode).toBe(-9)
  })

  it('refuses a lock or shared memory at start(), naming the argument and the fix', () => {
    const worker = new Process({ target: tasks.tryAcquire, args: [new Lock(), 10] })
    expect(() => worker.start()).toThrow(DataCloneError)
    expect(() => worker.start()).toThrow(/Argument 1 of `tryAcquire` is a Lock.*kind: 'thread'/)
    expect(worker.isAlive()).toBe(false)
    const array = new Process({ target: tasks.fillSquares, args: [RawArray('d', 4), 0, 4] })
    expect(() => array.start()).toThrow(/Float64Array over a SharedArrayBuffer/)
  })
})

describe('Process options', () => {
  it('validates them, naming the option', () => {
    expect(() => new Process({ target: tasks.add, args: [1, 2], kind: 'fiber' as never })).toThrow(
      /`kind` to be 'process' or 'thread'/,
    )
    expect(() => new Process({ target: tasks.add, args: 1 as never })).toThrow(
      /`args` to be an array/,
    )
    expect(() => new Process({ target: tasks.add, args: [1, 2], daemon: true } as never)).toThrow(
      /Unknown Process option `daemon`/,
    )
    expect(() => new Process({ target: 42 as never })).toThrow(TypeError)
  })
})
