/**
 * The main demo (`pnpm start`): counts the primes below a limit on the main thread, then on
 * every core with a `ProcessPoolExecutor` and a `ThreadPoolExecutor`, and prints a table of the
 * times, the speedups and the counts (which must agree).
 *
 * The range is cut into chunks of `--chunksize` numbers and each task counts one chunk: testing
 * one small number costs less than handing it to a worker, so a task must carry enough work to
 * be worth the trip. The table shows the pools' startup (workers loading the task module)
 * apart from the counting, and the speedup both ways.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'

import cliProgress from 'cli-progress'

import {
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  taskModule,
  type PoolExecutor,
} from '@concurrent/executors'

import { countPrimes } from './tasks.js'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const usage = `Count the primes below a limit serially, then on every core with a process pool and a thread pool.

Usage: pnpm start [options]

Options:
  -l, --limit <n>      count the primes below n (default: 20_000_000)
  -w, --workers <n>    workers per pool (default: os.availableParallelism(), here ${os.availableParallelism()})
  -c, --chunksize <n>  numbers per task (default: 100_000)
  -h, --help           show this help`

interface Settings {
  readonly limit: number
  readonly workers: number
  readonly chunksize: number
}

interface Row {
  readonly label: string
  readonly workers: number
  /** Milliseconds until every worker had loaded the task module. */
  readonly startup: number
  /** Milliseconds spent counting, once the workers were ready. */
  readonly counting: number
  /** Milliseconds from creating the pool to its shutdown. */
  readonly total: number
  readonly count: number
}

/** Reads the flags; prints the usage and exits on `--help` or a bad flag. */
function settings(): Settings {
  let values
  try {
    ;({ values } = parseArgs({
      // `pnpm start -- --help` passes the `--` on: skip it.
      args: process.argv.slice(2).filter((arg, index) => index > 0 || arg !== '--'),
      options: {
        limit: { type: 'string', short: 'l', default: '20_000_000' },
        workers: { type: 'string', short: 'w', default: String(os.availableParallelism()) },
        chunksize: { type: 'string', short: 'c', default: '100_000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }))
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`)
    process.exit(2)
  }
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }
  try {
    return {
      limit: integer('limit', values.limit, 2),
      workers: integer('workers', values.workers, 1),
      chunksize: integer('chunksize', values.chunksize, 1),
    }
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`)
    process.exit(2)
  }
}

/** `10_000_000`, `10,000,000` and `1e7` all read as ten million. */
function integer(name: string, text: string, min: number): number {
  const value = Number(text.replaceAll(/[_,]/g, ''))
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Expected \`--${name}\` to be an integer from ${min} and up, got \`${text}\``,
    )
  }
  return value
}

/** `[start, end)` pairs covering `[0, limit)`, `chunksize` numbers each. */
function chunks(limit: number, chunksize: number): Array<[number, number]> {
  const list: Array<[number, number]> = []
  for (let start = 0; start < limit; start += chunksize) {
    list.push([start, Math.min(limit, start + chunksize)])
  }
  return list
}

/** A progress bar on a terminal; on anything else (CI, a pipe) nothing at all. */
function progressBar(label: string, total: number): { advance(by: number): void; stop(): void } {
  if (!process.stdout.isTTY) return { advance: () => undefined, stop: () => undefined }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(20)} {bar} {percentage}% | {value}/{total} numbers | {duration_formatted}`,
      stream: process.stdout,
      hideCursor: true,
      formatValue: (value, _options, type) =>
        type === 'value' || type === 'total' ? value.toLocaleString('en-US') : String(value),
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(total, 0)
  return { advance: (by) => bar.increment(by), stop: () => bar.stop() }
}

async function serial({ limit, chunksize }: Settings): Promise<Row> {
  const bar = progressBar('serial', limit)
  const started = performance.now()
  let count = 0
  for (const [start, end] of chunks(limit, chunksize)) {
    count += countPrimes(start, end)
    bar.advance(end - start)
    // Let the bar's timer run between chunks, as it does while the pools work.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const ms = performance.now() - started
  bar.stop()
  return { label: 'serial (main thread)', workers: 1, startup: 0, counting: ms, total: ms, count }
}

async function pooled(
  Pool: new (options: { maxWorkers: number; minWorkers: number }) => PoolExecutor,
  { limit, workers, chunksize }: Settings,
): Promise<Row> {
  const bar = progressBar(Pool.name, limit)
  const started = performance.now()
  const ranges = chunks(limit, chunksize)
  let count = 0
  let index = 0
  let startup = 0
  let counting = 0
  {
    await using pool = new Pool({ maxWorkers: workers, minWorkers: workers })
    // Start every worker and have it import the task module (through tsx: most of the cost)
    // with one empty task each, so that the counting below measures counting.
    await Promise.all(Array.from({ length: workers }, () => pool.submit(tasks.countPrimes, 0, 0)))
    startup = performance.now() - started
    // Each item is already a chunk of numbers, so one item per task (`chunksize: 1`); results
    // come back in input order, so the i-th result is the i-th range.
    for await (const found of pool.starmap(tasks.countPrimes, ranges, { chunksize: 1 })) {
      count += found
      const [start, end] = ranges[index++] ?? [0, 0]
      bar.advance(end - start)
    }
    counting = performance.now() - started - startup
  }
  const total = performance.now() - started
  bar.stop()
  return { label: Pool.name, workers, startup, counting, total, count }
}

function table(rows: readonly Row[]): string {
  const serialMs = rows[0]?.total ?? 1
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
  const head = ['run', 'workers', 'startup', 'counting', 'speedup', 'overall', 'primes']
  const body = rows.map((row) => [
    row.label,
    String(row.workers),
    row.startup === 0 ? '-' : seconds(row.startup),
    seconds(row.counting),
    `${(serialMs / row.counting).toFixed(2)}x`,
    `${(serialMs / row.total).toFixed(2)}x`,
    row.count.toLocaleString('en-US'),
  ])
  const widths = head.map((_, column) =>
    Math.max(...[head, ...body].map((cells) => cells[column]?.length ?? 0)),
  )
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('   ')
  return [line(head), '-'.repeat(line(head).length), ...body.map(line)].join('\n')
}

const options = settings()
const total = chunks(options.limit, options.chunksize).length
console.log(
  `Counting the primes below ${options.limit.toLocaleString('en-US')} in ${total} chunks of ` +
    `${options.chunksize.toLocaleString('en-US')} numbers; ${options.workers} workers per pool ` +
    `on ${os.availableParallelism()} cores.`,
)

const rows = [
  await serial(options),
  await pooled(ProcessPoolExecutor, options),
  await pooled(ThreadPoolExecutor, options),
]
console.log(`\n${table(rows)}\n`)
console.log(
  "speedup: serial time / counting time; overall: serial time / the pool's whole life " +
    '(startup, counting, shutdown).',
)

const counts = new Set(rows.map((row) => row.count))
const [count = 0] = counts
if (counts.size !== 1) {
  console.error(`The runs disagree on the count: ${[...counts].join(', ')}`)
  process.exitCode = 1
} else {
  console.log(
    `Every run found ${count.toLocaleString('en-US')} primes below ` +
      `${options.limit.toLocaleString('en-US')}.`,
  )
}
