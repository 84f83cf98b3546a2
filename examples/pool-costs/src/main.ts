/**
 * Measures what the executors cost on this machine, to weigh against the work you would hand
 * them: starting a pool, one tiny task, one tiny item of a chunked `map`, and sending a big
 * buffer (copied, or moved with `transfer()`). Every figure is the median of a few runs, on
 * warm pools except for the start-up. `--quick` runs fewer, smaller rounds (what CI runs).
 *
 * The guide "Threads, processes or async?" quotes a run of this program.
 */
import os from 'node:os'

import {
  AsyncExecutor,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  taskModule,
  transfer,
  type PoolExecutor,
} from '@concurrent/executors'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const quick = process.argv.includes('--quick')
const rounds = quick ? 1 : 5
const tinyTasks = quick ? 1_000 : 10_000
const mapItems = quick ? 100_000 : 1_000_000
const megabytes = quick ? 8 : 64

type PoolClass = new (options: { maxWorkers: number }) => PoolExecutor
const pools: Array<[string, PoolClass]> = [
  ['threads', ThreadPoolExecutor],
  ['processes', ProcessPoolExecutor],
  ['async', AsyncExecutor],
]

async function median(run: () => Promise<number>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < rounds; i++) times.push(await run())
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? NaN
}

async function timed(fn: () => PromiseLike<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

/** A pool whose workers have started and loaded the task module. */
async function warm(Pool: PoolClass, maxWorkers: number): Promise<PoolExecutor> {
  const pool = new Pool({ maxWorkers })
  await Promise.all(Array.from({ length: maxWorkers }, () => pool.submit(tasks.isOdd, 1)))
  return pool
}

const rows: Array<{ what: string; executor: string; cost: string }> = []
const row = (what: string, executor: string, cost: string): void => {
  rows.push({ what, executor, cost })
}

for (const [name, Pool] of pools) {
  const ms = await median(() =>
    timed(async () => {
      await using pool = new Pool({ maxWorkers: 1 })
      await pool.submit(tasks.isOdd, 1)
    }),
  )
  row('start a pool, run one task, shut down', name, `${ms.toFixed(0)} ms`)
}

for (const [name, Pool] of pools) {
  await using pool = await warm(Pool, 2)
  const ms = await median(() =>
    timed(() =>
      Promise.all(Array.from({ length: tinyTasks }, (_, i) => pool.submit(tasks.isOdd, i))),
    ),
  )
  row(
    `submit, per tiny task (${tinyTasks.toLocaleString('en-US')} at once)`,
    name,
    `${((ms / tinyTasks) * 1000).toFixed(1)} µs`,
  )
}

const items = Array.from({ length: mapItems }, (_, i) => i)
for (const [name, Pool] of pools.slice(0, 2)) {
  await using pool = await warm(Pool, 2)
  const ms = await median(() =>
    timed(async () => {
      for await (const _ of pool.map(tasks.isOdd, items)) {
        // drain: only the pool's cost is timed
      }
    }),
  )
  row(
    `map with automatic chunks, per item (${mapItems.toLocaleString('en-US')})`,
    name,
    `${((ms / mapItems) * 1000).toFixed(2)} µs`,
  )
}

for (const [name, Pool] of pools.slice(0, 2)) {
  await using pool = await warm(Pool, 1)
  const bytes = megabytes * 1024 * 1024
  // Filled, so that the copy really copies memory that exists.
  const fresh = (): Uint8Array => new Uint8Array(bytes).fill(7)
  const copied = await median(async () => {
    const buffer = fresh()
    return timed(() => pool.submit(tasks.byteLength, buffer))
  })
  const moved = await median(async () => {
    const buffer = fresh()
    return timed(() => pool.submit(tasks.byteLength, transfer(buffer)))
  })
  row(`send a ${megabytes} MB buffer, copied`, name, `${copied.toFixed(1)} ms`)
  row(`send a ${megabytes} MB buffer, transfer()`, name, `${moved.toFixed(1)} ms`)
}

const load = os.loadavg()[0] ?? 0
console.log(
  `${os.availableParallelism()} cores, load ${load.toFixed(1)}, Node ${process.version}; median of ${rounds}:\n`,
)
const width = Math.max(...rows.map((r) => r.what.length))
for (const { what, executor, cost } of rows) {
  console.log(`${what.padEnd(width)}  ${executor.padEnd(9)}  ${cost.padStart(9)}`)
}
