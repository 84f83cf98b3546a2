/**
 * `MAX_MESSAGE_BYTES`: the size limit of one item on a `Queue` or a `Pipe`.
 */

/**
 * The most bytes one item put on a {@link Queue} or sent on a {@link Connection} may take once
 * serialized (by `v8.serialize`, the structured clone algorithm worker messages use): 64 MiB.
 *
 * A bigger item is refused where it is put or sent, with a `RangeError` that names this limit;
 * nothing is queued. The limit is the same whether the queue's owner is in this thread or
 * another, so a program that works with a local consumer keeps working when the consumer moves
 * to a worker. On the owner's socket, a connection that announces a longer message is closed
 * before any of it is read (see the README's "Queues and pipes: the owner's socket").
 *
 * To move more data, split it into several items, or share it without copying: a
 * {@link RawArray} passed to tasks with `kind: 'thread'`.
 *
 * @example
 * ```ts
 * import { MAX_MESSAGE_BYTES, Queue } from '@concurrent/multiprocessing'
 *
 * const queue = new Queue<Float64Array>()
 * const samples = new Float64Array(10_000_000) // 80 MB: too big for one item
 * const step = MAX_MESSAGE_BYTES / 2 / Float64Array.BYTES_PER_ELEMENT
 * for (let at = 0; at < samples.length; at += step) await queue.put(samples.subarray(at, at + step))
 * ```
 * @category Communication
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024
