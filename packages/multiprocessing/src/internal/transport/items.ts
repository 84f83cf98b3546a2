/**
 * An item on its way through a queue or a pipe, as bytes: encoded as a task's arguments are
 * (the queues and pipes in it become handles; see `handles.ts`), then serialized with the
 * places of its handles beside it — marked out of band, so that plain data shaped like a handle
 * stays plain data. The owner of the queue or pipe stores and hands out the bytes without ever
 * reading them.
 */
import { deserialize, serialize } from 'node:v8'

import { DataCloneError } from '@concurrent/worker'
import { decodeValue, encodeValue, isHandleList, loadCodecs } from '@concurrent/worker/internal'

import { MAX_MESSAGE_BYTES } from '../../max-message-bytes.js'

/**
 * `item` as bytes: encoded, then serialized with the places of its handles beside it.
 * {@link unpack} turns them back into the item, here or in another thread or process.
 *
 * @param what - what the item is, for errors (`'the item put on the Queue'`).
 * @throws `DataCloneError` when the item cannot be copied or holds a thread-only object.
 * @throws RangeError when it takes more than {@link MAX_MESSAGE_BYTES} once serialized.
 */
export function pack(item: unknown, what: string): Uint8Array {
  // A handle sent through a channel stays open until its receiver closes it: there is no task
  // whose end would release it.
  const { value, handles } = encodeValue(item, 'channel', ignore, () => what)
  let bytes: Buffer
  try {
    bytes = serialize(handles.length === 0 ? [value] : [value, handles])
  } catch (error) {
    throw cloneError(error, what)
  }
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new RangeError(
      `Expected ${what} to take at most ${mebibytes(MAX_MESSAGE_BYTES)} once serialized (MAX_MESSAGE_BYTES), got ${mebibytes(bytes.length)}: split it into smaller items, or share the data as a RawArray with tasks on worker threads`,
    )
  }
  return bytes
}

/**
 * The item packed in `bytes` (by {@link pack}), with its queues and pipes revived.
 *
 * @returns a promise for the item: reviving one may first load the module of its class.
 * @throws TypeError (as a rejection) when the bytes are not a packed item.
 */
export async function unpack(bytes: Uint8Array): Promise<unknown> {
  let envelope: unknown
  try {
    envelope = deserialize(bytes)
  } catch (error) {
    throw new TypeError('Cannot read an item: its bytes are not a serialized value', {
      cause: error,
    })
  }
  if (!Array.isArray(envelope) || envelope.length < 1 || envelope.length > 2) {
    throw new TypeError('Cannot read an item: its envelope is malformed')
  }
  const [value, handles = []] = envelope as [unknown, unknown?]
  if (!isHandleList(handles)) {
    throw new TypeError('Cannot read an item: its list of handles is malformed')
  }
  if (handles.length === 0) return value
  await loadCodecs(value, handles)
  return decodeValue(value, handles)
}

/** The structured clone error for `what`, made readable. */
export function cloneError(error: unknown, what: string): DataCloneError {
  const message = error instanceof Error ? error.message : String(error)
  return new DataCloneError(
    `${what.charAt(0).toUpperCase()}${what.slice(1)} cannot be copied to another thread or process: ${message}. Send plain data (objects, arrays, numbers, strings, bigints, typed arrays, Map, Set, Date, errors), not functions, promises or objects holding native handles`,
    undefined,
    { cause: error },
  )
}

function mebibytes(bytes: number): string {
  const mib = bytes / (1024 * 1024)
  return `${Number.isInteger(mib) ? String(mib) : mib.toFixed(1)} MiB`
}

function ignore(): void {}
