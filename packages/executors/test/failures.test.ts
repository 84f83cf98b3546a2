/**
 * What happens when things go wrong: workers that crash, hang, run out of memory or are
 * killed; tasks that are interrupted; bad task references and arguments. Each case must end in
 * a clear error on the affected future only, and a pool that still works.
 */
import { describe, expect, it } from 'vitest'
import {
  BrokenExecutorError,
  CancelledError,
  DataCloneError,
  InlineTaskError,
  ProcessPoolExecutor,
  TaskNotFoundError,
  taskModule,
  ThreadPoolExecutor,
  TimeoutError,
  WorkerCrashedError,
  type PoolExecutor,
  type TaskRef,
} from '@concurrent/executors'

const fixtures = new URL('./fixtures/tasks.ts', import.meta.url)
const tasks = taskModule<typeof import('./fixtures/tasks.js')>(fixtures)

const pools = [
  { name: 'ThreadPoolExecutor', create: (o = {}) => new ThreadPoolExecutor(o) },
  { name: 'ProcessPoolExecutor', create: (o = {}) => new ProcessPoolExecutor(o) },
] as const

/** Submits a quick task and checks that the pool still answers. */
async function stillWorks(pool: PoolExecutor): Promise<void> {
  await expect(pool.submit(tasks.add, 20, 22).result({ timeout: 20_000 })).resolves.toBe(42)
}

describe.each(pools)('$name when a worker dies', ({ name, create }) => {
  it('fails only the running task with WorkerCrashedError when the task calls process.exit()', async () => {
    await using pool = create({ maxWorkers: 2 })
    const neighbour = pool.submit(tasks.slowSquare, 7, 300)
    const error = await pool.submit(tasks.exitWorker, 7).exception()
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(error).toMatchObject({ name: 'WorkerCrashedError', exitCode: 7 })
    await expect(neighbour).resolves.toBe(49)
    await stillWorks(pool)
  })

  it('fails the running task with the timer error as cause when a timer throws', async () => {
    await using pool = create({ maxWorkers: 1 })
    const error = await pool.submit(tasks.crashWhileRunning).exception()
    expect(error).toBeInstanceOf(WorkerCrashedError)
    const cause = (error as WorkerCrashedError).cause
    expect(cause).toBeInstanceOf(RangeError)
    expect((cause as Error).message).toBe('thrown from a timer')
    await stillWorks(pool)
  })

  it('replaces a worker that dies while idle, so later tasks still run', async () => {
    await using pool = create({ maxWorkers: 1 })
    await expect(pool.submit(tasks.crashInTimer)).resolves.toBe('returned before the timer fired')
    // Wait until the pool has seen the idle worker die (a loaded machine may take a while).
    for (let i = 0; i < 200 && pool.stats().workers > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(pool.stats().workers).toBe(0)
    await stillWorks(pool)
  })

  it("breaks the executor on a crash with onWorkerCrash: 'break' (Python's behaviour)", async () => {
    await using pool = create({ maxWorkers: 1, onWorkerCrash: 'break' })
    const crashing = pool.submit(tasks.exitWorker, 3)
    const queued = pool.submit(tasks.add, 1, 1)
    await expect(crashing).rejects.toBeInstanceOf(WorkerCrashedError)
    await expect(queued).rejects.toBeInstanceOf(BrokenExecutorError)
    expect(() => pool.submit(tasks.add, 1, 1)).toThrow(BrokenExecutorError)
  })

  it('makes the executor broken when the initializer fails', async () => {
    await using pool = create({ maxWorkers: 1, initializer: tasks.failingInitializer })
    const first = pool.submit(tasks.add, 1, 1)
    const second = pool.submit(tasks.add, 2, 2)
    const error = await first.exception()
    expect(error).toBeInstanceOf(BrokenExecutorError)
    expect(((error as Error).cause as Error).message).toBe('initializer failed')
    await expect(second).rejects.toBeInstanceOf(BrokenExecutorError)
    expect(() => pool.submit(tasks.add, 1, 1)).toThrow(/initializer/)
  })

  it('runs the initializer with initargs before the first task of each worker', async () => {
    await using pool = create({ maxWorkers: 1, initializer: tasks.initialize, initargs: ['ready'] })
    await expect(pool.submit(tasks.initializedValue)).resolves.toBe('ready')
  })

  it('replaces a worker after maxTasksPerChild tasks', async () => {
    await using pool = create({ maxWorkers: 1, maxTasksPerChild: 2 })
    const seen: string[] = []
    for (let i = 0; i < 4; i++) seen.push(await pool.submit(tasks.workerIdentity))
    expect(seen[0]).toBe(seen[1])
    expect(seen[2]).toBe(seen[3])
    expect(seen[2]).not.toBe(seen[1])
  })

  describe('interrupting a running task', () => {
    // A thread sees the cancel through shared memory even in a synchronous loop; a process
    // hears it as a message, so only when the task yields to its event loop.
    const cooperative = (
      name === 'ThreadPoolExecutor' ? tasks.spinUntilCancelled : tasks.waitForCancel
    ) as TaskRef<[], unknown>

    it('stops a cooperative task at once and keeps its worker', async () => {
      await using pool = create({ maxWorkers: 1, gracePeriod: 10_000 })
      const before = await pool.submit(tasks.workerIdentity)
      const spinning = pool.submit(cooperative)
      await waitUntilRunning(pool)
      expect(spinning.cancel({ interrupt: true })).toBe(true)
      await expect(spinning).rejects.toBeInstanceOf(CancelledError)
      // A worker replaced after the 10 s grace period would make this time out.
      const after = await pool.submit(tasks.workerIdentity).result({ timeout: 5_000 })
      expect(after).toBe(before)
    })

    it('terminates and replaces the worker of a task that ignores the interrupt', async () => {
      await using pool = create({ maxWorkers: 1, gracePeriod: 100 })
      const before = await pool.submit(tasks.workerIdentity)
      const stuck = pool.submit(tasks.spinForever)
      await waitUntilRunning(pool)
      expect(stuck.cancel({ interrupt: true })).toBe(true)
      await expect(stuck).rejects.toBeInstanceOf(CancelledError)
      const after = await pool.submit(tasks.workerIdentity).result({ timeout: 20_000 })
      expect(after).not.toBe(before)
    })

    it('rejects with TimeoutError when a per-task timeout passes, then frees the worker', async () => {
      await using pool = create({ maxWorkers: 1, gracePeriod: 100 })
      const stuck = pool.with({ timeout: 200 }).submit(tasks.spinForever)
      const error = await stuck.exception()
      expect(error).toBeInstanceOf(TimeoutError)
      await stillWorks(pool)
    })

    it("rejects with the signal's reason when a with({ signal }) aborts a running task", async () => {
      await using pool = create({ maxWorkers: 1, gracePeriod: 100 })
      const controller = new AbortController()
      const stuck = pool.with({ signal: controller.signal }).submit(tasks.spinForever)
      await waitUntilRunning(pool)
      const reason = new Error('user gave up')
      controller.abort(reason)
      await expect(stuck).rejects.toBe(reason)
      await stillWorks(pool)
    })

    it('shutdown() returns once an interrupted stuck task has been stopped', async () => {
      const pool = create({ maxWorkers: 1, gracePeriod: 100 })
      const stuck = pool.submit(tasks.spinForever)
      await waitUntilRunning(pool)
      stuck.cancel({ interrupt: true })
      await pool.shutdown()
      expect(pool.stats().running).toBe(0)
    })
  })

  describe('bad input', () => {
    it('rejects with TaskNotFoundError, listing the exports, when the export does not exist', async () => {
      await using pool = create({ maxWorkers: 1 })
      const missing = (tasks as unknown as Record<string, typeof tasks.add>).nope!
      const error = await pool.submit(missing, 1, 2).exception()
      expect(error).toBeInstanceOf(TaskNotFoundError)
      expect((error as Error).message).toMatch(/no exported function `nope`.*`add`/)
      await stillWorks(pool)
    })

    it('throws TaskNotFoundError at taskModule() when the module file does not exist', () => {
      expect(() => taskModule(new URL('./fixtures/missing.js', import.meta.url))).toThrow(
        TaskNotFoundError,
      )
    })

    it('throws DataCloneError at submit() for an argument that cannot be cloned', async () => {
      await using pool = create({ maxWorkers: 1 })
      expect(() => pool.submit(tasks.byteLength as never, { onDone: () => undefined })).toThrow(
        DataCloneError,
      )
      expect(() => pool.submit(tasks.byteLength as never, { onDone: () => undefined })).toThrow(
        /Argument 1 of `byteLength`\.onDone is a function/,
      )
    })

    it('throws DataCloneError from a map at the chunk holding an item that cannot be cloned', async () => {
      await using pool = create({ maxWorkers: 1 })
      const items: unknown[] = [1, 2, 3, 4, () => 5, 6]
      const seen: unknown[] = []
      const loop = (async () => {
        for await (const value of pool.map(tasks.identity, items, { chunksize: 4 })) {
          seen.push(value)
        }
      })()
      await expect(loop).rejects.toThrow(DataCloneError)
      await expect(loop).rejects.toThrow(/is a function/)
      expect(seen).toEqual([1, 2, 3, 4])
      await stillWorks(pool)
    })

    it('rejects with DataCloneError naming the place when a result cannot be sent back', async () => {
      await using pool = create({ maxWorkers: 1 })
      const error = await pool.submit(() => ({ total: 1, format: (n: number) => n })).exception()
      expect(error).toBeInstanceOf(DataCloneError)
      expect((error as Error).message).toMatch(/result of `anonymous`\.format is a function/)
      await stillWorks(pool)
    })

    it('throws InlineTaskError at submit() for a closure, naming the variable', async () => {
      await using pool = create({ maxWorkers: 1 })
      const factor = 3
      expect(() => pool.submit((n: number) => n * factor, 2)).toThrow(InlineTaskError)
      expect(() => pool.submit((n: number) => n * factor, 2)).toThrow(/`factor`/)
    })

    it('rejects with the error a task module throws while loading', async () => {
      await using pool = create({ maxWorkers: 1 })
      const broken = taskModule<{ anything(): void }>(
        new URL('./fixtures/throws-on-load.ts', import.meta.url),
      )
      const error = await pool.submit(broken.anything).exception()
      expect((error as Error).message).toBe('this module refuses to load')
      await stillWorks(pool)
    })
  })
})

describe('ThreadPoolExecutor with resourceLimits', () => {
  it('fails a task that runs out of memory with WorkerCrashedError and goes on', async () => {
    await using pool = new ThreadPoolExecutor({
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    })
    const error = await pool.submit(tasks.allocateForever).exception()
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect((error as Error).message).toMatch(/memory/i)
    await stillWorks(pool)
  })
})

describe('ProcessPoolExecutor when a worker is killed', () => {
  it("fails the task with WorkerCrashedError carrying signal 'SIGKILL'", async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 })
    const error = await pool.submit(tasks.killSelf).exception()
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(error).toMatchObject({ signal: 'SIGKILL', exitCode: null })
    await stillWorks(pool)
  })
})

async function waitUntilRunning(pool: PoolExecutor): Promise<void> {
  for (let i = 0; i < 400 && pool.stats().running === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  // Give the worker a moment to actually enter the task.
  await new Promise((resolve) => setTimeout(resolve, 50))
}
