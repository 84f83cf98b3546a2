/**
 * The code a worker thread runs: tinypool's thread runtime imports this module and calls its
 * `run` export with each task's `RunMessage`. Cancellation arrives through shared memory (the
 * task's `CancelToken`), progress and streamed values leave through a `BroadcastChannel`, and a
 * result marked with `transfer()` is moved back instead of copied.
 */
import { BroadcastChannel } from 'node:worker_threads'

import { CancelToken } from '@concurrent/cancellation'

import type { ReplyMessage, RunMessage, SideMessage } from '../internal/protocol.js'
import { runMessage, type WorkerSide } from '../internal/run.js'
import { transferListOf } from '../transfer.js'

const channels = new Map<string, BroadcastChannel>()

const side: WorkerSide = {
  token: (message) =>
    message.cancel === undefined ? new CancelToken() : new CancelToken(message.cancel),
  send(message: RunMessage, value: SideMessage) {
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
