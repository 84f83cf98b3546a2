/**
 * Scenario 5, memory: the peak RSS of `map` over 1,000,000 lazy inputs, with and without
 * `buffersize`, each measurement in a fresh child process (see memory-child.ts) whose own peak
 * RSS it reports. A fresh process needs no warm-up, so this scenario runs none.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import type { Contender, Sample } from '../lib/harness.js'
import { interleave } from '../lib/harness.js'
import { parseOptions } from '../lib/options.js'
import { noPython, pythonVersion } from '../lib/python.js'
import { emit, type Ratio } from '../lib/result.js'

const run = promisify(execFile)
const options = parseOptions()
const started = performance.now()
const n = options.quick ? 100_000 : 1_000_000
const chunksize = 1_000
const buffersize = 4
const child = fileURLToPath(new URL('./memory-child.js', import.meta.url))
const pythonScript = fileURLToPath(new URL('../../python/memory.py', import.meta.url))
const hasPython = pythonVersion() !== undefined

async function measure(command: string, args: readonly string[]): Promise<Sample> {
  const { stdout } = await run(command, args, { maxBuffer: 1 << 20 })
  return JSON.parse(stdout) as Sample
}

function node(name: string, runner: string, buffer: number | 'none'): Contender {
  return {
    name,
    run: () =>
      measure(process.execPath, [child, runner, String(n), String(chunksize), String(buffer)]),
  }
}

function python(name: string, executor: string): Contender[] {
  if (!hasPython) return []
  return [
    { name, run: () => measure('python3', [pythonScript, executor, String(n), String(chunksize)]) },
  ]
}

const contenders: Contender[] = [
  node('baseline: the input consumed in this process, no pool', 'baseline', 'none'),
  node('ours ThreadPoolExecutor.map, no buffersize', 'thread', 'none'),
  node(`ours ThreadPoolExecutor.map, buffersize ${buffersize}`, 'thread', buffersize),
  ...python('Python ProcessPoolExecutor.map (3.11 has no buffersize)', 'ProcessPoolExecutor'),
  ...python('Python Pool.imap', 'Pool'),
]
const ratios: Ratio[] = [
  {
    label: '× ours, no buffersize (threads)',
    key: 'peakRssMb',
    reference: 'ours ThreadPoolExecutor.map, no buffersize',
    kind: 'time',
  },
]
const rows = await interleave(contenders, { ...options, warmup: 0, label: 'memory' })
emit({
  scenario: 'memory',
  title: 'Memory',
  quick: options.quick,
  warmup: 0,
  rounds: options.rounds,
  workers: 2,
  notes: hasPython ? [] : [noPython],
  tables: [
    {
      id: 'memory-map',
      title: `Peak RSS of map over ${n.toLocaleString('en')} lazy inputs, chunksize ${chunksize.toLocaleString('en')}`,
      description: `A generator of ${n.toLocaleString('en')} integers mapped with \`x + 1\` on 2 workers and consumed as results arrive; peak RSS of the process, worker threads included. With \`buffersize: ${buffersize}\`, at most ${buffersize} chunks are read ahead of the consumer; without it the whole input is read and submitted at once, as Python 3.11's \`Executor.map\` does. (A generator has no length, so ours would default to one task per item: the chunksize is given.)`,
      columns: [
        { key: 'peakRssMb', label: 'peak RSS', unit: 'MB', digits: 1 },
        { key: 'ms', label: 'time', unit: 'ms', digits: 0 },
      ],
      ratios,
      rows,
    },
  ],
  durationMs: performance.now() - started,
})
