/**
 * Scenario 1, tiny-task overhead: 20,000 `x + 1` tasks through each pool with 2 workers,
 * threads and processes separately, one task per call (ours also with a diagnostics-channel
 * subscriber); then `map` of tiny items in chunks.
 * Each measurement creates its pool, warms it (its workers started, the task module loaded,
 * 200 tasks run), times the batch, and closes the pool outside the timing.
 */
import diagnostics from 'node:diagnostics_channel'

import { diagnosticsChannels } from '@concurrent/executors'

import type { Contender, Sample } from '../lib/harness.js'
import { interleave } from '../lib/harness.js'
import { parseOptions } from '../lib/options.js'
import {
  hangNotes,
  kindsOf,
  ours,
  type BenchPool,
  type PoolKind,
  type Runtime,
} from '../lib/pools.js'
import { noPython, PythonServer } from '../lib/python.js'
import { emit, type Column, type Ratio, type Table } from '../lib/result.js'
import { tasks } from '../lib/tasks.js'

const options = parseOptions()
const { workers } = options
const started = performance.now()
const tasksPerRun = options.quick ? 2_000 : 20_000
const mapSizes = options.quick ? [10_000, 50_000] : [20_000, 1_000_000]
const python = PythonServer.start()
const notes: string[] = python === undefined ? [noPython] : []

const perItem: Column[] = [
  { key: 'us', label: 'µs per item', unit: 'µs', digits: 2 },
  { key: 'perSecond', label: 'items per second', unit: '/s', digits: 0 },
]

function sample(ms: number, items: number): Sample {
  return { us: (ms * 1000) / items, perSecond: items / (ms / 1000), ms }
}

/** Creates a pool, warms it, times `batch`, closes it. */
async function measure<P extends BenchPool>(
  create: () => P,
  batch: (pool: P) => Promise<number>,
): Promise<Sample> {
  const pool = create()
  try {
    await Promise.all(Array.from({ length: 200 }, (_, i) => pool.call('addOne', i)))
    const start = performance.now()
    const items = await batch(pool)
    return sample(performance.now() - start, items)
  } finally {
    await pool.close()
  }
}

async function submitAll(pool: BenchPool, n: number): Promise<number> {
  const futures: Array<PromiseLike<number>> = []
  for (let i = 0; i < n; i++) futures.push(pool.call('addOne', i))
  const results = await Promise.all(futures)
  if (results[n - 1] !== n) throw new Error(`wrong result: ${String(results[n - 1])}`)
  return n
}

function submitContender(kind: PoolKind): Contender {
  return {
    name: kind.library === 'ours' ? `${kind.name}.submit` : kind.name,
    run: () =>
      measure(
        () => kind.create(workers),
        (pool) => submitAll(pool, tasksPerRun),
      ),
  }
}

function pythonContender(name: string, command: Record<string, unknown>, items: number) {
  const server = python
  if (server === undefined) return []
  return [
    {
      name,
      run: async () => {
        const { ms } = await server.request({ ...command, workers })
        return sample(ms ?? NaN, items)
      },
    } satisfies Contender,
  ]
}

/**
 * Ours again, with a subscriber on every task event (`concurrent:task` and its dispatch
 * channel) for the run: what observability costs when it is on. Unsubscribed, it costs nothing
 * (the plain row).
 */
function tracedContender(runtime: Runtime): Contender {
  const [kind] = kindsOf(runtime)
  if (kind === undefined) throw new Error('no pool of ours')
  const plain = submitContender(kind)
  return {
    name: `${plain.name}, traced`,
    run: async () => {
      let events = 0
      const count = (): void => {
        events++
      }
      const handlers = {
        start: count,
        end: count,
        asyncStart: count,
        asyncEnd: count,
        error: count,
      }
      const tracing = diagnostics.tracingChannel(diagnosticsChannels.task)
      tracing.subscribe(handlers)
      diagnostics.subscribe(diagnosticsChannels.taskDispatch, count)
      let sample: Sample
      try {
        sample = await plain.run()
      } finally {
        tracing.unsubscribe(handlers)
        diagnostics.unsubscribe(diagnosticsChannels.taskDispatch, count)
      }
      if (events === 0) throw new Error('the traced run published no event')
      return sample
    },
  }
}

function submitTable(runtime: Runtime): Promise<Table> {
  const contenders: Contender[] = [
    ...kindsOf(runtime).map(submitContender),
    tracedContender(runtime),
    ...(runtime === 'thread'
      ? pythonContender(
          'Python ThreadPoolExecutor.submit',
          { op: 'tiny', executor: 'ThreadPoolExecutor', api: 'submit', n: tasksPerRun },
          tasksPerRun,
        )
      : [
          ...pythonContender(
            'Python ProcessPoolExecutor.submit',
            { op: 'tiny', executor: 'ProcessPoolExecutor', api: 'submit', n: tasksPerRun },
            tasksPerRun,
          ),
          ...pythonContender(
            'Python Pool.apply_async',
            { op: 'tiny', executor: 'Pool', api: 'submit', n: tasksPerRun },
            tasksPerRun,
          ),
        ]),
  ]
  const label = runtime === 'thread' ? 'threads' : 'processes'
  return tableOf(
    `submit-${label}`,
    `Tiny tasks through ${label}: ${tasksPerRun.toLocaleString('en')} × \`x + 1\`, one task each`,
    `Each task submitted on its own and all awaited; ${workers} workers, warm pool.`,
    contenders,
    {
      tinypool: runtime === 'thread' ? 'tinypool (threads)' : 'tinypool (child_process)',
      python:
        runtime === 'thread'
          ? 'Python ThreadPoolExecutor.submit'
          : 'Python ProcessPoolExecutor.submit',
    },
  )
}

/** Hand-made chunks for pools without a chunked map: as many as `Pool.map` would make. */
async function chunkedByHand(pool: BenchPool, n: number): Promise<number> {
  const chunksize = Math.ceil(n / (workers * 4))
  const calls: Array<PromiseLike<number[]>> = []
  for (let start = 0; start < n; start += chunksize) {
    calls.push(pool.call('addOneRange', [start, Math.min(n, start + chunksize)]))
  }
  const results = (await Promise.all(calls)).flat()
  if (results.length !== n || results[n - 1] !== n) throw new Error('wrong map result')
  return n
}

function mapTable(n: number): Promise<Table> {
  const inputs = Array.from({ length: n }, (_, i) => i)
  const oursMap = (runtime: Runtime, chunksize?: number): Contender => ({
    name: `ours ${runtime === 'thread' ? 'ThreadPoolExecutor' : 'ProcessPoolExecutor'}.map${chunksize === undefined ? '' : ` (chunksize ${chunksize})`}`,
    run: () =>
      measure(
        () => ours(runtime, workers),
        async (pool) => {
          let count = 0
          let last = 0
          const mapOptions = chunksize === undefined ? {} : { chunksize }
          for await (const value of pool.executor.map(tasks.addOne, inputs, mapOptions)) {
            count++
            last = value
          }
          if (count !== n || last !== n) throw new Error('wrong map result')
          return n
        },
      ),
  })
  const byHand = (kind: PoolKind): Contender => ({
    name: `${kind.name}, chunks by hand`,
    run: () =>
      measure(
        () => kind.create(workers),
        (pool) => chunkedByHand(pool, n),
      ),
  })
  const [tinypoolThreads, tinypoolProcesses] = [kindsOf('thread')[1], kindsOf('process')[1]]
  if (tinypoolThreads === undefined || tinypoolProcesses === undefined)
    throw new Error('no tinypool')
  const contenders: Contender[] = [
    oursMap('thread'),
    oursMap('thread', 1_000),
    byHand(tinypoolThreads),
    oursMap('process'),
    byHand(tinypoolProcesses),
    ...pythonContender('Python Pool.map', { op: 'tiny', executor: 'Pool', api: 'map', n }, n),
    ...pythonContender(
      'Python ProcessPoolExecutor.map (chunksize as Pool.map)',
      {
        op: 'tiny',
        executor: 'ProcessPoolExecutor',
        api: 'map',
        n,
        chunksize: Math.ceil(n / (workers * 4)),
      },
      n,
    ),
  ]
  return tableOf(
    `map-${n}`,
    `Chunked map of ${n.toLocaleString('en')} tiny items (\`x + 1\`)`,
    `\`map\` without a chunksize picks one as \`multiprocessing.Pool.map\` does (${Math.ceil(n / (workers * 4)).toLocaleString('en')} here: four chunks per worker); tinypool gets the same chunks made by hand (one \`run\` per chunk).`,
    contenders,
    { tinypool: 'tinypool (threads), chunks by hand', python: 'Python Pool.map' },
  )
}

async function tableOf(
  id: string,
  title: string,
  description: string,
  contenders: readonly Contender[],
  refs: { tinypool: string; python: string },
): Promise<Table> {
  const rows = await interleave(contenders, { ...options, label: id })
  const ratios: Ratio[] = [
    { label: '× tinypool', key: 'us', reference: refs.tinypool, kind: 'time' },
    { label: '× Python', key: 'us', reference: refs.python, kind: 'time' },
  ]
  return { id, title, description, columns: perItem, ratios, rows }
}

try {
  const tables = [await submitTable('thread'), await submitTable('process')]
  for (const n of mapSizes) tables.push(await mapTable(n))
  emit({
    scenario: 'overhead',
    title: 'Tiny-task overhead',
    quick: options.quick,
    warmup: options.warmup,
    rounds: options.rounds,
    workers,
    notes: [...notes, ...hangNotes()],
    tables,
    durationMs: performance.now() - started,
  })
} finally {
  await python?.close()
}
// A pool that hung (and was dropped) must not keep the scenario alive.
process.exit(0)
