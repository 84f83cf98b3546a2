/**
 * What the cluster scenario runs on: a Redis server of its own (loopback only, no
 * persistence) and worker hosts as separate processes — `concurrent-worker`, or a plain
 * BullMQ `Worker` for the raw contender — each stopped when the scenario ends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const benchFolder = fileURLToPath(new URL('../../', import.meta.url))
const workerBin = fileURLToPath(
  new URL(
    '../../node_modules/@concurrent/distributed/dist/bin/concurrent-worker.js',
    import.meta.url,
  ),
)
const rawWorker = fileURLToPath(new URL('../../workers/raw-bullmq-worker.mjs', import.meta.url))

/** The folder task paths are relative to, on the client and on the hosts. */
export const root = benchFolder

/** `redis-server --version`, or `undefined` when it is not installed. */
export function redisVersion(): string | undefined {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (found.error !== undefined || found.status !== 0) return undefined
  return /v=(\S+)/.exec(found.stdout)?.[1] ?? 'unknown'
}

const children = new Set<ChildProcess>()
let redis: ChildProcess | undefined

function started(child: ChildProcess, marker: string, what: string): Promise<void> {
  children.add(child)
  child.once('exit', () => children.delete(child))
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), 20_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes(marker)) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited (${String(code)}):\n${output}`))
    })
  })
}

/** Starts `redis-server` on a free loopback port; returns its URL. */
export async function startRedis(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      )
    })
  })
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await started(child, 'Ready to accept connections', 'redis-server')
  children.delete(child)
  redis = child
  return `redis://127.0.0.1:${port}`
}

/** The process id of the Redis server {@link startRedis} started. */
export function redisPid(): number | undefined {
  return redis?.pid
}

/**
 * CPU time a process has used so far (all its threads, user and system), in µs; `undefined`
 * where `/proc` is missing (not Linux).
 */
export function cpuTime(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : ticksIn(`/proc/${pid}/stat`)
}

/** As {@link cpuTime}, for the process's main thread alone. */
export function mainThreadCpuTime(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : ticksIn(`/proc/${pid}/task/${pid}/stat`)
}

/** User and system CPU time from a `/proc` stat file, in µs. */
function ticksIn(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8')
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and
    // 13th, in clock ticks of 10 ms.
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return undefined
  }
}

/**
 * Starts a `concurrent-worker` host on `queue`, its tasks on worker threads or (`'async'`) on
 * its own thread; returns its process id.
 */
export async function startHost(
  url: string,
  queue: string,
  concurrency: number,
  runtime: 'thread' | 'async' = 'thread',
): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      workerBin,
      '--connection',
      url,
      '--queue',
      queue,
      '--root',
      root,
      '--concurrency',
      String(concurrency),
      '--runtime',
      runtime,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await started(child, 'taking tasks', 'concurrent-worker')
  return child.pid ?? 0
}

/** Starts a plain BullMQ worker host on `queue`; returns its process id. */
export async function startRawHost(
  url: string,
  queue: string,
  concurrency: number,
): Promise<number> {
  const child = spawn(process.execPath, [rawWorker, url, queue, String(concurrency)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  await started(child, 'taking tasks', 'raw BullMQ worker')
  return child.pid ?? 0
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
  })
}

/** Stops every host (SIGTERM), then the Redis server, and waits for them to exit. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map(stop))
  if (redis !== undefined) await stop(redis)
}
