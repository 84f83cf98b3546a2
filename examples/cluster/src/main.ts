// main.ts — a cluster on one machine: a Redis of its own, two worker processes (each taking one
// task at a time, like two one-core hosts), and a ClusterExecutor spreading the work over them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { ClusterExecutor, taskModule } from '@concurrent/distributed'

import { countPrimes } from './tasks.js'

const quick = process.argv.includes('--quick')
const limit = quick ? 400_000 : 4_000_000
const pieces = 40
const root = fileURLToPath(new URL('..', import.meta.url))
const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

if (spawnSync('redis-server', ['--version']).error !== undefined) {
  console.error(
    'This example starts its own Redis, and needs redis-server installed:\n' +
      '  Debian/Ubuntu: sudo apt-get install -y redis-server\n' +
      '  macOS:         brew install redis',
  )
  process.exit(1)
}

const children: ChildProcess[] = []
/** Starts a process and waits until it prints `ready`. */
function start(command: string, args: string[], ready: string): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(ready)) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}):\n${output}`)))
  })
}

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const address = server.address()
    server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
  })
})
const connection = `redis://127.0.0.1:${port}`
// The bin `npx concurrent-worker` runs, from the installed package.
const manifest = createRequire(import.meta.url).resolve('@concurrent/distributed/package.json')
const workerBin = join(dirname(manifest), 'dist', 'bin', 'concurrent-worker.js')

try {
  await start(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'Ready to accept connections',
  )
  // The workers' flags: this example's folder is their root, one task at a time each.
  const flags = [
    '--connection',
    connection,
    '--queue',
    'primes',
    '--root',
    root,
    '--concurrency',
    '1',
  ]
  const workers = await Promise.all(
    [1, 2].map(() => start(process.execPath, [workerBin, ...flags], 'taking tasks')),
  )
  console.log(`Redis on ${connection}; worker processes ${workers.map((w) => w.pid).join(' and ')}`)

  const ranges = Array.from({ length: pieces }, (_, i): [number, number] => [
    Math.floor((i * limit) / pieces),
    Math.floor(((i + 1) * limit) / pieces),
  ])

  // The same work on this thread, for the speedup.
  let started = performance.now()
  const serialPrimes = ranges.reduce((sum, [from, to]) => sum + countPrimes(from, to).primes, 0)
  const serialMs = performance.now() - started

  await using cluster = new ClusterExecutor({ connection, queue: 'primes', root })
  // Two tasks at once, one per worker (each takes one at a time): both load the task module.
  await Promise.all([1, 2].map(() => cluster.submit(tasks.countPrimes, 0, 100_000)))
  started = performance.now()
  const byHost = new Map<string, { tasks: number; primes: number }>()
  let primes = 0
  for await (const result of cluster.starmap(tasks.countPrimes, ranges, { chunksize: 1 })) {
    const host = byHost.get(result.host) ?? { tasks: 0, primes: 0 }
    host.tasks++
    host.primes += result.primes
    byHost.set(result.host, host)
    primes += result.primes
  }
  const clusterMs = performance.now() - started
  if (primes !== serialPrimes)
    throw new Error(`the cluster counted ${primes}, serial ${serialPrimes}`)

  console.log(
    `\nPrimes below ${limit.toLocaleString('en')}: ${primes.toLocaleString('en')}, in ${pieces} tasks\n`,
  )
  console.table(
    [...byHost].map(([host, { tasks: count, primes: found }]) => ({
      host,
      tasks: count,
      primes: found,
    })),
  )
  console.table([
    { run: 'serial, this thread', ms: Math.round(serialMs) },
    { run: 'cluster, 2 workers', ms: Math.round(clusterMs) },
  ])
  console.log(`speedup: ${(serialMs / clusterMs).toFixed(2)}×`)
} finally {
  // Workers first (SIGTERM: they finish what runs, then exit 0), then Redis.
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
}
