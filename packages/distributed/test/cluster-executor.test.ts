// What needs no Redis: the error classes, option checks, the default root, the bin's usage
// errors, and that an executor or worker whose Redis cannot be reached says so and still
// shuts down.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { afterAll, describe, expect, it } from 'vitest'

import {
  ClusterExecutor,
  JobLostError,
  startWorker,
  taskModule,
  WorkerLostError,
} from '@concurrent/distributed'

import { PACKAGE_ROOT } from './helpers/hosts.js'

const run = promisify(execFile)
const BIN = fileURLToPath(new URL('../dist/bin/concurrent-worker.js', import.meta.url))
const INDEX = new URL('../dist/index.js', import.meta.url).href
/** A port nothing listens on. */
const NOWHERE = 'redis://127.0.0.1:1'

const scratch = mkdtempSync(join(tmpdir(), 'cluster-unit-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('errors', () => {
  it.each([
    ['WorkerLostError', new WorkerLostError('lost', { jobId: 'j1', attemptsStarted: 2 })],
    ['JobLostError', new JobLostError('gone', { jobId: 'j1', reason: 'removed' })],
  ])('%s has its stable name and its prototype chain goes straight to Error', (name, error) => {
    expect(error.name).toBe(name)
    expect(error.constructor.name).toBe(name)
    expect(Object.getPrototypeOf(Object.getPrototypeOf(error))).toBe(Error.prototype)
    expect(String(error)).toMatch(new RegExp(`^${name}: `))
    expect(error.stack).toMatch(new RegExp(`^${name}: `))
  })

  it('carry their data in readonly fields, and a cause', () => {
    const cause = new Error('underneath')
    const lost = new WorkerLostError('lost', { jobId: 'a-1', attemptsStarted: 3 }, { cause })
    expect([lost.jobId, lost.attemptsStarted, lost.cause]).toEqual(['a-1', 3, cause])
    const gone = new JobLostError('gone', { jobId: 'a-2', reason: 'missing' })
    expect([gone.jobId, gone.reason]).toEqual(['a-2', 'missing'])
    expect(gone).not.toBeInstanceOf(WorkerLostError)
  })
})

describe('ClusterExecutor options', () => {
  it.each([
    [{}, TypeError, /Expected `connection` to be a Redis URL/],
    [{ connection: 6379 }, TypeError, /Expected `connection` to be a Redis URL.*`6379` \(number\)/],
    [{ connection: 'http://localhost' }, TypeError, /Expected `connection` to be a Redis URL/],
    [
      { connection: 'redis://user:secret@host:1', queue: 'a:b' },
      TypeError,
      /Expected `queue` to be a non-empty string without `:`, got `'a:b'`/,
    ],
    [
      { connection: NOWHERE, attempts: 0 },
      RangeError,
      /Expected `attempts` to be an integer from 1/,
    ],
    [{ connection: NOWHERE, backoff: -1 }, RangeError, /Expected `backoff` to be an integer/],
    [
      { connection: NOWHERE, backoff: { type: 'linear', delay: 1 } },
      TypeError,
      /Expected `backoff` to be milliseconds or \{ type: 'fixed' \| 'exponential', delay \}/,
    ],
    [
      { connection: NOWHERE, root: 'relative/path' },
      TypeError,
      /Expected `root` to be an absolute path/,
    ],
    [
      { connection: NOWHERE, root: '/no/such/folder' },
      RangeError,
      /Expected `root` to be an existing folder/,
    ],
  ])('rejects %o', (options, ErrorClass, message) => {
    expect(() => new ClusterExecutor(options as never)).toThrow(ErrorClass)
    expect(() => new ClusterExecutor(options as never)).toThrow(message)
  })

  it('never shows a password from the URL in an error', () => {
    let error: unknown
    try {
      new ClusterExecutor({ connection: 'http://admin:hunter2@host:1' })
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain('http://admin:***@host:1')
    expect((error as Error).message).not.toContain('hunter2')
  })

  it('defaults root to the folder of the nearest package.json above the program', async () => {
    const project = join(scratch, 'project')
    mkdirSync(join(project, 'src', 'jobs'), { recursive: true })
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }')
    const main = join(project, 'src', 'jobs', 'main.mjs')
    writeFileSync(
      main,
      `import { ClusterExecutor } from ${JSON.stringify(INDEX)}
const cluster = new ClusterExecutor({ connection: ${JSON.stringify(NOWHERE)} })
console.log(cluster.root)
await cluster.shutdown()
process.exit(0)
`,
    )
    const { stdout } = await run(process.execPath, [main], { timeout: 20_000 })
    expect(stdout.trim()).toBe(project)
  })
})

describe('without a reachable Redis', () => {
  it('warns naming the queue and server, and shutdown() still ends', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => void warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const cluster = new ClusterExecutor({
        connection: NOWHERE,
        queue: 'unreachable',
        root: PACKAGE_ROOT,
      })
      const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
        new URL('./fixtures/tasks.ts', import.meta.url),
      )
      const future = cluster.submit(tasks.add, 1, 2)
      for (let i = 0; i < 250 && warnings.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(warnings[0]?.name).toBe('ConcurrentDistributedWarning')
      expect(warnings[0]?.message).toMatch(
        /queue 'unreachable' at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
      )
      expect(future.state).toBe('pending')
      await cluster.shutdown({ cancelFutures: true })
      expect(future.cancelled()).toBe(true)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('a worker closes too, releasing its pool', async () => {
    const worker = startWorker({ connection: NOWHERE, root: PACKAGE_ROOT, concurrency: 1 })
    expect(worker.name).toMatch(/\/\d+\/1xthread$/)
    await worker.close()
    await worker.close()
  })

  it('an async worker is named for its runtime, and closes', async () => {
    const worker = startWorker({
      connection: NOWHERE,
      root: PACKAGE_ROOT,
      concurrency: 3,
      runtime: 'async',
    })
    expect(worker.name).toMatch(/\/\d+\/3xasync$/)
    await worker.close()
  })
})

describe('startWorker options', () => {
  it.each([
    [{}, TypeError, /Expected `connection` to be a Redis URL/],
    [
      { connection: NOWHERE, concurrency: 0 },
      RangeError,
      /Expected `concurrency` to be an integer from 1/,
    ],
    [
      { connection: NOWHERE, runtime: 'fiber' },
      TypeError,
      /Expected `runtime` to be 'thread', 'process' or 'async', got `'fiber'`/,
    ],
    [
      { connection: NOWHERE, lockDuration: 1.5 },
      RangeError,
      /Expected `lockDuration` to be an integer/,
    ],
    [
      { connection: NOWHERE, maxStalledCount: -1 },
      RangeError,
      /Expected `maxStalledCount` to be an integer from 0/,
    ],
    [{ connection: NOWHERE, queue: '' }, TypeError, /Expected `queue` to be a non-empty string/],
  ])('rejects %o', (options, ErrorClass, message) => {
    expect(() => startWorker(options as never)).toThrow(ErrorClass)
    expect(() => startWorker(options as never)).toThrow(message)
  })
})

describe('concurrent-worker', () => {
  async function bin(args: string[], env: NodeJS.ProcessEnv = {}) {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
        timeout: 20_000,
        env: { ...process.env, REDIS_URL: '', ...env },
      })
      return { code: 0, stdout, stderr }
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string }
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
    }
  }

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await bin(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('Usage: concurrent-worker --connection URL')
    expect(stdout).toContain('--runtime thread|process|async')
  })

  it.each([
    [[], /expected --connection URL \(or the REDIS_URL environment variable\)/],
    [
      ['--connection', NOWHERE, '--concurrency', 'many'],
      /expected --concurrency to be a whole number, got 'many'/,
    ],
    [
      ['--connection', NOWHERE, '--runtime', 'fiber'],
      /expected --runtime to be thread, process or async, got 'fiber'/,
    ],
    [
      ['--connection', NOWHERE, '--concurrency', '0'],
      /Expected `concurrency` to be an integer from 1/,
    ],
    [['--connection', 'localhost:6379'], /Expected `connection` to be a Redis URL/],
    [['--conection', NOWHERE], /Unknown option '--conection'/],
  ])('%j exits 2 saying what is wrong, then the usage', async (args, message) => {
    const { code, stderr } = await bin(args)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr).toContain('Usage: concurrent-worker')
  })
})
