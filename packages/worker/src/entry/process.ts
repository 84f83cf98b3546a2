/**
 * The code a worker process runs: tinypool's child-process runtime imports this module and
 * calls its `run` export with each task's `RunMessage`. Cancellation arrives as a
 * `CancelMessage` on the IPC channel, progress and streamed values leave on it, and an uncaught
 * error is reported to the parent (`CrashMessage`) before the process dies, so the task's
 * `WorkerCrashedError` carries the real cause. The process exits when the parent goes away.
 */
import { CancelToken } from '@concurrent/cancellation'

import { encodeError } from '../internal/error-codec.js'
import type { RunMessage, SideMessage } from '../internal/protocol.js'
import { runMessage, type WorkerSide } from '../internal/run.js'

const tokens = new Map<number, CancelToken>()
// A cancel can arrive before its task: tinypool routes the task through a MessagePort in the
// parent, one hop more than the cancel takes. Units reach a worker in the order of their ids.
const cancelledEarly = new Set<number>()
let lastStarted = -1
/** Calls of batches cancelled before they started, by batch id; and the call running now. */
const cancelledCalls = new Map<number, Set<number>>()
let runningCall:
  { readonly id: number; readonly index: number; readonly token: CancelToken } | undefined
/** A cancel for a call of this batch or an earlier one came too late: its batch is over. */
let lastBatchOver = -1

process.on('message', (message: unknown) => {
  if (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'cancel'
  ) {
    const { id, index } = message as { id: number; index?: number }
    if (index !== undefined) {
      if (id <= lastBatchOver) return
      if (runningCall?.id === id && runningCall.index === index) runningCall.token.cancel()
      else cancelledCalls.set(id, (cancelledCalls.get(id) ?? new Set()).add(index))
      return
    }
    const token = tokens.get(id)
    if (token !== undefined) token.cancel()
    else if (id > lastStarted) cancelledEarly.add(id)
  }
})

process.on('uncaughtException', (error) => {
  const crash: SideMessage = { type: 'crash', error: encodeError(error) }
  const exit = (): never => process.exit(1)
  if (process.connected) process.send?.(crash, undefined, {}, exit)
  else exit()
  setTimeout(exit, 1_000).unref()
})

// A worker outlives neither its pool nor its parent.
process.on('disconnect', () => process.exit(0))

const side: WorkerSide = {
  token(message: RunMessage) {
    const token = new CancelToken()
    lastStarted = Math.max(lastStarted, message.id)
    if (cancelledEarly.delete(message.id)) token.cancel()
    tokens.set(message.id, token)
    return token
  },
  itemToken(message, index) {
    if (cancelledCalls.get(message.id)?.has(index) === true) return undefined
    const token = new CancelToken()
    runningCall = { id: message.id, index, token }
    return token
  },
  send(_message: RunMessage, value: SideMessage) {
    process.send?.(value)
  },
  done(message: RunMessage, token) {
    if (runningCall?.token === token) {
      runningCall = undefined
      if (message.batch) return
    }
    tokens.delete(message.id)
  },
}

/** Runs one task; values marked with `transfer()` are copied (processes share no memory). */
export async function run(message: RunMessage): Promise<unknown> {
  try {
    return await runMessage(message, side)
  } finally {
    if (message.batch) {
      cancelledCalls.delete(message.id)
      lastBatchOver = Math.max(lastBatchOver, message.id)
    }
  }
}
