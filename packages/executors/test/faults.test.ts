/**
 * Fault injection, as an attacker, an operator or a careless user would act: workers that
 * cannot start, initializers that end their worker, results that cannot travel, garbage on the
 * worker's channel, errors that fight being read, tasks that never end at shutdown. Whatever
 * happens, every future settles, the program around the pool survives, and `shutdown()`
 * returns.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import {
  BrokenExecutorError,
  DataCloneError,
  ProcessPoolExecutor,
  taskModule,
  ThreadPoolExecutor,
  WorkerCrashedError,
  TimeoutError,
  WorkerStartError,
  type PoolExecutor,
  type WorkerPoolOptions,
} from '@concurrent/executors'

const faults = taskModule<typeof import('./fixtures/faults.js')>(
  new URL('./fixtures/faults.ts', import.meta.url),
)

const scratch = mkdtempSync(join(tmpdir(), 'concurrent-faults-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const pools = [
  {
    name: 'ThreadPoolExecutor',
    runtime: 'thread',
    create: (options: WorkerPoolOptions = {}): PoolExecutor => new ThreadPoolExecutor(options),
  },
  {
    name: 'ProcessPoolExecutor',
    runtime: 'process',
    create: (options: WorkerPoolOptions = {}): PoolExecutor => new ProcessPoolExecutor(options),
  },
] as const

/** The executor works: a plain task runs to its value. */
async function stillWorks(pool: PoolExecutor): Promise<void> {
  await expect(pool.submit(faults.add, 20, 22).result({ timeout: 20_000 })).resolves.toBe(42)
}

describe('ProcessPoolExecutor workers that cannot start', () => {
  const bad = (file: string, body: string): string => {
    const path = join(scratch, file)
    writeFileSync(path, body)
    return path
  }

  it.each([
    { what: 'a bad execArgv flag', execArgv: ['--no-such-flag'], says: /bad option/ },
    {
      what: '--import of a missing file',
      execArgv: ['--import', join(scratch, 'missing.mjs')],
      says: /Cannot find module|ERR_MODULE_NOT_FOUND/,
    },
    {
      what: '--require of a throwing file',
      execArgv: ['--require', bad('throws.cjs', "throw new Error('preload exploded')")],
      says: /preload exploded/,
    },
  ])(
    'rejects with BrokenExecutorError carrying the stderr when every worker fails ($what)',
    async ({ execArgv, says }) => {
      const pool = new ProcessPoolExecutor({ maxWorkers: 2, execArgv })
      const futures = [1, 2, 3].map((n) => pool.with({ timeout: 60_000 }).submit(faults.add, n, n))
      for (const future of futures) {
        const error = await future.exception()
        expect(error).toBeInstanceOf(BrokenExecutorError)
        const cause = (error as Error).cause
        expect(cause).toBeInstanceOf(WorkerStartError)
        expect((cause as WorkerStartError).stderr).toMatch(says)
        expect((error as Error).message).toMatch(says)
      }
      expect(() => pool.submit(faults.add, 1, 1)).toThrow(BrokenExecutorError)
      await pool.shutdown()
      expect(pool.stats()).toMatchObject({ workers: 0, running: 0, queued: 0 })
    },
  )

  it('runs the call on another worker when one fails to start once', async () => {
    // A preload that fails the first time only (it leaves a mark), then lets workers start.
    const mark = join(scratch, 'failed-once')
    const preload = bad(
      'fails-once.cjs',
      `const fs = require('node:fs')
if (!fs.existsSync(${JSON.stringify(mark)})) { fs.writeFileSync(${JSON.stringify(mark)}, ''); process.exit(5) }`,
    )
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1, execArgv: ['--require', preload] })
    await expect(pool.submit(faults.add, 2, 3)).resolves.toBe(5)
  })
})

describe('ThreadPoolExecutor workers that cannot start', () => {
  it('rejects with BrokenExecutorError when resourceLimits are too small to boot', async () => {
    const pool = new ThreadPoolExecutor({
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 },
    })
    const error = await pool.submit(faults.add, 1, 1).exception()
    expect(error).toBeInstanceOf(BrokenExecutorError)
    expect((error as Error).cause).toBeInstanceOf(WorkerStartError)
    expect((error as Error).message).toMatch(/memory limit/)
    await pool.shutdown()
  })
})

describe.each(pools)('$name faults', ({ name, runtime, create }) => {
  it('breaks, with BrokenExecutorError, when the initializer ends its worker (no respawn loop)', async () => {
    const file = join(scratch, `initializer-${name}`)
    writeFileSync(file, '')
    const pool = create({ maxWorkers: 2, initializer: faults.exitingInitializer, initargs: [file] })
    const futures = Array.from({ length: 50 }, (_, n) => pool.submit(faults.add, n, 1))
    for (const future of futures) {
      const error = await future.exception()
      expect(error).toBeInstanceOf(BrokenExecutorError)
      expect((error as Error).message).toMatch(/initializer/)
    }
    await pool.shutdown()
    // At most one start per worker slot, not one per task.
    const starts = readFileSync(file, 'utf8').split('\n').filter(Boolean).length
    expect(starts).toBeGreaterThanOrEqual(1)
    expect(starts).toBeLessThanOrEqual(2)
  })

  it.each(['deep-function', 'method-property', 'generator', 'proxy'])(
    'rejects a result that cannot be sent back (%s) with DataCloneError, and the worker lives on',
    async (kind) => {
      await using pool = create({ maxWorkers: 1, onWorkerCrash: 'break' })
      const before = await pool.submit(faults.pid)
      const error = await pool.submit(faults.unsendable, kind).exception()
      expect(error).toBeInstanceOf(DataCloneError)
      expect((error as Error).message).toMatch(/cannot be sent back/)
      // Same worker, and not broken even with onWorkerCrash: 'break'.
      await expect(pool.submit(faults.pid)).resolves.toBe(before)
      await stillWorks(pool)
    },
  )

  it.each(
    runtime === 'process'
      ? ['process-crash-null', 'process-null', 'process-branded']
      : ['thread-null', 'thread-crash'],
  )('ignores garbage a task posts on its worker channel (%s)', async (kind) => {
    await using pool = create({ maxWorkers: 1 })
    await expect(pool.submit(faults.postGarbage, kind)).resolves.toBe('still here')
    await stillWorks(pool)
  })

  it.each(['proxy-trap', 'message-getter'])(
    'brings back an error that fights being read (%s) as a task error, not a crash',
    async (kind) => {
      await using pool = create({ maxWorkers: 1 })
      const error = await pool.submit(faults.throwMisbehaving, kind).exception()
      expect(error).toBeInstanceOf(Error)
      expect(error).not.toBeInstanceOf(WorkerCrashedError)
      expect((error as Error).message).toMatch(/could not be read/)
      await stillWorks(pool)
    },
  )

  it('maps over an endless input without reading it to the end; its timeout fires', async () => {
    await using pool = create({ maxWorkers: 2 })
    let read = 0
    function* endless(): Generator<number> {
      for (;;) yield read++
    }
    const loop = async (): Promise<void> => {
      for await (const sum of pool.map(faults.double, endless(), { timeout: 500 })) {
        expect(typeof sum).toBe('number')
      }
    }
    await expect(loop()).rejects.toBeInstanceOf(TimeoutError)
    expect(() => pool.map(faults.double, 5 as never)).toThrow(
      /Expected the input of `map` to be an iterable or an async iterable.*got `5` \(number\)/,
    )
  })

  it('terminateWorkers() ends a task that never settles: it rejects, and the workers are gone', async () => {
    const pool = create({ maxWorkers: 2 })
    await stillWorks(pool)
    const stuck = pool.submit(faults.spin)
    const queued = [1, 2, 3].map(() => pool.submit(faults.spin))
    await pool.terminateWorkers()
    await expect(stuck).rejects.toBeInstanceOf(BrokenExecutorError)
    for (const future of queued) expect(future.done()).toBe(true)
    expect(pool.stats()).toMatchObject({ workers: 0, running: 0, queued: 0 })
    await pool.shutdown()
  })

  it('killWorkers() ends a task that never settles', async () => {
    const pool = create({ maxWorkers: 1 })
    const stuck = pool.submit(faults.spin)
    await new Promise((resolve) => setTimeout(resolve, 200))
    await pool.killWorkers()
    await expect(stuck).rejects.toThrow(/killed by killWorkers\(\)/)
    await pool.shutdown()
  })
})

describe('ProcessPoolExecutor environment', () => {
  it("gives workers the parent's environment, with env added on top", async () => {
    process.env.CONCURRENT_FAULTS_PARENT = 'from the parent'
    try {
      await using plain = new ProcessPoolExecutor({ maxWorkers: 1 })
      const seen = await plain.submit(faults.environment, [
        'PATH',
        'HOME',
        'CONCURRENT_FAULTS_PARENT',
      ])
      expect(seen).toEqual({
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CONCURRENT_FAULTS_PARENT: 'from the parent',
      })
      await using added = new ProcessPoolExecutor({ maxWorkers: 1, env: { EXTRA: 'yes' } })
      await expect(added.submit(faults.environment, ['PATH', 'EXTRA'])).resolves.toEqual({
        PATH: process.env.PATH,
        EXTRA: 'yes',
      })
    } finally {
      delete process.env.CONCURRENT_FAULTS_PARENT
    }
  })

  it('starts workers under a parent-death signal where setpriv can give one (Linux)', async () => {
    const setpriv =
      process.platform === 'linux' &&
      process.env.CONCURRENT_WATCHDOG !== 'thread' &&
      ['/usr/bin/setpriv', '/bin/setpriv'].some((path) => existsSync(path))
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 })
    const seen = await pool.submit(faults.environment, [
      'CONCURRENT_PARENT_DEATH_SIGNAL',
      'CONCURRENT_PARENT_PID',
    ])
    expect(seen).toEqual({
      CONCURRENT_PARENT_DEATH_SIGNAL: setpriv ? '1' : '0',
      CONCURRENT_PARENT_PID: String(process.pid),
    })
  })
})
