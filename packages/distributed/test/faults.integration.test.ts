// Faults, with real processes: worker hosts killed with SIGKILL mid-task, cut off from the
// network (their veth taken down in their namespace), stopped with SIGTERM; Redis killed and
// restarted with append-only persistence. BullMQ's stall settings are short here (a 4 s lock,
// checked every second) so a lost worker's job moves on within seconds, while a live host's
// lock, renewed every 2 s by an event loop that runs no task, has ample margin.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { Queue } from 'bullmq'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { ClusterExecutor, taskModule, WorkerLostError } from '@concurrent/distributed'

import {
  createNetwork,
  killHosts,
  PACKAGE_ROOT,
  startHost,
  type HostOptions,
  type Network,
  type WorkerHost,
} from './helpers/hosts.js'
import { startRedis, type RedisServer } from './helpers/redis-server.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

/** BullMQ's stall settings for the hosts here: a job of a lost host moves on within ~6 s. */
const STALL = { lockDuration: 4_000, stalledInterval: 1_000, maxStalledCount: 1 } as const

let network: Network | undefined
let redis: RedisServer | undefined
let scratch = ''
let queues = 0

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cluster-faults-'))
  network = createNetwork(3, 'faults')
  redis = await startRedis({ bind: network.bind })
})

afterEach(async () => {
  await killHosts()
})

afterAll(async () => {
  await killHosts()
  network?.destroy()
  await redis?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

function newQueue(): string {
  return `faults-${process.pid}-${queues++}`
}

function lines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}

async function until(predicate: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Starts one host per slot (the first `count`), all on `queue`. */
function startHosts(
  count: number,
  options: Omit<HostOptions, 'redisUrl'>,
  server: RedisServer = redis!,
): Promise<WorkerHost[]> {
  return Promise.all(
    network!.slots
      .slice(0, count)
      .map((slot) => startHost(slot, { redisUrl: server.url, concurrency: 1, ...options })),
  )
}

/** The pids that noted `event` in `log`, in order. */
function pidsOf(log: string, event: string): number[] {
  return lines(log)
    .filter((line) => line.startsWith(`${event} `))
    .map((line) => Number(line.split(' ').at(-1)))
}

/** Counts how often a future's done callbacks run: a future settles exactly once. */
function settlements(future: { addDoneCallback(fn: () => void): unknown }): () => number {
  let count = 0
  future.addDoneCallback(() => count++)
  return () => count
}

describe('worker loss', () => {
  it('a task whose host is killed (SIGKILL) mid-run runs again on another host; its future resolves once', async () => {
    const queue = newQueue()
    const hosts = await startHosts(2, { queue, ...STALL })
    await using cluster = new ClusterExecutor({
      connection: redis!.url(),
      queue,
      root: PACKAGE_ROOT,
    })
    const log = join(scratch, 'killed')
    const future = cluster.submit(tasks.slowly, log, 1_500, 7)
    const settled = settlements(future)
    await until(() => pidsOf(log, 'start').length === 1, 'the task to start')
    const [first] = pidsOf(log, 'start')
    const victim = hosts.find((host) => host.pid === first)!
    victim.kill('SIGKILL')
    expect((await victim.exited).signal).toBe('SIGKILL')

    const result = await future
    const survivor = hosts.find((host) => host !== victim)!
    expect(result).toEqual({ value: 7, pid: survivor.pid })
    // It ran twice (started on both hosts), finished once, and the future settled once.
    expect(pidsOf(log, 'start')).toEqual([victim.pid, survivor.pid])
    expect(pidsOf(log, 'end')).toEqual([survivor.pid])
    await sleep(500)
    expect(settled()).toBe(1)
  })

  it('after the stall limit, the future rejects with WorkerLostError', async () => {
    const queue = newQueue()
    // maxStalledCount 1: one stall puts the job back, the second fails it.
    const hosts = await startHosts(3, { queue, ...STALL })
    await using cluster = new ClusterExecutor({
      connection: redis!.url(),
      queue,
      root: PACKAGE_ROOT,
    })
    const log = join(scratch, 'stall-limit')
    const future = cluster.submit(tasks.killHost, log)
    const settled = settlements(future)
    const error = await future.exception()
    expect(error).toBeInstanceOf(WorkerLostError)
    expect((error as WorkerLostError).name).toBe('WorkerLostError')
    expect((error as WorkerLostError).message).toMatch(/stalled.*maxStalledCount/)
    // Two hosts started it and died with it; the third failed the job without running it.
    const victims = pidsOf(log, 'start')
    expect(victims).toHaveLength(2)
    expect(new Set(victims).size).toBe(2)
    expect((error as WorkerLostError).attemptsStarted).toBe(3)
    const alive = hosts.filter((host) => !victims.includes(host.pid))
    expect(alive).toHaveLength(1)
    expect(await cluster.submit(tasks.hostPid)).toBe(alive[0]!.pid)
    expect(settled()).toBe(1)
  })

  it('a host cut off from the network loses its task to another host, and the future resolves once', async () => {
    const queue = newQueue()
    const hosts = await startHosts(2, { queue, ...STALL })
    await using cluster = new ClusterExecutor({
      connection: redis!.url(),
      queue,
      root: PACKAGE_ROOT,
    })
    const log = join(scratch, 'cut')
    const future = cluster.submit(tasks.slowly, log, 1_500, 9)
    const settled = settlements(future)
    await until(() => pidsOf(log, 'start').length === 1, 'the task to start')
    const [first] = pidsOf(log, 'start')
    const isolated = hosts.find((host) => host.pid === first)!
    // Its veth goes down inside its namespace (without namespaces: the process is frozen).
    isolated.cut()
    try {
      const result = await future
      const other = hosts.find((host) => host !== isolated)!
      expect(result).toEqual({ value: 9, pid: other.pid })
      expect(pidsOf(log, 'start')).toEqual([isolated.pid, other.pid])
      expect(settled()).toBe(1)
    } finally {
      // The cut host goes (it would otherwise finish its copy once back), the slot's network
      // comes back for the next test's hosts.
      isolated.kill('SIGKILL')
      await isolated.exited
      isolated.uncut()
    }
  })
})

describe('SIGTERM', () => {
  it('lets the running task finish, takes no new one, and exits 0', async () => {
    const queue = newQueue()
    const [host] = await startHosts(1, { queue })
    await using cluster = new ClusterExecutor({
      connection: redis!.url(),
      queue,
      root: PACKAGE_ROOT,
    })
    const log = join(scratch, 'sigterm')
    const running = cluster.submit(tasks.slowly, log, 1_000, 1)
    await until(() => running.running(), 'the task to start')
    host!.kill('SIGTERM')
    await until(() => host!.output().includes('SIGTERM'), 'the host to see SIGTERM')
    const next = cluster.submit(tasks.slowly, log, 0, 2)
    expect(await running).toEqual({ value: 1, pid: host!.pid })
    expect(await host!.exited).toEqual({ code: 0, signal: null })
    expect(host!.output()).toContain('stopped')
    // The task ran once, to its end; the one submitted later still waits for a worker.
    expect(pidsOf(log, 'start')).toEqual([host!.pid])
    expect(pidsOf(log, 'end')).toEqual([host!.pid])
    expect(next.state).toBe('pending')
    expect(next.cancel()).toBe(true)
  })

  it.each(['thread', 'async'] as const)(
    'hands a task that outlasts closeTimeout back to the queue, for another host (runtime %s)',
    async (runtime) => {
      const queue = newQueue()
      const [first] = await startHosts(1, { queue, closeTimeout: 300, runtime })
      await using cluster = new ClusterExecutor({
        connection: redis!.url(),
        queue,
        root: PACKAGE_ROOT,
      })
      const log = join(scratch, `handed-back-${runtime}`)
      const future = cluster.submit(tasks.slowly, log, 3_000, 3)
      await until(() => pidsOf(log, 'start').length === 1, 'the task to start')
      first!.kill('SIGTERM')
      expect(await first!.exited).toEqual({ code: 0, signal: null })
      const [second] = await startHosts(1, { queue })
      expect(await future).toEqual({ value: 3, pid: second!.pid })
      expect(pidsOf(log, 'start')).toEqual([first!.pid, second!.pid])
    },
  )
})

describe('Redis restart', () => {
  it('with append-only persistence, waiting jobs survive a Redis crash and complete', async () => {
    const folder = mkdtempSync(join(scratch, 'aof-'))
    const durable = await startRedis({ bind: network!.bind, appendOnlyDir: folder })
    const queue = newQueue()
    const inspector = new Queue(queue, { connection: { url: durable.url() } })
    try {
      await using cluster = new ClusterExecutor({
        connection: durable.url(),
        queue,
        root: PACKAGE_ROOT,
      })
      const futures = [1, 2, 3, 4, 5].map((n) => cluster.submit(tasks.add, n, n))
      for (let i = 0; i < 250 && (await inspector.getPrioritizedCount()) < 5; i++) await sleep(20)
      expect(await inspector.getPrioritizedCount()).toBe(5)

      await durable.stop('SIGKILL')
      await durable.restart()
      await startHosts(1, { queue }, durable)
      expect(await Promise.all(futures)).toEqual([2, 4, 6, 8, 10])
    } finally {
      await inspector.close()
      await killHosts()
      await durable.stop()
    }
  })
})
