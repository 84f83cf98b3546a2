/**
 * The code a worker thread runs: tinypool's thread runtime imports this module and calls its
 * `run` export with each task's `RunMessage`. Cancellation arrives through shared memory (the
 * task's `CancelToken`), progress and streamed values leave through a `BroadcastChannel` (a
 * batch's through its own port), and a result marked with `transfer()` is moved back instead of
 * copied.
 */
import { BroadcastChannel } from 'node:worker_threads'

import { CancelToken } from '@concurrent/cancellation'

import {
  BATCH_STARTED,
  type ReplyMessage,
  type RunMessage,
  type SideMessage,
} from '../internal/protocol.js'
import { runMessage, type WorkerSide } from '../internal/run.js'
import { transferListOf } from '../transfer.js'

const channels = new Map<string, BroadcastChannel>()
/** The claim flags of the batch being run. */
let claims: { readonly buffer: SharedArrayBuffer; readonly flags: Int32Array } | undefined

const side: WorkerSide = {
  token: (message) =>
    message.cancel === undefined ? new CancelToken() : new CancelToken(message.cancel),
  itemToken(message, index) {
    const buffer = message.cancel
    if (buffer === undefined) return new CancelToken()
    if (claims?.buffer !== buffer) claims = { buffer, flags: new Int32Array(buffer) }
    // The parent may have cancelled the call first; whoever swaps the 0 out owns it.
    if (Atomics.compareExchange(claims.flags, index, 0, BATCH_STARTED) !== 0) return undefined
    return new CancelToken(buffer, message.args.length + index)
  },
  send(message: RunMessage, value: SideMessage) {
    if (message.port !== undefined) {
      const list = value.type === 'item' && 'value' in value ? transferListOf([value.value]) : []
      message.port.postMessage(value, list)
      return
    }
    if (message.channel === undefined) return
    let channel = channels.get(message.channel)
    if (channel === undefined) {
      channel = new BroadcastChannel(message.channel)
      channel.unref()
      channels.set(message.channel, channel)
    }
    channel.postMessage(value)
  },
  done: (_message, token) => token[Symbol.dispose](),
}

/** Runs one task; the reply is moved back with any buffers the result marked for transfer. */
export async function run(message: RunMessage): Promise<unknown> {
  const reply: ReplyMessage = await runMessage(message, side)
  if (reply.type !== 'result') return reply
  const list = transferListOf([reply.value])
  if (list.length === 0) return reply
  // tinypool's main module is loaded only for a result that moves buffers: every worker
  // importing it up front would pay for it at start-up.
  const { kTransferable, kValue, markMovable } = await import('tinypool')
  const movable = { [kTransferable]: list, [kValue]: reply }
  markMovable(movable)
  return movable
}
