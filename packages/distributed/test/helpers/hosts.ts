/**
 * Worker hosts for the integration tests: each a `concurrent-worker` process. Run as root with
 * `ip netns`, each host gets a network namespace of its own, joined to this one by a veth
 * pair on a /30 the test picks from 10.200.x.0/24 (only addresses it creates, named after its
 * process id so concurrent runs never clash); Redis listens on the host ends. Otherwise the
 * hosts are plain processes on loopback, and the test output says so.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../dist/bin/concurrent-worker.js', import.meta.url))
/** The package folder: the root hosts resolve task paths under. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Slot {
  /** The namespace the host runs in, if isolated. */
  readonly namespace: string | undefined
  /** The veth end inside the namespace (what a network cut takes down). */
  readonly device: string | undefined
  /** The address the host reaches Redis at. */
  readonly redisHost: string
}

export interface Network {
  /** Whether hosts run in network namespaces of their own. */
  readonly isolated: boolean
  /** Addresses Redis must listen on, besides loopback. */
  readonly bind: readonly string[]
  readonly slots: readonly Slot[]
  /** Removes the namespaces (and with them their veth pairs). Never throws. */
  destroy(): void
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Creates `count` slots for hosts: namespaces when possible, loopback otherwise. */
export function createNetwork(count: number, label: string): Network {
  const reason = isolationUnavailable()
  if (reason !== undefined) {
    console.log(`[${label}] worker hosts run as plain processes on loopback: ${reason}`)
    return {
      isolated: false,
      bind: [],
      slots: Array.from({ length: count }, () => ({
        namespace: undefined,
        device: undefined,
        redisHost: '127.0.0.1',
      })),
      destroy: () => undefined,
    }
  }
  const subnet = freeSubnet()
  const namespaces: string[] = []
  const slots: Slot[] = []
  const bind: string[] = []
  const destroy = (): void => {
    for (const namespace of namespaces) {
      try {
        ip('netns', 'del', namespace)
      } catch {
        // Already gone.
      }
    }
    namespaces.length = 0
  }
  try {
    for (let i = 0; i < count; i++) {
      const namespace = `concurrent-${process.pid}-${i}`
      const outside = `cw${process.pid}h${i}`
      const inside = `cw${process.pid}n${i}`
      const hostAddress = `10.200.${subnet}.${4 * i + 1}`
      const nsAddress = `10.200.${subnet}.${4 * i + 2}`
      ip('netns', 'add', namespace)
      namespaces.push(namespace)
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside)
      ip('link', 'set', inside, 'netns', namespace)
      ip('addr', 'add', `${hostAddress}/30`, 'dev', outside)
      ip('link', 'set', outside, 'up')
      ip('-n', namespace, 'addr', 'add', `${nsAddress}/30`, 'dev', inside)
      ip('-n', namespace, 'link', 'set', inside, 'up')
      ip('-n', namespace, 'link', 'set', 'lo', 'up')
      bind.push(hostAddress)
      slots.push({ namespace, device: inside, redisHost: hostAddress })
    }
  } catch (error) {
    destroy()
    throw error
  }
  console.log(
    `[${label}] worker hosts run in network namespaces concurrent-${process.pid}-*, on 10.200.${subnet}.0/24`,
  )
  return { isolated: true, bind, slots, destroy }
}

function isolationUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root'
  try {
    ip('netns', 'list')
  } catch (error) {
    return `\`ip netns\` is not available (${(error as Error).message.split('\n')[0] ?? ''})`
  }
  return undefined
}

/** A third octet no address on this machine uses yet, starting from one derived from the pid. */
function freeSubnet(): number {
  const used = ip('-4', '-o', 'addr', 'show')
  for (let step = 0; step < 254; step++) {
    const candidate = 1 + ((process.pid + step) % 254)
    if (!used.includes(`10.200.${candidate}.`)) return candidate
  }
  throw new Error('no free 10.200.x.0/24 subnet for the test namespaces')
}

export interface HostOptions {
  /** The Redis URL for a host at `slot.redisHost`; passed in REDIS_URL, out of `ps`. */
  readonly redisUrl: (host: string) => string
  readonly queue: string
  readonly concurrency?: number
  readonly lockDuration?: number
  readonly stalledInterval?: number
  readonly maxStalledCount?: number
  readonly closeTimeout?: number
  readonly runtime?: 'thread' | 'process' | 'async'
}

export interface WorkerHost {
  readonly pid: number
  readonly slot: Slot
  /** What the host printed, stdout and stderr together. */
  output(): string
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(signal: NodeJS.Signals): void
  /** Takes the host's network down (in its namespace); without namespaces, freezes it (SIGSTOP). */
  cut(): void
  /** Undoes {@link WorkerHost.cut}, so the slot's network serves the next host. */
  uncut(): void
}

const live = new Set<ChildProcess>()

/** Starts a `concurrent-worker` in `slot` and waits until it takes tasks. */
export async function startHost(slot: Slot, options: HostOptions): Promise<WorkerHost> {
  const flags = [
    '--queue',
    options.queue,
    '--root',
    PACKAGE_ROOT,
    '--concurrency',
    String(options.concurrency ?? 2),
    '--runtime',
    options.runtime ?? 'thread',
    ...(options.lockDuration === undefined
      ? []
      : ['--lock-duration', String(options.lockDuration)]),
    ...(options.stalledInterval === undefined
      ? []
      : ['--stalled-interval', String(options.stalledInterval)]),
    ...(options.maxStalledCount === undefined
      ? []
      : ['--max-stalled-count', String(options.maxStalledCount)]),
    ...(options.closeTimeout === undefined
      ? []
      : ['--close-timeout', String(options.closeTimeout)]),
  ]
  const command =
    slot.namespace === undefined
      ? [process.execPath, BIN, ...flags]
      : ['ip', 'netns', 'exec', slot.namespace, process.execPath, BIN, ...flags]
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: PACKAGE_ROOT,
    env: { ...process.env, REDIS_URL: options.redisUrl(slot.redisHost) },
  })
  live.add(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child)
      resolve({ code, signal })
    })
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll)
      reject(new Error(`the worker host did not start within 20 s:\n${output}`))
    }, 20_000)
    const poll = setInterval(() => {
      if (output.includes('taking tasks')) {
        clearTimeout(timer)
        clearInterval(poll)
        resolve()
      }
    }, 20)
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      clearInterval(poll)
      reject(new Error(`the worker host exited (${code ?? signal}) before it started:\n${output}`))
    })
  })
  return {
    pid: child.pid!,
    slot,
    output: () => output,
    exited,
    kill: (signal) => void child.kill(signal),
    cut() {
      if (slot.namespace === undefined || slot.device === undefined) child.kill('SIGSTOP')
      else ip('-n', slot.namespace, 'link', 'set', slot.device, 'down')
    },
    uncut() {
      if (slot.namespace === undefined || slot.device === undefined) child.kill('SIGCONT')
      else ip('-n', slot.namespace, 'link', 'set', slot.device, 'up')
    },
  }
}

/** Kills every host still running (SIGKILL) and waits for them to exit. */
export async function killHosts(): Promise<void> {
  const exits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  )
  await Promise.all(exits)
}
