/**
 * Scenario 6, the cluster: `@concurrent/distributed` on a Redis server of its own, with worker
 * hosts as separate processes on this machine (loopback).
 *
 * - Tiny-task overhead: a burst of `x + 1` tasks, and the same one at a time, through
 *   `ClusterExecutor.submit` against raw BullMQ (`Queue.add`, a `Worker` running the same
 *   function, results from `QueueEvents`), with its defaults and with the job options our jobs
 *   carry; one worker host each, 2 tasks at once.
 * - `map` of 100,000 tiny items on two hosts: the automatic chunksize against one job per item.
 * - CPU-bound 10 ms tasks on 1, 2 and 3 hosts of one task at a time each: throughput, and
 *   efficiency against perfect scaling of the tasks' own time.
 *
 * Every contender's hosts are started once and stay up (idle hosts only wait on Redis); each
 * measurement creates its client, warms it, times the work and closes the client.
 */
import { Queue, QueueEvents, type JobsOptions } from 'bullmq'
import { Redis } from 'ioredis'

import { ClusterExecutor } from '@concurrent/distributed'

import type { Contender, Sample } from '../lib/harness.js'
import { interleave, progress } from '../lib/harness.js'
import {
  cpuTime,
  mainThreadCpuTime,
  redisPid,
  redisVersion,
  root,
  startHost,
  startRawHost,
  startRedis,
  stopAll,
} from '../lib/cluster.js'
import { parseOptions } from '../lib/options.js'
import { emit, type Table } from '../lib/result.js'
import { local, tasks } from '../lib/tasks.js'

const options = parseOptions()
const started = performance.now()
const quick = options.quick
const burst = quick ? 200 : 2_000
const oneByOne = quick ? 20 : 200
const mapItems = quick ? 5_000 : 100_000
const cpuTasks = quick ? 20 : 200
const CPU_MS = 10
const HOST_SLOTS = 2
/**
 * `--tables cluster-submit,cluster-latency` runs only those tables (and starts only their
 * hosts): the ids are `cluster-submit`, `cluster-latency`, `cluster-map` and `cluster-cpu`.
 */
const only = tablesOption(process.argv.slice(2))
const wanted = (id: string): boolean => only === undefined || only.includes(id)

function tablesOption(argv: readonly string[]): readonly string[] | undefined {
  const inline = argv.find((arg) => arg.startsWith('--tables='))
  const index = argv.indexOf('--tables')
  const text = inline?.slice('--tables='.length) ?? (index === -1 ? undefined : argv[index + 1])
  return text?.split(',').filter((id) => id !== '')
}

const version = redisVersion()
if (version === undefined) {
  emit({
    scenario: 'cluster',
    title: 'Cluster (@concurrent/distributed on BullMQ and Redis)',
    quick,
    warmup: options.warmup,
    rounds: options.rounds,
    workers: HOST_SLOTS,
    notes: ['skipped: redis-server is not installed (`apt-get install -y redis-server`)'],
    tables: [],
    durationMs: performance.now() - started,
  })
  process.exit(0)
}

const url = await startRedis()
const queues = {
  raw: 'bench-raw',
  ours: 'bench-ours',
  oursAsync: 'bench-ours-async',
  map: 'bench-map',
  cpu1: 'bench-cpu-1',
  cpu2: 'bench-cpu-2',
  cpu3: 'bench-cpu-3',
}

function cluster(queue: string): ClusterExecutor {
  return new ClusterExecutor({ connection: url, queue, root })
}

/** The process ids of the tiny-task contenders' hosts, once started. */
const hostPids: { raw?: number; ours?: number; oursAsync?: number } = {}
/** For Redis's own counts of the commands it ran (`INFO commandstats`). */
const stats = new Redis(url)

/** Redis commands run since the last `CONFIG RESETSTAT`, besides those two. */
async function commandsRun(): Promise<number> {
  let total = 0
  for (const line of (await stats.info('commandstats')).split('\n')) {
    const found = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
    if (found !== null && !/^(config|info)/.test(found[1] ?? '')) total += Number(found[2])
  }
  return total
}

/**
 * Times `work` (`count` tasks) and measures around it, per task: the worker host's CPU time
 * (all its threads, and its main thread alone), Redis's, this client's, and the commands Redis
 * ran (from both sides). Nothing else runs meanwhile, so Redis's counts are the contender's own.
 */
async function measured(
  host: number | undefined,
  count: number,
  work: () => Promise<void>,
): Promise<Sample> {
  await stats.config('RESETSTAT')
  const hostBefore = cpuTime(host)
  const hostMainBefore = mainThreadCpuTime(host)
  const redisBefore = cpuTime(redisPid())
  const client = process.cpuUsage()
  const start = performance.now()
  await work()
  const ms = performance.now() - start
  const clientUsed = process.cpuUsage(client)
  const hostAfter = cpuTime(host)
  const hostMainAfter = mainThreadCpuTime(host)
  const redisAfter = cpuTime(redisPid())
  const commands = await commandsRun()
  return {
    ...perTask(ms, count),
    commands: commands / count,
    clientCpu: (clientUsed.user + clientUsed.system) / count,
    ...(hostBefore === undefined || hostAfter === undefined
      ? {}
      : { hostCpu: (hostAfter - hostBefore) / count }),
    ...(hostMainBefore === undefined || hostMainAfter === undefined
      ? {}
      : { hostMainCpu: (hostMainAfter - hostMainBefore) / count }),
    ...(redisBefore === undefined || redisAfter === undefined
      ? {}
      : { redisCpu: (redisAfter - redisBefore) / count }),
  }
}

/** The name of our contender whose host runs its tasks on `runtime`. */
function oursName(runtime: 'thread' | 'async'): string {
  return runtime === 'thread'
    ? 'ours ClusterExecutor.submit'
    : 'ours ClusterExecutor.submit, host --runtime async'
}

/**
 * Our contender: `ClusterExecutor.submit`, `count` tasks at once or one after the other, to a
 * host that runs them on its worker threads (the default) or on its own thread.
 */
function ours(count: number, together: boolean, runtime: 'thread' | 'async'): Contender {
  const host = runtime === 'thread' ? 'ours' : 'oursAsync'
  return {
    name: oursName(runtime),
    run: async () => {
      const client = cluster(queues[host])
      try {
        await Promise.all(Array.from({ length: 50 }, (_, i) => client.submit(tasks.addOne, i)))
        return await measured(hostPids[host], count, async () => {
          if (together) {
            const results = await Promise.all(
              Array.from({ length: count }, (_, i) => client.submit(tasks.addOne, i)),
            )
            if (results[count - 1] !== count) throw new Error('wrong result')
          } else {
            for (let i = 0; i < count; i++) await client.submit(tasks.addOne, i)
          }
        })
      } finally {
        await client.shutdown()
      }
    },
  }
}

/**
 * Raw BullMQ as a careful user writes it: `Queue.add` per task, and one long-lived
 * `QueueEvents` whose `completed` events settle a promise per job id (what
 * `job.waitUntilFinished` does, without a listener per job). The job id is chosen before the
 * add, since a fast worker can complete a job before `add` returns.
 */
class RawClient {
  // Events kept as ClusterExecutor keeps them: with BullMQ's default of 10,000, a burst of a few
  // thousand jobs can lose completions before they are read.
  readonly queue = new Queue(queues.raw, {
    connection: { url },
    streams: { events: { maxLen: 100_000 } },
  })
  readonly events = new QueueEvents(queues.raw, { connection: { url } })
  readonly #waiting = new Map<string, (value: unknown) => void>()
  #next = 0

  constructor() {
    this.events.on('completed', ({ jobId, returnvalue }) => {
      this.#waiting.get(jobId)?.(returnvalue)
      this.#waiting.delete(jobId)
    })
  }

  /** Resolves once events are being read: `waitUntilReady` comes before the first read. */
  async ready(): Promise<void> {
    await this.events.waitUntilReady()
    for (;;) {
      const probe = this.call(0)
      const seen = await Promise.race([
        probe.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 200)),
      ])
      if (seen) return
    }
  }

  call(x: number, options: JobsOptions = {}): Promise<unknown> {
    const jobId = `r-${this.#next++}`
    const result = new Promise((resolve) => this.#waiting.set(jobId, resolve))
    return this.queue.add('addOne', { args: [x] }, { ...options, jobId }).then(() => result)
  }

  async close(): Promise<void> {
    await this.events.close()
    await this.queue.close()
  }
}

let rawClient: RawClient | undefined

/**
 * The job options every `ClusterExecutor` job carries, that raw BullMQ's defaults leave out: a
 * priority (so that priority 0 sits between higher and lower ones: BullMQ runs jobs without one
 * before all others) and removal of finished jobs after a while (BullMQ's default keeps them
 * for ever). Given to raw BullMQ in a row of its own, they show what these features cost in
 * BullMQ and Redis, apart from our own code.
 */
const CLUSTER_JOB_OPTIONS: JobsOptions = {
  priority: 2 ** 20,
  removeOnComplete: { age: 3_600 },
  removeOnFail: { age: 24 * 3_600 },
}

function raw(count: number, together: boolean, jobOptions?: JobsOptions): Contender {
  return {
    name:
      jobOptions === undefined
        ? 'raw BullMQ (Queue.add + Worker)'
        : "raw BullMQ with ClusterExecutor's job options",
    run: async () => {
      const client = rawClient
      if (client === undefined) throw new Error('the raw BullMQ client is not started')
      const call = (x: number): Promise<unknown> => client.call(x, jobOptions)
      await Promise.all(Array.from({ length: 50 }, (_, i) => call(i)))
      return measured(hostPids.raw, count, async () => {
        if (together) {
          const results = await Promise.all(Array.from({ length: count }, (_, i) => call(i)))
          if (results[count - 1] !== count) throw new Error('wrong result')
        } else {
          for (let i = 0; i < count; i++) await call(i)
        }
      })
    },
  }
}

function perTask(ms: number, count: number): Sample {
  return { us: (ms * 1000) / count, perSecond: count / (ms / 1000), ms }
}

function mapContender(name: string, chunksize: number | undefined): Contender {
  return {
    name,
    run: async () => {
      const client = cluster(queues.map)
      const input = Array.from({ length: mapItems }, (_, i) => i)
      try {
        await Promise.all(Array.from({ length: 20 }, (_, i) => client.submit(tasks.addOne, i)))
        const start = performance.now()
        let sum = 0
        for await (const value of client.map(tasks.addOne, input, { chunksize })) sum += value
        const ms = performance.now() - start
        if (sum !== (mapItems * (mapItems + 1)) / 2) throw new Error('wrong sum')
        return perTask(ms, mapItems)
      } finally {
        await client.shutdown()
      }
    },
  }
}

function cpuContender(hosts: 1 | 2 | 3): Contender {
  return {
    name: `${hosts} host${hosts === 1 ? '' : 's'}`,
    run: async () => {
      const client = cluster(queues[`cpu${hosts}`])
      try {
        await Promise.all(Array.from({ length: hosts * 2 }, () => client.submit(tasks.spin, 1)))
        const start = performance.now()
        await Promise.all(Array.from({ length: cpuTasks }, () => client.submit(tasks.spin, CPU_MS)))
        const ms = performance.now() - start
        const ideal = (cpuTasks * CPU_MS) / hosts
        return { ms, perSecond: cpuTasks / (ms / 1000), efficiency: (100 * ideal) / ms }
      } finally {
        await client.shutdown()
      }
    },
  }
}

const serialCpu: Contender = {
  name: 'serial (this thread)',
  run: () => {
    const { spin } = local
    const start = performance.now()
    for (let i = 0; i < cpuTasks; i++) spin(CPU_MS)
    const ms = performance.now() - start
    return Promise.resolve({
      ms,
      perSecond: cpuTasks / (ms / 1000),
      efficiency: (100 * cpuTasks * CPU_MS) / ms,
    })
  },
}

const perTaskColumns = [
  { key: 'us', label: 'µs per task', unit: 'µs', digits: 0 },
  { key: 'perSecond', label: 'tasks per second', unit: '/s', digits: 0 },
  { key: 'clientCpu', label: 'client CPU per task', unit: 'µs', digits: 0 },
  { key: 'hostCpu', label: 'host CPU per task', unit: 'µs', digits: 0 },
  { key: 'hostMainCpu', label: "host's main thread", unit: 'µs', digits: 0 },
  { key: 'redisCpu', label: 'Redis CPU per task', unit: 'µs', digits: 0 },
  { key: 'commands', label: 'Redis commands per task', unit: '', digits: 1 },
]

try {
  progress('starting Redis and the worker hosts')
  const tiny = wanted('cluster-submit') || wanted('cluster-latency')
  await Promise.all([
    ...(tiny
      ? [
          startRawHost(url, queues.raw, HOST_SLOTS).then((pid) => (hostPids.raw = pid)),
          startHost(url, queues.ours, HOST_SLOTS).then((pid) => (hostPids.ours = pid)),
          startHost(url, queues.oursAsync, HOST_SLOTS, 'async').then(
            (pid) => (hostPids.oursAsync = pid),
          ),
        ]
      : []),
    ...(wanted('cluster-map') ? [1, 2].map(() => startHost(url, queues.map, HOST_SLOTS)) : []),
    ...(wanted('cluster-cpu')
      ? [
          startHost(url, queues.cpu1, 1),
          ...[1, 2].map(() => startHost(url, queues.cpu2, 1)),
          ...[1, 2, 3].map(() => startHost(url, queues.cpu3, 1)),
        ]
      : []),
  ])
  if (tiny) {
    rawClient = new RawClient()
    await rawClient.ready()
  }
  const tables: Table[] = []
  const overheadRatio = {
    label: '× raw BullMQ',
    key: 'us',
    reference: 'raw BullMQ (Queue.add + Worker)',
    kind: 'time',
  } as const
  if (wanted('cluster-submit')) {
    tables.push({
      id: 'cluster-submit',
      title: `Tiny tasks through a cluster, ${burst.toLocaleString('en')} at once`,
      description: `${burst.toLocaleString('en')} \`x + 1\` tasks submitted together, then awaited; one worker host (a separate process, ${HOST_SLOTS} tasks at once), Redis on loopback. Ours runs each task on the host's worker threads (the default), or with \`--runtime async\` on the host's own thread, as the raw BullMQ worker does. Raw BullMQ runs twice: with its defaults, and with the job options every ClusterExecutor job carries (a priority, and removal of finished jobs after a while).`,
      columns: perTaskColumns,
      ratios: [overheadRatio],
      rows: await interleave(
        [
          raw(burst, true),
          raw(burst, true, CLUSTER_JOB_OPTIONS),
          ours(burst, true, 'thread'),
          ours(burst, true, 'async'),
        ],
        {
          ...options,
          label: 'cluster-submit',
        },
      ),
    })
  }
  if (wanted('cluster-latency')) {
    tables.push({
      id: 'cluster-latency',
      title: 'Tiny tasks through a cluster, one at a time',
      description: `${oneByOne} \`x + 1\` tasks, each submitted when the one before has its result: the round trip through Redis and a worker host.`,
      columns: perTaskColumns,
      ratios: [overheadRatio],
      rows: await interleave(
        [
          raw(oneByOne, false),
          raw(oneByOne, false, CLUSTER_JOB_OPTIONS),
          ours(oneByOne, false, 'thread'),
          ours(oneByOne, false, 'async'),
        ],
        {
          ...options,
          label: 'cluster-latency',
        },
      ),
    })
  }
  if (wanted('cluster-map')) {
    tables.push({
      id: 'cluster-map',
      title: `Map of ${mapItems.toLocaleString('en')} tiny items through a cluster`,
      description: `\`ClusterExecutor.map\` of \`x + 1\` over an array of ${mapItems.toLocaleString('en')} numbers, on two worker hosts of ${HOST_SLOTS} tasks at once: the automatic chunksize (about four chunks per worker slot) against one job per item.`,
      columns: [
        { key: 'ms', label: 'total', unit: 'ms', digits: 0 },
        { key: 'us', label: 'µs per item', unit: 'µs', digits: 2 },
      ],
      ratios: [
        {
          label: '× one job per item',
          key: 'ms',
          reference: 'chunksize 1 (one job per item)',
          kind: 'time',
        },
      ],
      rows: await interleave(
        [
          mapContender('automatic chunksize', undefined),
          mapContender('chunksize 1 (one job per item)', 1),
        ],
        // One job per item takes about two minutes here: two measured rounds, no warm-up.
        { ...options, label: 'cluster-map', warmup: 0, rounds: quick ? 1 : 2, timeout: 600_000 },
      ),
    })
  }
  if (wanted('cluster-cpu')) {
    tables.push({
      id: 'cluster-cpu',
      title: `CPU-bound ${CPU_MS} ms tasks on 1, 2 and 3 worker hosts`,
      description: `${cpuTasks} tasks that each spin the CPU for ${CPU_MS} ms, submitted together; each host runs one at a time (a one-core host), and all hosts share this machine's ${HOST_SLOTS} cores. Efficiency is the tasks' own time divided by the hosts, over the time taken.`,
      columns: [
        { key: 'ms', label: 'total', unit: 'ms', digits: 0 },
        { key: 'perSecond', label: 'tasks per second', unit: '/s', digits: 0 },
        { key: 'efficiency', label: 'efficiency', unit: '%', digits: 0 },
      ],
      ratios: [{ label: 'speedup over 1 host', key: 'ms', reference: '1 host', kind: 'speedup' }],
      rows: await interleave([serialCpu, cpuContender(1), cpuContender(2), cpuContender(3)], {
        ...options,
        label: 'cluster-cpu',
      }),
    })
  }
  emit({
    scenario: 'cluster',
    title: 'Cluster (@concurrent/distributed on BullMQ and Redis)',
    quick,
    warmup: options.warmup,
    rounds: options.rounds,
    workers: HOST_SLOTS,
    notes: [
      `Redis ${version} on loopback, no persistence; worker hosts are processes on this machine.`,
    ],
    tables,
    durationMs: performance.now() - started,
  })
} finally {
  await rawClient?.close()
  await stats.quit()
  await stopAll()
}
process.exit(0)
