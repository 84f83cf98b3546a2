/**
 * A Redis server of the test's own: `redis-server` on a free port, listening only on the
 * addresses the test gives it (loopback, and the host ends of its own veth pairs), without
 * persistence unless asked, stopped by the test. Tests never use a Redis they did not start.
 * It asks for a password (a random one): Redis refuses other addresses than loopback without
 * one, and the tests then show that AUTH passes through the connection URL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'

export interface RedisServerOptions {
  /** Addresses to listen on, besides 127.0.0.1. */
  readonly bind?: readonly string[]
  /** Keep an append-only file in this folder (fsync on every write), so a restart keeps the data. */
  readonly appendOnlyDir?: string
}

export interface RedisServer {
  readonly port: number
  readonly password: string
  /** `redis://:password@host:port`, for a client at `host` (127.0.0.1 by default). */
  readonly url: (host?: string) => string
  /** Stops the server (`SIGTERM`, or `SIGKILL` for a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>
  /** Starts it again, on the same port with the same options. */
  restart(): Promise<void>
}

/** Whether `redis-server` is installed; the message to show when it is not. */
export function redisMissing(): string | undefined {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  return found.error === undefined
    ? undefined
    : 'redis-server is not installed: `apt-get install -y redis-server` (.ci/run installs it)'
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const missing = redisMissing()
  if (missing !== undefined) throw new Error(missing)
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const args = [
    '--requirepass',
    password,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    ...(options.bind ?? []),
    '--save',
    '',
    '--daemonize',
    'no',
    ...(options.appendOnlyDir === undefined
      ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.appendOnlyDir]),
  ]
  let child = await launch(args)
  return {
    port,
    password,
    url: (host = '127.0.0.1') => `redis://:${password}@${host}:${port}`,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      await halt(child, signal)
    },
    async restart() {
      child = await launch(args)
    },
  }
}

async function launch(args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redis-server did not start within 10 s:\n${output}`))
    }, 10_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
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
      reject(new Error(`redis-server exited with code ${code}:\n${output}`))
    })
  })
  return child
}

async function halt(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
