#!/usr/bin/env node
/**
 * `concurrent-worker`: runs a cluster worker on this host until SIGTERM or SIGINT, which stop
 * it taking tasks, let the running ones finish (at most `--close-timeout` ms, then they go back
 * to the queue) and exit with code 0.
 */
import { parseArgs } from 'node:util'

import { startWorker, type ClusterWorkerOptions } from '../start-worker.js'
import { nearestPackageRoot } from '../internal/options.js'

const usage = `Usage: concurrent-worker --connection URL [options]

Runs the tasks of a @concurrent/distributed queue on this host.

  --connection URL          Redis, as redis://[user:password@]host:port[/db] (rediss:// for TLS);
                            default: the REDIS_URL environment variable (keeps a password out of ps)
  --queue NAME              the queue (default: concurrent)
  --prefix PREFIX           BullMQ's key prefix (default: bull)
  --root DIR                where task paths are resolved (default: the folder of the nearest
                            package.json above the working directory)
  --concurrency N           tasks at once (default: the number of cores)
  --runtime thread|process|async
                            where tasks run: worker threads, child processes, or this
                            worker's own thread for I/O-bound and tiny async tasks
                            (default: thread)
  --lock-duration MS        BullMQ lockDuration (default: 30000)
  --stalled-interval MS     BullMQ stalledInterval (default: 30000)
  --max-stalled-count N     BullMQ maxStalledCount (default: 1)
  --close-timeout MS        on SIGTERM/SIGINT, how long running tasks may finish (default: 25000)
  --help                    this text
`

function fail(message: string): never {
  process.stderr.write(`concurrent-worker: ${message}\n\n${usage}`)
  process.exit(2)
}

function integer(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    fail(`expected --${flag} to be a whole number, got '${text}'`)
  }
  return value
}

let values: Record<string, string | boolean | undefined>
try {
  ;({ values } = parseArgs({
    options: {
      connection: { type: 'string' },
      queue: { type: 'string' },
      prefix: { type: 'string' },
      root: { type: 'string' },
      concurrency: { type: 'string' },
      runtime: { type: 'string' },
      'lock-duration': { type: 'string' },
      'stalled-interval': { type: 'string' },
      'max-stalled-count': { type: 'string' },
      'close-timeout': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  }))
} catch (error) {
  fail((error as Error).message)
}

if (values.help === true) {
  process.stdout.write(usage)
  process.exit(0)
}

const text = (name: string): string | undefined => values[name] as string | undefined
const connection = text('connection') ?? process.env.REDIS_URL
if (connection === undefined || connection === '') {
  fail('expected --connection URL (or the REDIS_URL environment variable)')
}
const runtime = text('runtime')
if (runtime !== undefined && runtime !== 'thread' && runtime !== 'process' && runtime !== 'async') {
  fail(`expected --runtime to be thread, process or async, got '${runtime}'`)
}

const options: ClusterWorkerOptions = {
  connection,
  queue: text('queue'),
  prefix: text('prefix'),
  root: text('root') ?? nearestPackageRoot(process.cwd()),
  concurrency: integer('concurrency', text('concurrency')),
  runtime,
  lockDuration: integer('lock-duration', text('lock-duration')),
  stalledInterval: integer('stalled-interval', text('stalled-interval')),
  maxStalledCount: integer('max-stalled-count', text('max-stalled-count')),
  closeTimeout: integer('close-timeout', text('close-timeout')),
}

let worker: ReturnType<typeof startWorker>
try {
  worker = startWorker(options)
} catch (error) {
  fail((error as Error).message)
}

const say = (line: string): void =>
  void process.stdout.write(`concurrent-worker ${worker.name}: ${line}\n`)

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    say(`${signal}: taking no more tasks, letting the running ones finish`)
    void worker.close().then(
      () => {
        say('stopped')
        process.exit(0)
      },
      (error: unknown) => {
        process.stderr.write(`concurrent-worker: ${(error as Error).message}\n`)
        process.exit(1)
      },
    )
  })
}

worker.ready.then(
  () => {
    const where = typeof options.root === 'string' ? options.root : ''
    const slots = options.concurrency ?? 'one per core'
    const how =
      options.runtime === 'async'
        ? `${slots} at once in this thread`
        : `${slots} ${options.runtime ?? 'thread'} workers`
    say(`taking tasks from queue '${options.queue ?? 'concurrent'}' (root ${where}, ${how})`)
  },
  (error: unknown) => {
    process.stderr.write(`concurrent-worker: cannot start: ${(error as Error).message}\n`)
    process.exit(1)
  },
)
