/**
 * `Queue`: Python's `multiprocessing.Queue`, a first-in first-out queue that the main program
 * and tasks on either kind of pool share. The queue's items live with whoever created it
 * (usually the main thread); a `Queue` passed to a task is a handle that reaches them over a
 * local socket (see `internal/channels/broker.ts`), so it works the same in worker threads and child
 * processes.
 */
import { checkInteger } from '@concurrent/future/internal'
import { InvalidStateError } from '@concurrent/future'

import {
  checkWaitingOptions,
  failureErrors,
  linkTo,
  localCall,
  remoteOf,
  signalsFor,
  type Link as ChannelLink,
  type Remote,
} from './internal/channels/channel-call.js'
import { Client, request } from './internal/channels/client.js'
import { QueueState } from './internal/channels/queue-state.js'
import { deadlineFor } from './internal/sync/steps.js'
import { Adopt, kEncode, registerHandle } from './internal/transport/handles.js'
import { pack, unpack } from './internal/transport/items.js'
import type { Packed } from './internal/channels/messages.js'

/**
 * Options of {@link Queue.get}.
 *
 * @example
 * ```ts
 * const item = await queue.get({ timeout: 1_000 }) // EmptyError if nothing came in time
 * ```
 * @category Communication
 */
export interface QueueGetOptions {
  /**
   * Wait for an item when the queue is empty. With `false`, an empty queue rejects with
   * {@link EmptyError} at once (what {@link Queue.getNowait} does).
   *
   * @defaultValue `true`
   */
  readonly block?: boolean | undefined
  /**
   * Milliseconds to wait for an item; when they pass, the call rejects with
   * {@link EmptyError}.
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
  /**
   * Gives the wait up: the call rejects with `signal.reason` and takes nothing from the queue.
   * Inside a task, the task's own cancellation does the same without being passed.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * Options of {@link Queue.put}.
 *
 * @example
 * ```ts
 * await queue.put(job, { timeout: 1_000 }) // FullError if no room came in time
 * ```
 * @category Communication
 */
export interface QueuePutOptions {
  /**
   * Wait for room when the queue holds `maxsize` items. With `false`, a full queue rejects
   * with {@link FullError} at once (what {@link Queue.putNowait} does).
   *
   * @defaultValue `true`
   */
  readonly block?: boolean | undefined
  /**
   * Milliseconds to wait for room; when they pass, the call rejects with {@link FullError}.
   *
   * @defaultValue `Infinity`
   */
  readonly timeout?: number | undefined
  /**
   * Gives the wait up: the call rejects with `signal.reason` and the item is not put.
   * Inside a task, the task's own cancellation does the same without being passed.
   *
   * @defaultValue none
   */
  readonly signal?: AbortSignal | undefined
}

/** Where a queue's items are: in this thread, or with the owner at an address. */
type Link = ChannelLink<QueueState>

/** A queue as it travels. */
interface QueueData extends Remote {
  readonly maxsize: number
}

const { readError, writeError } = failureErrors('Queue')

const ITEM = 'the item put on the Queue'

/**
 * A first-in first-out queue shared by the main program and its tasks, in worker threads and
 * in child processes alike — Python's `multiprocessing.Queue`.
 *
 * Pass it to a task as an argument (of any executor's tasks, or through {@link Pool} or
 * {@link Process}) and it reconnects there: both sides `put` and `get` on the same queue. Items are copied with the structured
 * clone algorithm (as worker messages are), so a consumer never shares an object with its
 * producer; items from one producer come out in the order it put them.
 *
 * Every operation returns a promise, because the queue's items may live in another thread:
 *
 * - **Waiting**: `get` waits for an item and `put` (with a `maxsize`) for room, up to a
 *   `timeout`; they never block the event loop.
 * - **Cancel**: a `get` given up — its `signal` aborted, or the task running it was cancelled —
 *   takes nothing: an item that was on its way is put back in front of the queue, so none is
 *   lost.
 * - **Crash**: a consumer that dies takes nothing with it. An item it had taken but not yet
 *   confirmed (it confirms once its code has run with the item) goes back in front of the
 *   queue, so none is lost, and one that had reached its code may be delivered again: at least
 *   once when a consumer dies, exactly once otherwise.
 * - **Size**: an item takes at most {@link MAX_MESSAGE_BYTES} (64 MiB) once serialized.
 * - **Lifetime**: the items live in the thread that created the queue, and go when it exits
 *   (a handle elsewhere then fails with {@link EOFError} or {@link BrokenPipeError}). Create
 *   queues in the main program.
 *
 * @typeParam T - the type of the items.
 * @example
 * ```ts
 * import { Process, Queue, taskModule } from '@concurrent/multiprocessing'
 *
 * // tasks.ts: export async function produce(queue: Queue<number>, n: number) {
 * //   for (let i = 0; i < n; i++) await queue.put(i * i)
 * //   await queue.put(null)
 * // }
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 *
 * const queue = new Queue<number | null>()
 * const producer = new Process({ target: tasks.produce, args: [queue, 5] })
 * void producer.start()
 * for (let item = await queue.get(); item !== null; item = await queue.get()) console.log(item)
 * await producer.join()
 * ```
 * @category Communication
 */
export class Queue<T = unknown> {
  /** The most items the queue holds; `0` for no limit (Python's convention). */
  readonly maxsize: number
  readonly #link: Link
  #closed = false

  /**
   * Creates an empty queue owned by the current thread.
   *
   * @param maxsize - the most items it holds before `put` waits; `0` (or `Infinity`) for no
   * limit.
   * @throws TypeError/RangeError when `maxsize` is not an integer from 0 up.
   */
  constructor(maxsize?: number)
  /** @internal */
  constructor(adopt: Adopt<{ readonly link: Link; readonly maxsize: number }>)
  constructor(maxsize: number | Adopt<{ readonly link: Link; readonly maxsize: number }> = 0) {
    if (maxsize instanceof Adopt) {
      this.maxsize = maxsize.state.maxsize
      this.#link = maxsize.state.link
      return
    }
    checkInteger(maxsize, 'maxsize', 0, { infinite: true })
    this.maxsize = maxsize === Infinity ? 0 : maxsize
    this.#link = { local: new QueueState(maxsize === 0 ? Infinity : maxsize) }
  }

  /**
   * Puts `item` at the end of the queue, waiting for room while the queue holds `maxsize`
   * items. The item is copied now: changing it afterwards does not change what is queued.
   *
   * @returns a promise that resolves once the item is in the queue.
   * @throws {@link FullError} when there is no room in time (`timeout`, or `block: false`).
   * @throws `DataCloneError` when the item cannot be copied (a function, a lock or shared
   * memory, which travel only as task arguments).
   * @throws RangeError when the item takes more than {@link MAX_MESSAGE_BYTES} once
   * serialized (nothing is put).
   * @throws `signal.reason` when the signal aborts first (the item is not put).
   * @throws `InvalidStateError` after {@link Queue.close}.
   * @example
   * ```ts
   * await queue.put({ id: 1, payload: 'hello' })
   * await queue.put(2, { timeout: 1_000 }) // FullError if no room within a second
   * ```
   */
  async put(item: T, options: QueuePutOptions = {}): Promise<void> {
    this.#checkOpen()
    checkWaitingOptions(options)
    const block = options.block ?? true
    const value = pack(item, ITEM)
    const signals = signalsFor(options.signal)
    const link = this.#link
    if ('local' in link) {
      await localCall<undefined>(
        (receiver) => link.local.put(value, receiver, block, deadlineFor(options.timeout)),
        signals,
        writeError,
      )
      return
    }
    const client = Client.for(link.address, link.secret)
    if (this.maxsize === 0) {
      // Without a maxsize a put never waits for room, so it needs no answer: it is done once
      // the item is on the socket, as Python's is once its feeder thread has written it.
      // Whatever this thread asks the owner next arrives after it.
      const aborted = signals.find((signal) => signal.aborted)
      if (aborted !== undefined) throw aborted.reason
      const message = { type: 'push', channel: link.channel, value } as const
      if (!(await client.push(message, ITEM))) throw writeError('gone')
      return
    }
    await request<undefined>(
      client,
      { type: 'put', channel: link.channel, value, block, timeout: options.timeout },
      { signals, error: writeError, what: ITEM },
    )
  }

  /**
   * Takes the first item from the queue, waiting for one while it is empty.
   *
   * @returns a promise for the item.
   * @throws {@link EmptyError} when no item comes in time (`timeout`, or `block: false`).
   * @throws `signal.reason` (or the task's `CancelledError`) when the wait is given up; the
   * queue keeps every item.
   * @throws `InvalidStateError` after {@link Queue.close}.
   * @example
   * ```ts
   * const item = await queue.get()
   * const soon = await queue.get({ timeout: 500 }) // EmptyError if nothing within 500 ms
   * ```
   */
  async get(options: QueueGetOptions = {}): Promise<T> {
    this.#checkOpen()
    checkWaitingOptions(options)
    const block = options.block ?? true
    const signals = signalsFor(options.signal)
    const link = this.#link
    if ('local' in link) {
      const value = await localCall<Packed>(
        (receiver) => link.local.get(receiver, block, deadlineFor(options.timeout)),
        signals,
        readError,
      )
      return (await unpack(value)) as T
    }
    return request<T>(
      Client.for(link.address, link.secret),
      { type: 'get', channel: link.channel, block, timeout: options.timeout },
      { signals, error: readError, decode: unpack as (value: unknown) => Promise<T> },
    )
  }

  /**
   * Puts `item` only if there is room now — `put(item, { block: false })`.
   *
   * @returns a promise that resolves once the item is in the queue.
   * @throws {@link FullError} when the queue is full.
   * @example
   * ```ts
   * await queue.putNowait(item)
   * ```
   */
  putNowait(item: T): Promise<void> {
    return this.put(item, { block: false })
  }

  /**
   * Takes the first item only if there is one now — `get({ block: false })`.
   *
   * @returns a promise for the item.
   * @throws {@link EmptyError} when the queue is empty.
   * @example
   * ```ts
   * try {
   *   console.log(await queue.getNowait())
   * } catch (error) {
   *   if (error instanceof EmptyError) console.log('empty')
   * }
   * ```
   */
  getNowait(): Promise<T> {
    return this.get({ block: false })
  }

  /**
   * How many items the queue holds now. Other threads may change that at any moment, so, as
   * in Python, the answer is only a hint.
   *
   * @returns a promise for the number of items.
   * @example
   * ```ts
   * console.log(await queue.qsize())
   * ```
   */
  async qsize(): Promise<number> {
    this.#checkOpen()
    const link = this.#link
    if ('local' in link) return link.local.size
    return request<number>(
      Client.for(link.address, link.secret),
      { type: 'size', channel: link.channel },
      { signals: [], error: readError },
    )
  }

  /**
   * Whether the queue holds no items now (a hint, like {@link Queue.qsize}).
   *
   * @returns a promise for `true` when it is empty.
   * @example
   * ```ts
   * while (!(await queue.empty())) console.log(await queue.get())
   * ```
   */
  async empty(): Promise<boolean> {
    return (await this.qsize()) === 0
  }

  /**
   * Whether the queue holds `maxsize` items now (a hint, like {@link Queue.qsize}); never
   * `true` for a queue without a limit.
   *
   * @returns a promise for `true` when it is full.
   * @example
   * ```ts
   * if (await queue.full()) console.log('producers will wait')
   * ```
   */
  async full(): Promise<boolean> {
    return this.maxsize > 0 && (await this.qsize()) >= this.maxsize
  }

  /**
   * Closes this handle: it can no longer put or get (Python's `close()`). The queue itself,
   * its items and the handles in other threads and processes are unaffected.
   *
   * @example
   * ```ts
   * queue.close()
   * await queue.put(1) // rejects with InvalidStateError
   * ```
   */
  close(): void {
    this.#closed = true
  }

  /** @internal */
  [kEncode](): QueueData {
    return { ...remoteOf(this.#link), maxsize: this.maxsize }
  }

  #checkOpen(): void {
    if (this.#closed) throw new InvalidStateError('the Queue is closed')
  }
}

registerHandle(
  Queue,
  'Queue',
  new URL('./queue.js', import.meta.url).href,
  ({ maxsize, ...remote }: QueueData) =>
    new Queue(new Adopt({ link: linkTo('queue', remote), maxsize })),
)
