// ClusterExecutor against a Redis this file starts and two worker hosts (`concurrent-worker`
// processes, each in a network namespace of its own when the tests run as root): the Executor
// API, the interop packages, errors, retries, cancel, interrupt, timeout and progress.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { Queue, QueueEvents } from 'bullmq'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs'
import * as E from 'fp-ts/lib/Either.js'

import { CancelledError } from '@concurrent/cancellation'
import {
  ClusterExecutor,
  JobLostError,
  startWorker,
  taskModule,
  type TaskFuture,
} from '@concurrent/distributed'
import { submitTE, traverseParallel, waitEither } from '@concurrent/fp'
import { ShutdownError, TimeoutError } from '@concurrent/future'
import { executeMap, fromFuture, progress$ } from '@concurrent/rx'
import { asCompleted, gather, wait } from '@concurrent/wait'
import { DataCloneError, InlineTaskError } from '@concurrent/worker'

import type { ValidationError } from './fixtures/tasks.js'
import {
  createNetwork,
  killHosts,
  PACKAGE_ROOT,
  startHost,
  type Network,
  type WorkerHost,
} from './helpers/hosts.js'
import { startRedis, type RedisServer } from './helpers/redis-server.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)
const slowModule = taskModule<typeof import('./fixtures/slow-module.js')>(
  new URL('./fixtures/slow-module.ts', import.meta.url),
)

/** Each host runs two tasks at once: four slots in all. */
const SLOTS_PER_HOST = 2
const queue = `api-${process.pid}`
let network: Network | undefined
let redis: RedisServer | undefined
let hosts: WorkerHost[] = []
let scratch = ''
/** A BullMQ queue of the test's own, to look at what the executor put in Redis. */
let inspector: Queue | undefined
let events: QueueEvents | undefined

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cluster-api-'))
  network = createNetwork(2, 'cluster-executor')
  redis = await startRedis({ bind: network.bind })
  const url = redis.url
  hosts = await Promise.all(
    network.slots.map((slot) =>
      startHost(slot, { redisUrl: url, queue, concurrency: SLOTS_PER_HOST }),
    ),
  )
  inspector = new Queue(queue, { connection: { url: redis.url() } })
  events = new QueueEvents(queue, { connection: { url: redis.url() } })
  await events.waitUntilReady()
})

afterAll(async () => {
  await inspector?.close()
  await events?.close()
  await killHosts()
  network?.destroy()
  await redis?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

afterEach(() => {
  vi.restoreAllMocks()
})

function connect(): ClusterExecutor {
  return new ClusterExecutor({ connection: redis!.url(), queue, root: PACKAGE_ROOT })
}

let files = 0
/** A fresh path in the scratch folder. */
function scratchFile(name: string): string {
  return join(scratch, `${name}-${files++}`)
}

function lines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}

/** Waits (bounded) until `predicate` holds. */
async function until(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Waits (bounded) until `count` jobs wait in Redis, and returns them. */
async function waitingJobs(count: number): Promise<Array<{ id?: string | undefined }>> {
  for (let i = 0; i < 500; i++) {
    const jobs = await inspector!.getPrioritized()
    if (jobs.length >= count) return jobs
    await sleep(20)
  }
  throw new Error(`timed out waiting for ${count} jobs to wait in Redis`)
}

/**
 * Occupies every worker slot with a task that waits for a file of its own; `releaseOne()` frees
 * one slot, `release()` all of them (always called, in `finally`).
 */
async function occupyAllSlots(cluster: ClusterExecutor) {
  const log = scratchFile('blockers')
  const gates = Array.from({ length: hosts.length * SLOTS_PER_HOST }, () => scratchFile('gate'))
  const blockers = gates.map((gate) => cluster.submit(tasks.waitForFile, log, gate))
  await until(() => lines(log).length === blockers.length, 'every slot to be busy')
  let released = 0
  return {
    blockers,
    releaseOne: async () => {
      writeFileSync(gates[released]!, '')
      await blockers[released++]
    },
    release: async () => {
      for (const gate of gates) writeFileSync(gate, '')
      await Promise.allSettled(blockers)
    },
  }
}

describe('ClusterExecutor', () => {
  it('with() checks the cluster options: integer priority, attempts, backoff', async () => {
    await using cluster = connect()
    expect(() => cluster.with({ priority: 1.5 })).toThrow(
      /Expected `priority` to be an integer from -1048575 to 1048575, got `1.5`/,
    )
    expect(() => cluster.with({ priority: 2 ** 21 })).toThrow(RangeError)
    expect(() => cluster.with({ attempts: 0 })).toThrow(/Expected `attempts`/)
    expect(() => cluster.with({ timeout: -1 })).toThrow(/Expected `timeout`/)
    expect(() => cluster.with({ backoff: { type: 'exponential', delay: 10, jitter: 2 } })).toThrow(
      /Expected `backoff.jitter` to be a number from 0 to 1/,
    )
    // Nested views keep both sets of options.
    const view = cluster.with({ attempts: 3 }).with({ priority: 5 })
    expect(await view.submit(tasks.add, 2, 2)).toBe(4)
  })

  it('runs higher priorities first among waiting tasks', async () => {
    await using cluster = connect()
    const slots = await occupyAllSlots(cluster)
    const log = scratchFile('priorities')
    try {
      const futures = [
        cluster.with({ priority: -1 }).submit(tasks.record, log, 'low'),
        cluster.submit(tasks.record, log, 'normal'),
        cluster.with({ priority: 10 }).submit(tasks.record, log, 'high'),
        cluster.submit(tasks.record, log, 'normal, later'),
      ]
      await waitingJobs(4)
      // One slot comes free: it runs them one after the other.
      await slots.releaseOne()
      await Promise.all(futures)
      const order = lines(log).map((line) => line.slice(0, line.lastIndexOf(' ')))
      expect(order).toEqual(['high', 'normal', 'normal, later', 'low'])
    } finally {
      await slots.release()
    }
  })

  it('a worker refuses a job whose task path leads out of its root', async () => {
    await using cluster = connect()
    const job = await inspector!.add('escape', {
      task: '../../../etc/tasks.js#run',
      args: Buffer.from([]).toString('base64'),
      mode: 'call',
    })
    const failed = await job.waitUntilFinished(events!).then(
      () => 'completed',
      (error: unknown) => (error as Error).message,
    )
    expect(failed).toMatch(
      /TaskNotFoundError: The worker .* refuses the task `..\/..\/..\/etc\/tasks.js#run`/,
    )
    expect(await cluster.submit(tasks.add, 1, 1)).toBe(2)
  })

  it('a host started with --runtime process runs tasks in child processes', async () => {
    const processQueue = `${queue}-process`
    const host = await startHost(network!.slots[0]!, {
      redisUrl: redis!.url,
      queue: processQueue,
      concurrency: 1,
      runtime: 'process',
    })
    await using cluster = new ClusterExecutor({
      connection: redis!.url(),
      queue: processQueue,
      root: PACKAGE_ROOT,
    })
    const pid = await cluster.submit(tasks.hostPid)
    expect(pid).not.toBe(host.pid)
    expect(await cluster.submit(tasks.add, 2, 3)).toBe(5)
    host.kill('SIGTERM')
    expect(await host.exited).toEqual({ code: 0, signal: null })
  })

  it('startWorker() runs tasks in this process, and close() releases its pool', async () => {
    const localQueue = `${queue}-local`
    await using worker = startWorker({
      connection: redis!.url(),
      queue: localQueue,
      root: PACKAGE_ROOT,
      concurrency: 1,
    })
    await worker.ready
    await using cluster = new ClusterExecutor({
      connection: redis!.url(),
      queue: localQueue,
      root: PACKAGE_ROOT,
    })
    expect(await cluster.submit(tasks.hostPid)).toBe(process.pid)
  })

  describe("a worker with runtime 'async' (tasks on its own thread)", () => {
    const asyncQueue = `${queue}-async`
    let worker: ReturnType<typeof startWorker> | undefined

    beforeAll(async () => {
      worker = startWorker({
        connection: redis!.url(),
        queue: asyncQueue,
        root: PACKAGE_ROOT,
        concurrency: 2,
        runtime: 'async',
      })
      await worker.ready
    })

    afterAll(async () => {
      await worker?.close()
    })

    function connectAsync(): ClusterExecutor {
      return new ClusterExecutor({
        connection: redis!.url(),
        queue: asyncQueue,
        root: PACKAGE_ROOT,
      })
    }

    it("runs tasks in the worker's own thread, sync and async, with their errors", async () => {
      await using cluster = connectAsync()
      expect(await cluster.submit(tasks.hostPid)).toBe(process.pid)
      expect(await cluster.submit(tasks.add, 2, 3)).toBe(5)
      const log = scratchFile('async-slowly')
      expect(await cluster.submit(tasks.slowly, log, 10, 7)).toEqual({ value: 7, pid: process.pid })
      const error = await cluster.submit(tasks.failValidation, 'email').exception()
      expect((error as Error).name).toBe('ValidationError')
      expect(error).toMatchObject({ field: 'email' })
    })

    it('runs map and starmap chunks there too, an error keeping the results before it', async () => {
      await using cluster = connectAsync()
      const squares: number[] = []
      for await (const square of cluster.map(tasks.square, [1, 2, 3, 4, 5], { chunksize: 2 })) {
        squares.push(square)
      }
      expect(squares).toEqual([1, 4, 9, 16, 25])
      const seen: number[] = []
      const pairs = [1, 2, 3, 4].map((n): [number, number] => [n, 3])
      await expect(
        (async () => {
          for await (const square of cluster.starmap(tasks.squareUnless, pairs, { chunksize: 4 })) {
            seen.push(square)
          }
        })(),
      ).rejects.toThrow('3 is not allowed')
      expect(seen).toEqual([1, 4])
    })

    it("runs `concurrency` tasks at once, and reports each task's progress", async () => {
      await using cluster = connectAsync()
      const log = scratchFile('async-both')
      const gates = [scratchFile('gate'), scratchFile('gate')]
      const both = gates.map((gate) => cluster.submit(tasks.waitForFile, log, gate))
      await until(() => lines(log).length === 2, 'both tasks to start together')
      for (const gate of gates) writeFileSync(gate, '')
      expect(await Promise.all(both)).toEqual(gates)
      const future = cluster.submit(tasks.withProgress, 4)
      const reported: unknown[] = []
      future.onProgress((value) => reported.push(value))
      expect(await future).toBe(4)
      expect(reported.at(-1)).toBe(4)
    })

    it("cancel({ interrupt: true }) reaches the running task's token and signal", async () => {
      await using cluster = connectAsync()
      const log = scratchFile('async-interrupt')
      const future = cluster.submit(tasks.untilCancelled, log)
      await until(() => lines(log).length === 1 && future.running(), 'the task to run')
      expect(future.cancel({ interrupt: true })).toBe(true)
      await expect(future).rejects.toBeInstanceOf(CancelledError)
      await until(() => lines(log).length === 2, 'the task to see its token cancelled')
      expect(lines(log)[1]).toBe(`token-cancelled signal-aborted=true ${process.pid}`)
    })

    it('a timeout rejects with TimeoutError and aborts the signal of a task that runs longer', async () => {
      await using cluster = connectAsync()
      // The task module is loaded first, so that the timeout counts the task's own run only.
      expect(await cluster.submit(tasks.add, 1, 2)).toBe(3)
      const log = scratchFile('async-timeout')
      const error = await cluster
        .with({ timeout: 300 })
        .submit(tasks.slowly, log, 60_000, 1)
        .exception()
      expect(error).toBeInstanceOf(TimeoutError)
      // The task saw its signal abort and stopped sleeping: it never noted an end.
      expect(lines(log)).toEqual([`start ${process.pid}`])
      expect(await cluster.submit(tasks.add, 1, 1)).toBe(2)
    })

    it('a task whose run times out while its module still loads never starts', async () => {
      await using cluster = connectAsync()
      const log = scratchFile('async-slow-module')
      const error = await cluster
        .with({ timeout: 50 })
        .submit(slowModule.record, log, 'timed out')
        .exception()
      expect(error).toBeInstanceOf(TimeoutError)
      // Once the module has loaded (this task waited for it too), the first task had its chance.
      expect(await cluster.submit(slowModule.record, log, 'second')).toBe('second')
      expect(lines(log)).toEqual([`second ${process.pid}`])
    })

    it('takes timeouts longer than a timer holds (2^31 ms and more) as timeouts, not as 1 ms', async () => {
      await using cluster = connectAsync()
      const long = cluster.with({ timeout: 2 ** 31 + 1_000 })
      expect(await long.submit(tasks.slowly, scratchFile('async-long'), 20, 5)).toMatchObject({
        value: 5,
      })
      const squares: number[] = []
      for await (const square of long.map(tasks.square, [1, 2, 3], { chunksize: 3 })) {
        squares.push(square)
      }
      expect(squares).toEqual([1, 4, 9])
    })

    it('close() gives a task it stopped time to clean up before it resolves', async () => {
      const closing = `${asyncQueue}-closing`
      const host = startWorker({
        connection: redis!.url(),
        queue: closing,
        root: PACKAGE_ROOT,
        runtime: 'async',
        closeTimeout: 100,
      })
      await host.ready
      const cluster = new ClusterExecutor({
        connection: redis!.url(),
        queue: closing,
        root: PACKAGE_ROOT,
      })
      const log = scratchFile('async-cleanup')
      const future = cluster.submit(tasks.cleansUpSlowly, log, 100)
      await until(() => lines(log).length === 1, 'the task to start')
      await host.close()
      expect(lines(log)).toEqual([`start ${process.pid}`, `cleaned ${process.pid}`])
      // Its job went back to the queue, and no worker is left to take it: take it back.
      expect(future.cancel({ interrupt: true })).toBe(true)
      await expect(future).rejects.toBeInstanceOf(CancelledError)
      await cluster.shutdown()
    })
  })
  it('submit() runs a task on a worker host and resolves with its value', async () => {
    await using cluster = connect()
    const future = cluster.submit(tasks.add, 1, 2)
    expect(future.state).toBe('pending')
    expect(await future).toBe(3)
    const pid = await cluster.submit(tasks.hostPid)
    expect(hosts.map((host) => host.pid)).toContain(pid)
    expect(pid).not.toBe(process.pid)
  })

  it('shutdown() right after submit() waits for the task', async () => {
    const cluster = connect()
    const future = cluster.submit(tasks.add, 40, 2)
    await cluster.shutdown()
    expect(future.outcome).toEqual({ status: 'fulfilled', value: 42 })
  })

  it('spreads tasks over every worker host', async () => {
    await using cluster = connect()
    const log = scratchFile('spread')
    const runs = Array.from({ length: hosts.length * SLOTS_PER_HOST }, (_, i) =>
      cluster.submit(tasks.slowly, log, 300, i),
    )
    const pids = new Set((await Promise.all(runs)).map((run) => run.pid))
    expect(pids).toEqual(new Set(hosts.map((host) => host.pid)))
  })

  it('map() yields results in input order, in chunks added in bulk', async () => {
    await using cluster = connect()
    const addBulk = vi.spyOn(Queue.prototype, 'addBulk')
    const input = Array.from({ length: 5_000 }, (_, i) => i)
    const results: number[] = []
    const options = { chunksize: 1, buffersize: Infinity }
    for await (const square of cluster.map(tasks.square, input, options)) {
      results.push(square)
    }
    expect(results).toEqual(input.map((n) => n * n))
    // One job per item, added 1,000 at a time.
    const added = addBulk.mock.calls.map(([jobs]) => jobs.length)
    expect(added.reduce((sum, n) => sum + n, 0)).toBe(5_000)
    expect(Math.max(...added)).toBe(1_000)
  })

  it('map() without a chunksize chunks an array automatically', async () => {
    await using cluster = connect()
    const add = vi.spyOn(Queue.prototype, 'add')
    const addBulk = vi.spyOn(Queue.prototype, 'addBulk')
    const input = Array.from({ length: 10_000 }, (_, i) => i)
    let sum = 0
    for await (const square of cluster.map(tasks.square, input)) sum += square
    expect(sum).toBe(input.reduce((total, n) => total + n * n, 0))
    const jobs =
      add.mock.calls.length + addBulk.mock.calls.reduce((n, [list]) => n + list.length, 0)
    expect(jobs).toBeGreaterThan(1)
    expect(jobs).toBeLessThan(100)
  })

  it('starmap() spreads each tuple into the task, chunked', async () => {
    await using cluster = connect()
    const pairs = Array.from({ length: 100 }, (_, i): [number, number] => [i, 2 * i])
    const sums: number[] = []
    for await (const sum of cluster.starmap(tasks.add, pairs, { chunksize: 7 })) sums.push(sum)
    expect(sums).toEqual(pairs.map(([a, b]) => a + b))
  })

  it('map() throws the first error at its position, after every result before it, whatever the chunksize', async () => {
    await using cluster = connect()
    const seen: number[] = []
    const pairs = [0, 1, 2, 3, 4, 5].map((n): [number, number] => [n, 3])
    await expect(
      (async () => {
        for await (const square of cluster.starmap(tasks.squareUnless, pairs, { chunksize: 2 })) {
          seen.push(square)
        }
      })(),
    ).rejects.toThrow('3 is not allowed')
    // The chunk [2, 3] keeps the result of 2: chunking never changes what the loop observes.
    expect(seen).toEqual([0, 1, 4])
  })

  it('asCompleted(), wait() and gather() work on its futures', async () => {
    await using cluster = connect()
    const log = scratchFile('waiting')
    const futures = [300, 10, 150].map((ms) => cluster.submit(tasks.slowly, log, ms, ms))
    const order: number[] = []
    for await (const done of asCompleted(futures, { timeout: 20_000 })) {
      order.push((await done.result()).value)
    }
    expect(order.sort((a, b) => a - b)).toEqual([10, 150, 300])

    const more = [cluster.submit(tasks.add, 1, 1), cluster.submit(tasks.failTyped, 'no')]
    const { done, notDone } = await wait(more, { returnWhen: 'ALL_COMPLETED', timeout: 20_000 })
    expect(done.size).toBe(2)
    expect(notDone.size).toBe(0)

    expect(
      await gather([cluster.submit(tasks.add, 2, 2), cluster.submit(tasks.square, 5)]),
    ).toEqual([4, 25])
  })

  it('@concurrent/rx: fromFuture, executeMap and progress$ work over it', async () => {
    await using cluster = connect()
    expect(await firstValueFrom(fromFuture(cluster.submit(tasks.add, 20, 22)))).toBe(42)
    const squares = await lastValueFrom(
      from([1, 2, 3, 4]).pipe(executeMap(cluster, tasks.square, { ordered: true }), toArray()),
    )
    expect(squares).toEqual([1, 4, 9, 16])
    const reported = await lastValueFrom(
      progress$(cluster.submit(tasks.withProgress, 3)).pipe(toArray()),
    )
    expect(reported.at(-1)).toBe(3)
  })

  it('@concurrent/fp: submitTE, traverseParallel and waitEither work over it', async () => {
    await using cluster = connect()
    expect(await submitTE(cluster, tasks.add, 2, 3)()).toEqual(E.right(5))
    const failed = await submitTE(cluster, tasks.failTyped, 'bad')()
    expect(E.isLeft(failed) && failed.left instanceof TypeError).toBe(true)
    expect(await traverseParallel(cluster, tasks.square)([1, 2, 3])()).toEqual(E.right([1, 4, 9]))
    const [ok, notOk] = await waitEither([
      cluster.submit(tasks.add, 1, 1),
      cluster.submit(tasks.failValidation, 'name'),
    ])()
    expect(ok).toEqual(E.right(2))
    expect(E.isLeft(notOk)).toBe(true)
  })

  describe('errors', () => {
    it("a task's error arrives with its class, own properties, cause and stack", async () => {
      await using cluster = connect()
      const error = (await cluster
        .submit(tasks.failTyped, 'wrong type')
        .exception()) as TypeError & {
        code: string
      }
      expect(error).toBeInstanceOf(TypeError)
      expect(error.message).toBe('wrong type')
      expect(error.code).toBe('E_TYPED')

      const custom = (await cluster
        .submit(tasks.failValidation, 'email')
        .exception()) as ValidationError
      expect(custom).toBeInstanceOf(Error)
      expect(custom.name).toBe('ValidationError')
      expect(custom.field).toBe('email')
      expect(custom.cause).toBeInstanceOf(RangeError)
      expect((custom.cause as Error).message).toBe('the root cause')
      // The worker's frames, then the caller's.
      expect(custom.stack).toContain('tasks.ts')
      expect(custom.stack).toContain('--- in a worker, for the task submitted at ---')
      expect(custom.stack).toContain('cluster-executor.integration.test.ts')
    })

    it('attempts and backoff retry a failing task until it succeeds', async () => {
      await using cluster = connect()
      const log = scratchFile('flaky')
      const started = Date.now()
      const result = await cluster.with({ attempts: 3, backoff: 200 }).submit(tasks.flaky, log, 2)
      expect(result).toBe('succeeded on attempt 3')
      expect(lines(log)).toHaveLength(3)
      // Two waits of at least the backoff each.
      expect(Date.now() - started).toBeGreaterThanOrEqual(400)
    })

    it("after its last attempt, the future rejects with the task's own error", async () => {
      await using cluster = new ClusterExecutor({
        connection: redis!.url(),
        queue,
        root: PACKAGE_ROOT,
        attempts: 2,
        backoff: { type: 'exponential', delay: 50 },
      })
      const log = scratchFile('hopeless')
      const error = await cluster.submit(tasks.flaky, log, 5).exception()
      expect(error).toBeInstanceOf(Error)
      expect((error as ValidationError).name).toBe('ValidationError')
      expect((error as Error).message).toBe('attempt 2 failed')
      expect(lines(log)).toHaveLength(2)
    })

    it('refuses an inline function at the call site: no code travels through the queue', async () => {
      await using cluster = connect()
      expect(() => cluster.submit((a: number, b: number) => a + b, 1, 2)).toThrow(InlineTaskError)
      expect(() => cluster.submit((a: number, b: number) => a + b, 1, 2)).toThrow(
        /no code travels through the queue.*taskModule/,
      )
    })

    it('refuses a task module outside root at the call site', async () => {
      await using cluster = new ClusterExecutor({
        connection: redis!.url(),
        queue,
        root: join(PACKAGE_ROOT, 'src'),
      })
      expect(() => cluster.submit(tasks.add, 1, 2)).toThrow(RangeError)
      expect(() => cluster.submit(tasks.add, 1, 2)).toThrow(/to be under root .*src.*tasks\.ts/)
    })

    it('refuses an argument structured clone cannot copy, naming it', async () => {
      await using cluster = connect()
      expect(() => cluster.submit(tasks.add, 1, (() => 2) as never)).toThrow(DataCloneError)
      expect(() => cluster.submit(tasks.add, 1, (() => 2) as never)).toThrow(/Argument 2/)
    })

    it('a job removed from the queue by someone else rejects with JobLostError', async () => {
      await using cluster = connect()
      const slots = await occupyAllSlots(cluster)
      try {
        const future = cluster.submit(tasks.add, 1, 1)
        const [job] = await waitingJobs(1)
        await inspector!.remove(job!.id!)
        const error = await future.exception()
        expect(error).toBeInstanceOf(JobLostError)
        expect((error as JobLostError).reason).toBe('removed')
      } finally {
        await slots.release()
      }
    })
  })

  describe('cancel', () => {
    it('cancel() removes a waiting job, and the task never runs', async () => {
      await using cluster = connect()
      const slots = await occupyAllSlots(cluster)
      const log = scratchFile('victim')
      let victim: TaskFuture<unknown> | undefined
      try {
        victim = cluster.submit(tasks.slowly, log, 0, -1)
        const after = cluster.submit(tasks.add, 1, 2)
        // Both wait in Redis behind the busy slots.
        await waitingJobs(2)
        expect(victim.cancel()).toBe(true)
        expect(victim.cancelled()).toBe(true)
        await slots.release()
        // The job queued after it runs; the victim never did.
        expect(await after).toBe(3)
        await sleep(200)
        expect(lines(log)).toEqual([])
        await expect(victim).rejects.toBeInstanceOf(CancelledError)
      } finally {
        await slots.release()
      }
    })

    it("cancel({ interrupt: true }) reaches the running task's token and signal on its host", async () => {
      await using cluster = connect()
      const log = scratchFile('interrupt')
      const future = cluster.submit(tasks.untilCancelled, log)
      await until(() => lines(log).length === 1 && future.running(), 'the task to run')
      expect(future.cancel()).toBe(false)
      expect(future.cancel({ interrupt: true })).toBe(true)
      await expect(future).rejects.toBeInstanceOf(CancelledError)
      await until(() => lines(log).length === 2, 'the task to see its token cancelled')
      const [start, seen] = lines(log)
      const pid = Number(start!.split(' ')[1])
      expect(hosts.map((host) => host.pid)).toContain(pid)
      expect(seen).toBe(`token-cancelled signal-aborted=true ${pid}`)
    })

    it('a signal given with with() cancels a waiting task and interrupts a running one', async () => {
      await using cluster = connect()
      const log = scratchFile('signal')
      const controller = new AbortController()
      const running = cluster.with({ signal: controller.signal }).submit(tasks.untilCancelled, log)
      await until(() => lines(log).length === 1 && running.running(), 'the task to run')
      controller.abort(new Error('stop now'))
      await expect(running).rejects.toThrow('stop now')
      await until(() => lines(log).length === 2, 'the task to see its token cancelled')
    })

    it('shutdown({ cancelFutures: true }) removes waiting jobs; submit afterwards throws', async () => {
      const cluster = connect()
      const slots = await occupyAllSlots(cluster)
      const log = scratchFile('shutdown')
      const waiting = cluster.submit(tasks.slowly, log, 0, -2)
      await waitingJobs(1)
      const closing = cluster.shutdown({ cancelFutures: true })
      expect(waiting.cancelled()).toBe(true)
      expect(() => cluster.submit(tasks.add, 1, 1)).toThrow(ShutdownError)
      await slots.release()
      await closing
      expect(lines(log)).toEqual([])
    })
  })

  describe('timeout', () => {
    it('counts from the start of the run, not while the job waits', async () => {
      await using cluster = connect()
      const slots = await occupyAllSlots(cluster)
      let quick: TaskFuture<number> | undefined
      try {
        quick = cluster.with({ timeout: 500 }).submit(tasks.add, 2, 3)
        // It waits longer than its timeout before a slot is free.
        await sleep(1_000)
        expect(quick).toBeDefined()
      } finally {
        await slots.release()
      }
      expect(await quick).toBe(5)
    })

    it('rejects with TimeoutError and stops a task that runs longer', async () => {
      await using cluster = connect()
      const error = await cluster.with({ timeout: 300 }).submit(tasks.spinForever).exception()
      expect(error).toBeInstanceOf(TimeoutError)
      expect((error as Error).message).toMatch(/did not finish within its timeout of 300 ms/)
      // The host is free again: the spinning thread was stopped.
      expect(await cluster.submit(tasks.add, 1, 1)).toBe(2)
    })
  })

  it('reportProgress in the task reaches onProgress, before the future settles', async () => {
    await using cluster = connect()
    const future = cluster.submit(tasks.withProgress, 5)
    const reported: unknown[] = []
    future.onProgress((value) => reported.push(value))
    expect(await future).toBe(5)
    // Updates may be coalesced while one is on its way, never reordered, and the last arrives.
    expect(reported.at(-1)).toBe(5)
    expect([...reported].sort()).toEqual(reported)
  })
})
