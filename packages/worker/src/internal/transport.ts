/**
 * The parent's handle on one worker, thread or process, paired with the entry that runs in it
 * (`entry/thread.ts`, `entry/process.ts`): how it is started, how messages reach it, how it is
 * stopped, and one `gone` event however it ends — it exited, was killed, or never started.
 *
 * - **Threads** get a `MessagePort` of their own for the runtime's messages. When a thread
 *   exits, the messages it posted just before are read off the port at once, so a result sent
 *   right before a crash is never lost or blamed on the crash.
 * - **Processes** use the IPC channel (with `advanced` serialization, the structured clone
 *   algorithm threads use). They inherit the parent's environment (`env` adds to it) and its
 *   `execArgv` without inspector flags (a second process cannot listen on the parent's port).
 *   Their stdout is the parent's; their stderr passes through the parent, which keeps its last
 *   lines to explain a process that dies while starting. `gone` fires on `close`, after the
 *   process has exited and its streams are drained. Every live worker process is killed when
 *   the program exits. On Linux, where util-linux's `setpriv` is there, a worker process is
 *   started through it with a parent-death signal (`prctl(PR_SET_PDEATHSIG, SIGKILL)`): the
 *   kernel kills it the moment its parent dies, however the parent dies and however busy the
 *   worker is. Elsewhere the worker runs a watchdog thread for the same (see `entry/process.ts`),
 *   which costs a Node thread's start-up per worker.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type Transferable,
} from 'node:worker_threads'

import {
  branded,
  DEATH_SIGNAL_ENV,
  PARENT_ENV,
  type BootData,
  type ParentMessage,
} from './protocol.js'
import type { ResourceLimits } from '../resource-limits.js'
import { resolveWorkerEntry } from './worker-entry.js'

/** How a worker is started. @internal */
export interface TransportOptions {
  readonly runtime: 'thread' | 'process'
  readonly boot: BootData
  /** Threads: `resourceLimits`. */
  readonly resourceLimits?: ResourceLimits | undefined
  /** Processes: Node options; the parent's (inspector flags left out) when not given. */
  readonly execArgv?: readonly string[] | undefined
  /** Processes: variables added to the parent's environment. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** Processes: where this worker's inspector listens (`--inspect=host:port`). */
  readonly inspect?: { readonly host: string; readonly port: number } | undefined
}

/** What a transport reports. @internal */
export interface TransportEvents {
  message(raw: unknown): void
  /**
   * The worker is gone: it exited, was killed, or never started. Called once, after every
   * message it sent has been reported.
   *
   * @param failure - the error the worker or its spawn reported, if any.
   */
  gone(exitCode: number | null, signal: `SIG${string}` | null, failure: unknown): void
}

/** The parent's handle on one worker. @internal */
export interface Transport {
  /** The thread id or process id. */
  readonly id: number
  /**
   * Sends `message`, moving `transfer` (threads).
   *
   * @throws when a value in it cannot be cloned (nothing is sent then).
   */
  post(message: ParentMessage, transfer: readonly object[]): void
  /** Asks an idle worker to exit; ends it by force if it has not soon after. */
  stop(): void
  /** Ends the worker now: `'SIGTERM'` asks a process, `'SIGKILL'` kills it. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void
  /** Keep the program alive while the worker exists (it is running something). */
  ref(): void
  /** Let the program exit even though the worker exists. */
  unref(): void
  /** The last lines the worker wrote to stderr (processes). */
  stderrTail(): string
}

/** How long a stopped worker gets to exit by itself before it is killed, in ms. */
const STOP_MS = 2_000
/** How much of a worker process's stderr is kept, in bytes. */
const STDERR_TAIL = 4_096

/**
 * Starts a worker.
 *
 * @throws when it cannot even be spawned (a bad option the constructor rejects, no resources).
 * @internal
 */
export function startWorker(options: TransportOptions, events: TransportEvents): Transport {
  return options.runtime === 'thread' ? startThread(options, events) : startProcess(options, events)
}

function startThread(options: TransportOptions, events: TransportEvents): Transport {
  const { port1, port2 } = new MessageChannel()
  const doorbell = new SharedArrayBuffer(4)
  const bell = new Int32Array(doorbell)
  let worker: Worker
  try {
    worker = new Worker(new URL(resolveWorkerEntry('thread')), {
      workerData: { port: port2, boot: options.boot, doorbell },
      transferList: [port2],
      name: 'concurrent worker',
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    })
  } catch (error) {
    port1.close()
    port2.close()
    throw error
  }
  port1.on('message', (raw: unknown) => events.message(raw))
  let failure: unknown
  worker.on('error', (error) => (failure ??= error))
  // A task posting on `parentPort` is talking to no one: its messages are dropped.
  worker.on('message', ignore)
  worker.once('exit', (code) => {
    // Whatever the thread posted before it died is already queued on the port: report it
    // first, so a finished call is never mistaken for the one that crashed.
    for (
      let entry = receiveMessageOnPort(port1);
      entry !== undefined;
      entry = receiveMessageOnPort(port1)
    ) {
      events.message(entry.message)
    }
    port1.close()
    events.gone(code, null, failure)
  })
  return {
    id: worker.threadId,
    post: (message, transfer) => {
      port1.postMessage(
        message,
        transfer.length === 0 ? undefined : ([...transfer] as Transferable[]),
      )
      // Wakes a worker waiting for its next message in Atomics.wait (see entry/thread.ts).
      Atomics.add(bell, 0, 1)
      Atomics.notify(bell, 0)
    },
    stop: () => void worker.terminate(),
    kill: () => void worker.terminate(),
    ref: () => {
      worker.ref()
      port1.ref()
    },
    unref: () => {
      worker.unref()
      port1.unref()
    },
    stderrTail: () => '',
  }
}

const liveProcesses = new Set<ChildProcess>()
let exitHookInstalled = false

function startProcess(options: TransportOptions, events: TransportEvents): Transport {
  const execArgv = options.execArgv ?? inheritedExecArgv()
  const { inspect } = options
  const nodeArgv =
    inspect === undefined
      ? [...execArgv]
      : [...withoutInspector(execArgv), `--inspect=${inspect.host}:${inspect.port}`]
  const setpriv = deathSignalLauncher()
  const env = childEnv(options.env)
  // The entry checks that its parent is still this process, and skips its watchdog thread when
  // the kernel watches for it.
  env[PARENT_ENV] = String(process.pid)
  env[DEATH_SIGNAL_ENV] = setpriv === undefined ? '0' : '1'
  const child = fork(fileURLToPath(resolveWorkerEntry('process')), [], {
    ...(setpriv === undefined
      ? { execArgv: nodeArgv }
      : {
          execPath: setpriv,
          execArgv: ['--pdeathsig', 'SIGKILL', '--', process.execPath, ...nodeArgv],
        }),
    env,
    serialization: 'advanced',
    stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
  })
  installExitHook()
  liveProcesses.add(child)
  let failure: unknown
  let tail = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk)
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL)
  })
  // A spawn that fails (no such file, no file descriptors left) emits 'error' and then 'close'.
  child.on('error', (error) => (failure ??= error))
  child.on('message', (raw: unknown) => events.message(raw))
  let stopTimer: NodeJS.Timeout | undefined
  let ended = false
  const end = (code: number | null, signal: `SIG${string}` | null): void => {
    if (ended) return
    ended = true
    liveProcesses.delete(child)
    clearTimeout(stopTimer)
    events.gone(code, signal, failure)
  }
  // 'close' follows a spawn that failed; a process that ran ends with 'exit' ('close' does not
  // always follow once the parent has disconnected). Its last stderr lines are read first.
  child.once('close', (code, signal) => end(code, signal))
  child.once('exit', (code, signal) => {
    const stderr = child.stderr
    if (stderr === null || stderr.readableEnded || stderr.destroyed) end(code, signal)
    else {
      stderr.once('close', () => end(code, signal))
      setTimeout(() => end(code, signal), 100).unref()
    }
  })
  const kill = (signal: 'SIGTERM' | 'SIGKILL'): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  const send = (message: ParentMessage): void => {
    // No channel: the spawn failed before it was set up (no file descriptors left); the
    // process reports why with 'error', then 'close'.
    if (typeof child.send !== 'function') return
    // Serialization happens in send(), synchronously: a value that cannot be cloned throws
    // here. A channel that broke is reported to the callback; the process is going away.
    child.send(branded(message), undefined, {}, (error) => {
      if (error !== null && error !== undefined) {
        failure ??= error
        kill('SIGKILL')
      }
    })
  }
  send({ type: 'boot', boot: options.boot })
  return {
    id: child.pid ?? -1,
    post: (message) => send(message),
    stop: () => {
      // An idle worker exits when its channel closes; one that does not is killed.
      if (child.connected) child.disconnect()
      stopTimer = setTimeout(() => kill('SIGKILL'), STOP_MS)
      stopTimer.unref()
    },
    kill,
    ref: () => {
      child.ref()
      child.channel?.ref()
      ;(child.stderr as Socket | null)?.ref()
    },
    unref: () => {
      child.unref()
      child.channel?.unref()
      ;(child.stderr as Socket | null)?.unref()
    },
    stderrTail: () => tail,
  }
}

/**
 * The parent's Node options without the inspector's: a worker process that inherited
 * `--inspect=9229` would fail to listen on the port the parent holds.
 */
function inheritedExecArgv(): string[] {
  return withoutInspector(process.execArgv)
}

/** `setpriv`'s path when it can give a process a parent-death signal here; probed once. */
let launcher: { readonly path: string | undefined } | undefined

function deathSignalLauncher(): string | undefined {
  launcher ??= { path: probeSetpriv() }
  return launcher.path
}

function probeSetpriv(): string | undefined {
  // The watchdog thread can be chosen on Linux too (docs/guarantees.md).
  if (process.platform !== 'linux' || process.env.CONCURRENT_WATCHDOG === 'thread') return undefined
  const path = ['/usr/bin/setpriv', '/bin/setpriv'].find((candidate) => existsSync(candidate))
  if (path === undefined) return undefined
  // An old or cut-down setpriv (busybox) may not know the option: try it once on `true`.
  const probe = spawnSync(path, ['--pdeathsig', 'SIGKILL', '--', 'true'], {
    stdio: 'ignore',
    timeout: 5_000,
  })
  return probe.status === 0 ? path : undefined
}

/**
 * The worker's environment: the parent's, with `env` on top, and without inspector flags in
 * `NODE_OPTIONS` (a parent started with `NODE_OPTIONS=--inspect` holds the port they name).
 */
function childEnv(env: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env }
  const nodeOptions = merged.NODE_OPTIONS
  if (nodeOptions !== undefined && /--(inspect|debug)/.test(nodeOptions)) {
    merged.NODE_OPTIONS = withoutInspector(nodeOptions.split(/\s+/).filter(Boolean)).join(' ')
  }
  return merged
}

/** `list` (Node options) without the inspector's. */
function withoutInspector(list: readonly string[]): string[] {
  const args: string[] = []
  for (let i = 0; i < list.length; i++) {
    const arg = list[i] as string
    if (/^--(inspect|inspect-brk|inspect-wait|debug|debug-brk)(=|$)/.test(arg)) continue
    if (arg === '--inspect-port' || arg === '--debug-port') {
      i++
      continue
    }
    if (/^--(inspect-port|debug-port)=/.test(arg)) continue
    args.push(arg)
  }
  return args
}

/** Kills worker processes when the program exits, so none is left running as an orphan. */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of liveProcesses) child.kill('SIGKILL')
  })
}

function ignore(): void {}
