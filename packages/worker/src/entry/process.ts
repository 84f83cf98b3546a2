/**
 * The code a worker process runs. It talks to its parent over the IPC channel, which tasks can
 * write to as well, so every message of the runtime carries a brand and every message received
 * is checked before use. Cancellation arrives as a `CancelMessage`: a call not yet started is
 * skipped (and reported `skipped`), a running one has its token cancelled. An uncaught error is
 * reported to the parent (`CrashMessage`) before the process dies, so the call's
 * `WorkerCrashedError` carries the real cause.
 *
 * A worker process never outlives its parent. It exits when the IPC channel closes; but a
 * process busy in synchronous code never sees that. On Linux the parent starts it with a
 * parent-death signal (`internal/transport.ts`), so the kernel kills it with its parent; it
 * only checks at start that its parent is still the one that started it. Elsewhere a watchdog
 * thread checks every {@link WATCH_MS} ms that the parent is still its parent, and kills the
 * process when it is not (the parent died, by any signal, and the process was handed to
 * another). The worker then reports itself booted only once the watchdog runs, so no call ever
 * runs unwatched; that puts the watchdog's start-up (a Node thread: 30–50 ms of CPU) in the
 * pool's start-up rather than in its first calls, where it took a core from them.
 */
import { Worker } from 'node:worker_threads'

import { CancelToken } from '@concurrent/cancellation'

import { encodeError } from '../internal/error-codec.js'
import {
  branded,
  DEATH_SIGNAL_ENV,
  PARENT_ENV,
  parseParentMessage,
  type RunMessage,
} from '../internal/protocol.js'
import { WorkerRuntime } from '../internal/run.js'

/** How often the watchdog checks the parent, in ms. */
const WATCH_MS = 100

/** Cancel messages for calls not started yet, by call id. */
const cancelledEarly = new Set<number>()
/**
 * The highest call id this worker has started or skipped. Calls reach a worker in the order of
 * their ids, so a cancel for an id up to this one that is not running came too late.
 */
let lastClaimed = -1
/** The call running now and its token. */
let running: { readonly id: number; readonly token: CancelToken } | undefined

const send = (message: Parameters<NonNullable<typeof process.send>>[0]): void => {
  // A message the channel cannot take (the parent is gone) is dropped: the process exits on
  // 'disconnect' right after.
  process.send?.(message, undefined, {}, ignore)
}

const runtime = new WorkerRuntime({
  send(message) {
    // Serialization happens here, synchronously: a value that cannot be cloned throws now.
    send(branded(message))
  },
  claim(message: RunMessage, index: number): CancelToken | undefined {
    const id = message.id + index
    lastClaimed = id
    if (cancelledEarly.delete(id)) {
      send(branded({ type: 'skipped', id }))
      return undefined
    }
    const token = new CancelToken()
    running = { id, token }
    return token
  },
  release(_message, _index, token) {
    if (running?.token === token) running = undefined
  },
})

process.on('message', (raw: unknown) => {
  const message = parseParentMessage(raw)
  switch (message?.type) {
    case 'boot':
      // Only once the watchdog runs: from the first call on, the process cannot outlive its
      // parent, and the watchdog's own start-up never competes with the calls for a core.
      void watching.then(() => runtime.boot(message.boot))
      return
    case 'run':
      runtime.receive(message)
      return
    case 'cancel':
      if (running?.id === message.id) running.token.cancel()
      else if (message.id > lastClaimed) cancelledEarly.add(message.id)
      return
    case undefined:
      return
  }
})

process.on('uncaughtException', (error) => {
  const exit = (): never => process.exit(1)
  if (process.connected)
    process.send?.(branded({ type: 'crash', error: encodeError(error) }), undefined, {}, exit)
  else exit()
  setTimeout(exit, 1_000).unref()
})

// A worker outlives neither its pool nor its parent.
process.on('disconnect', () => process.exit(0))
// The parent may have died before the death signal was armed: then it is not our parent now.
const given = Number(process.env[PARENT_ENV])
const parent = Number.isSafeInteger(given) && given > 0 ? given : process.ppid
if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL')
const watching = process.env[DEATH_SIGNAL_ENV] === '1' ? Promise.resolve() : watchParent()

/** Starts the watchdog thread; resolves once it runs (or could not start). */
function watchParent(): Promise<void> {
  // The parent as this process saw it at start, not as the watchdog would see it once running.
  const watchdog = new Worker(
    `const parent = ${parent}
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL')
}, ${WATCH_MS})`,
    { eval: true, name: 'concurrent parent watchdog', stdout: true, stderr: true },
  )
  watchdog.unref()
  return new Promise((resolve) => {
    watchdog.once('online', () => resolve())
    // A watchdog that cannot start (or stops before it runs) leaves the 'disconnect' exit, which
    // covers an idle worker; the boot waits for none of these for ever.
    watchdog.on('error', () => resolve())
    watchdog.once('exit', () => resolve())
  })
}

function ignore(): void {}
