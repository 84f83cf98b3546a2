/**
 * The code a worker thread runs. Its parent hands it a `MessagePort` of its own (in
 * `workerData`), so the runtime's messages never mix with anything a task posts on `parentPort`.
 * Cancellation arrives through shared memory: each call's claim flag and token live in the
 * `SharedArrayBuffer` of its message, so a call the parent took back is skipped, and a running
 * call sees its cancellation the instant it is made. A result marked with `transfer()` is moved
 * back instead of copied.
 */
import { workerData, type MessagePort, type Transferable } from 'node:worker_threads'

import { CancelToken } from '@concurrent/cancellation'

import { WorkerRuntime } from '../internal/run.js'
import {
  CLAIM_STARTED,
  parseParentMessage,
  type BootData,
  type RunMessage,
} from '../internal/protocol.js'

const { port, boot } = workerData as { readonly port: MessagePort; readonly boot: BootData }

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
})

port.on('message', (raw: unknown) => {
  const message = parseParentMessage(raw)
  if (message?.type === 'run') runtime.receive(message)
})

void runtime.boot(boot)
