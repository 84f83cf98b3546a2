/**
 * The code a worker thread runs. Its parent hands it a `MessagePort` of its own (in
 * `workerData`), so the runtime's messages never mix with anything a task posts on `parentPort`.
 * Cancellation arrives through shared memory: each call's claim flag and token live in the
 * `SharedArrayBuffer` of its message, so a call the parent took back is skipped, and a running
 * call sees its cancellation the instant it is made. A result marked with `transfer()` is moved
 * back instead of copied.
 */
import {
  receiveMessageOnPort,
  workerData,
  type MessagePort,
  type Transferable,
} from 'node:worker_threads'

import { CancelToken } from '@concurrent/cancellation'

import { WorkerRuntime } from '../internal/run.js'
import {
  CLAIM_STARTED,
  parseParentMessage,
  type BootData,
  type RunMessage,
} from '../internal/protocol.js'

const { port, boot, doorbell } = workerData as {
  readonly port: MessagePort
  readonly boot: BootData
  /** Rung by the parent after each message it posts (a counter in shared memory). */
  readonly doorbell: SharedArrayBuffer
}
const bell = new Int32Array(doorbell)

/**
 * How long an idle worker waits for its next message in `Atomics.wait` before it goes back to
 * its event loop, in ms. Waking from `Atomics.wait` takes microseconds, waking the event loop
 * tens of them: worth it for a pool fed one quick call after another. Short, because timers
 * and other events of the thread wait meanwhile.
 */
const WAKE_WAIT_MS = 1

/** The claim flags of the message being run, kept while it runs. */
let claims: { readonly buffer: SharedArrayBuffer; readonly flags: Int32Array } | undefined

const runtime = new WorkerRuntime({
  send(message, transfer) {
    port.postMessage(
      message,
      transfer === undefined || transfer.length === 0
        ? undefined
        : ([...transfer] as Transferable[]),
    )
  },
  claim(message: RunMessage, index: number): CancelToken | undefined {
    const buffer = message.shared
    if (buffer === undefined) return new CancelToken()
    if (claims?.buffer !== buffer) claims = { buffer, flags: new Int32Array(buffer) }
    // The parent may have taken the call back first; whoever swaps the 0 out owns it.
    if (Atomics.compareExchange(claims.flags, index, 0, CLAIM_STARTED) !== 0) return undefined
    return new CancelToken(buffer, claims.flags.length / 2 + index)
  },
  release(_message, _index, token) {
    token[Symbol.dispose]()
  },
  poll() {
    const rung = Atomics.load(bell, 0)
    let entry = receiveMessageOnPort(port)
    if (entry === undefined && Atomics.wait(bell, 0, rung, WAKE_WAIT_MS) !== 'timed-out') {
      entry = receiveMessageOnPort(port)
    }
    if (entry !== undefined) onMessage(entry.message)
  },
})

function onMessage(raw: unknown): void {
  const message = parseParentMessage(raw)
  if (message?.type === 'run') runtime.receive(message)
}

port.on('message', onMessage)

void runtime.boot(boot)
