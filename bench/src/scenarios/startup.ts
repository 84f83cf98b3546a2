/**
 * Scenario 3, start-up and shutdown: the time from creating a 2-worker pool to the first result
 * of a tiny task (workers started, task module loaded), then the time `shutdown` (or the
 * library's destroy/terminate) takes to release the workers.
 */
import type { Contender } from '../lib/harness.js'
import { interleave } from '../lib/harness.js'
import { parseOptions } from '../lib/options.js'
import { hangNotes, kindsOf, type PoolKind } from '../lib/pools.js'
import { noPython, PythonServer } from '../lib/python.js'
import { emit, type Ratio, type Table } from '../lib/result.js'

const options = parseOptions()
const { workers } = options
const started = performance.now()
const python = PythonServer.start()
const notes: string[] = python === undefined ? [noPython] : []

function poolContender(kind: PoolKind): Contender {
  return {
    name: kind.name,
    run: async () => {
      const start = performance.now()
      const pool = kind.create(workers)
      const result = await pool.call('addOne', 1)
      const firstMs = performance.now() - start
      if (result !== 2) throw new Error(`wrong result ${result}`)
      const closeStart = performance.now()
      await pool.close()
      return { firstMs, shutdownMs: performance.now() - closeStart }
    },
  }
}

function pythonContender(executor: string): Contender[] {
  const server = python
  if (server === undefined) return []
  return [
    {
      name: `Python ${executor}`,
      run: () => server.request({ op: 'startup', executor, workers }),
    },
  ]
}

async function table(runtime: 'thread' | 'process'): Promise<Table> {
  const contenders = [
    ...kindsOf(runtime).map(poolContender),
    ...(runtime === 'thread'
      ? pythonContender('ThreadPoolExecutor')
      : [...pythonContender('ProcessPoolExecutor'), ...pythonContender('Pool')]),
  ]
  const label = runtime === 'thread' ? 'threads' : 'processes'
  const tinypool = runtime === 'thread' ? 'tinypool (threads)' : 'tinypool (child_process)'
  const pythonRef =
    runtime === 'thread' ? 'Python ThreadPoolExecutor' : 'Python ProcessPoolExecutor'
  const ratios: Ratio[] = [
    { label: '× tinypool (first result)', key: 'firstMs', reference: tinypool, kind: 'time' },
    { label: '× Python (first result)', key: 'firstMs', reference: pythonRef, kind: 'time' },
  ]
  return {
    id: `startup-${label}`,
    title: `Start-up and shutdown, ${label}`,
    description: `From \`new\` to the first result of \`x + 1\` on a cold ${workers}-worker pool, then shutdown (waiting for the workers to exit). Python's process pools fork (its default on Linux); Node's start fresh processes.`,
    columns: [
      { key: 'firstMs', label: 'first result', unit: 'ms', digits: 1 },
      { key: 'shutdownMs', label: 'shutdown', unit: 'ms', digits: 1 },
    ],
    ratios,
    rows: await interleave(contenders, { ...options, label: `startup-${label}` }),
  }
}

try {
  const tables = [await table('thread'), await table('process')]
  emit({
    scenario: 'startup',
    title: 'Start-up and shutdown',
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
process.exit(0)
