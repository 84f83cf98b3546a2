/**
 * The engine behind `Executor.map` and `starmap`: CPython's `Executor.map` result iterator,
 * extended to async inputs, chunks and completion order.
 *
 * A pump reads the input, groups items into chunks and submits each chunk as one unit of work,
 * keeping at most `buffersize` units ahead of the consumer. The consumer takes units in input
 * order (or as they complete) and yields their items one by one. Closing the iterator — a
 * `break`, an error, a timeout, an aborted signal — cancels every unit not yet consumed and
 * stops reading the input. It is not a scheduler: executors decide when units run.
 *
 * With a synchronous input and no `buffersize`, everything is submitted synchronously during
 * the `map` call, as Python does; a submission that throws there (a shut-down executor, say)
 * throws from the call itself.
 */
import type { ChunkResult, MapResults, ResultChunk, TaskOptions } from '../executor.js'
import type { Future } from '../future.js'
import { TimeoutError } from '../errors.js'
import { deadlineIn, setDeadline } from './deadline.js'

/** How the iterator submits work: bound to one executor and one task. */
export interface MapHost<A, R, T = unknown> {
  schedule(args: A, options: TaskOptions): Future<R>
  scheduleChunk(items: readonly A[], options: TaskOptions): Future<ChunkResult<R>>
  /**
   * For a one-argument task (`map`): submits a chunk of input items as they are, each the
   * task's only argument. With it, an array input is cut into slices instead of being read
   * item by item.
   */
  scheduleFlat?(items: readonly T[], options: TaskOptions): Future<ChunkResult<R>>
}

export interface MapIteratorOptions {
  readonly chunksize: number
  readonly timeout?: number | undefined
  readonly buffersize?: number | undefined
  readonly ordered?: boolean | undefined
  readonly signal?: AbortSignal | undefined
}

/** A submitted unit of work, or the input's own failure at its position. */
type Unit<R> =
  | { readonly kind: 'one'; readonly future: Future<R> }
  | { readonly kind: 'chunk'; readonly future: Future<ChunkResult<R>> }
  | { readonly kind: 'error'; readonly error: unknown }

export class MapIterator<T, A, R> implements MapResults<R> {
  readonly #host: MapHost<A, R, T>
  readonly #toArgs: (item: T) => A
  readonly #chunksize: number
  readonly #buffersize: number
  readonly #ordered: boolean
  readonly #signal: AbortSignal | undefined
  readonly #deadline: number | undefined
  readonly #taskOptions: TaskOptions

  /** Units submitted and not yet taken by the consumer. */
  readonly #outstanding = new Set<Unit<R>>()
  /** The order the consumer takes units in: input order, or completion order. */
  readonly #ready = new Fifo<Unit<R>>()
  /** Items of the unit being yielded. */
  #items: ArrayLike<R> = []
  /** The error of the chunk being yielded, thrown once its items before it are out. */
  #failure: { readonly error: unknown } | undefined
  #itemIndex = 0

  #source: Iterator<T> | AsyncIterator<T> | undefined
  /** An array input of a one-argument task: cut into slices rather than read item by item. */
  #array: readonly T[] | undefined
  #arrayIndex = 0
  #sourceIsAsync = false
  #sourceDone = false
  #closed = false
  /** Wakes the consumer when a unit is queued or completes, or the input ends. */
  #wakeConsumer: (() => void) | undefined
  /** Wakes the pump when the consumer makes room under `buffersize`. */
  #wakePump: (() => void) | undefined
  #turn: Promise<unknown> = Promise.resolve()
  /** No next() is under way: a value already here can be handed out at once. */
  #idle = true
  #last: Promise<unknown> | undefined

  private constructor(host: MapHost<A, R, T>, toArgs: (item: T) => A, options: MapIteratorOptions) {
    this.#host = host
    this.#toArgs = toArgs
    this.#chunksize = options.chunksize
    this.#buffersize = options.buffersize ?? Infinity
    this.#ordered = options.ordered ?? true
    this.#signal = options.signal
    this.#deadline =
      options.timeout === undefined || options.timeout === Infinity
        ? undefined
        : deadlineIn(options.timeout)
    this.#taskOptions = options.signal === undefined ? {} : { signal: options.signal }
  }

  /**
   * Creates the iterator and starts submitting at once.
   *
   * @throws whatever the first submission throws synchronously (`ShutdownError`, validation).
   */
  static start<T, A, R>(
    host: MapHost<A, R, T>,
    iterable: Iterable<T> | AsyncIterable<T>,
    toArgs: (item: T) => A,
    options: MapIteratorOptions,
  ): MapIterator<T, A, R> {
    const iterator = new MapIterator<T, A, R>(host, toArgs, options)
    if (Array.isArray(iterable) && host.scheduleFlat !== undefined && options.chunksize > 1) {
      iterator.#array = iterable as readonly T[]
    }
    iterator.#sourceIsAsync = Symbol.asyncIterator in iterable
    iterator.#source = iterator.#sourceIsAsync
      ? (iterable as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (iterable as Iterable<T>)[Symbol.iterator]()
    // A signal that is already aborted submits nothing: the first `next()` rejects with its reason.
    if (options.signal?.aborted !== true) void iterator.#pump()
    // Refused before any work was accepted (a shut-down executor, bad input): throw from the call.
    const [first, ...rest] = iterator.#outstanding
    if (first?.kind === 'error' && rest.length === 0) {
      iterator.#close()
      throw first.error
    }
    return iterator
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<R, undefined>> {
    // Fast path: the next value is already here and no other next() is under way. A chunk's
    // items are handed out this way, one resolved promise each, which keeps a map of a million
    // tiny items from paying for a chain of promises per item.
    if (this.#idle && this.#itemIndex < this.#items.length) {
      return Promise.resolve({ done: false, value: this.#items[this.#itemIndex++] as R })
    }
    return this.#queue(() => this.#step())
  }

  /**
   * The results that are left, a unit of work at a time (a chunk's results at once): the same
   * results in the same order as the item by item loop, without a promise per item.
   */
  chunks(): AsyncIterableIterator<ResultChunk<R>> {
    const chunks: AsyncIterableIterator<ResultChunk<R>> = {
      [Symbol.asyncIterator]: () => chunks,
      next: () => this.#queue(() => this.#stepChunk()),
      return: () => {
        this.#close()
        return Promise.resolve({ done: true, value: undefined })
      },
    }
    return chunks
  }

  /** Runs `step` after every step asked for before it. */
  #queue<V>(step: () => Promise<V>): Promise<V> {
    this.#idle = false
    const next = this.#turn.then(step)
    this.#turn = next.then(
      () => this.#settleTurn(next),
      () => this.#settleTurn(next),
    )
    this.#last = next
    return next
  }

  /** After a step: the iterator is idle again if no later next() is queued behind it. */
  #settleTurn(step: Promise<unknown>): void {
    if (this.#last === step) this.#idle = true
  }

  return(): Promise<IteratorResult<R, undefined>> {
    this.#close()
    return Promise.resolve({ done: true, value: undefined })
  }

  throw(error?: unknown): Promise<IteratorResult<R, undefined>> {
    this.#close()
    return Promise.reject(error)
  }

  async #step(): Promise<IteratorResult<R, undefined>> {
    for (;;) {
      if (this.#itemIndex < this.#items.length) {
        const value = this.#items[this.#itemIndex++] as R
        return { done: false, value }
      }
      if (!(await this.#load())) return { done: true, value: undefined }
    }
  }

  async #stepChunk(): Promise<IteratorResult<ResultChunk<R>, undefined>> {
    for (;;) {
      const items = this.#items
      const from = this.#itemIndex
      if (from < items.length) {
        this.#itemIndex = items.length
        const value = (from === 0 ? items : slice(items, from)) as ResultChunk<R>
        return { done: false, value }
      }
      if (!(await this.#load())) return { done: true, value: undefined }
    }
  }

  /**
   * Once the items at hand are out: throws the error of a chunk's failing item, or waits for
   * the next unit and makes its results the items at hand.
   *
   * @returns `false` when the map is over.
   */
  async #load(): Promise<boolean> {
    const failure = this.#failure
    if (failure !== undefined) {
      // The chunk's item at this position threw: the map ends here, as if its task had.
      this.#failure = undefined
      this.#close()
      throw failure.error
    }
    if (this.#closed) return false
    const unit = this.#ready.peek()
    if (unit === undefined) {
      if (this.#sourceDone && this.#outstanding.size === 0) {
        this.#close()
        return false
      }
      await this.#guard(new Promise<void>((resolve) => (this.#wakeConsumer = resolve)))
      return true
    }
    try {
      const { values, failure: next } = await this.#guard(this.#results(unit))
      this.#items = values
      this.#failure = next
      this.#itemIndex = 0
    } catch (error) {
      this.#close()
      throw error
    }
    this.#take(unit)
    return true
  }

  async #results(unit: Unit<R>): Promise<ChunkResult<R>> {
    switch (unit.kind) {
      case 'error':
        throw unit.error
      case 'one':
        return { values: [await unit.future.result()] }
      case 'chunk':
        return unit.future.result()
    }
  }

  /** Removes a consumed unit and lets the pump submit another in its place. */
  #take(unit: Unit<R>): void {
    this.#ready.shift()
    this.#outstanding.delete(unit)
    this.#wakePump?.()
    this.#wakePump = undefined
  }

  /** Races a wait against the deadline and the signal; either closes the iterator. */
  #guard<V>(promise: Promise<V>): Promise<V> {
    const signal = this.#signal
    const deadline = this.#deadline
    if (signal === undefined && deadline === undefined) return promise
    return new Promise<V>((resolve, reject) => {
      let clearTimer: (() => void) | undefined
      const finish = (): void => {
        clearTimer?.()
        signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        finish()
        this.#close()
        reject(signal?.reason)
      }
      if (signal?.aborted === true) {
        // Only the wait is given up: the unit's own rejection (the same reason) is expected.
        promise.catch(noop)
        onAbort()
        return
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (deadline !== undefined) {
        clearTimer = setDeadline(deadline, () => {
          finish()
          this.#close()
          reject(new TimeoutError(`map did not finish within its timeout`))
        })
      }
      promise.then(
        (value) => {
          finish()
          resolve(value)
        },
        (error: unknown) => {
          finish()
          reject(error)
        },
      )
    })
  }

  /** Reads the input and submits units; synchronous for a synchronous input until it must wait. */
  async #pump(): Promise<void> {
    const source = this.#source
    if (source === undefined) return
    const sync = !this.#sourceIsAsync
    // When the input's own `next()` throws, the input is over (for-of calls no `return()` then);
    // any other failure (a bad starmap item, a refused submission) leaves it to be closed.
    let inputFailed = false
    try {
      while (!this.#closed) {
        if (this.#outstanding.size >= this.#buffersize) {
          await new Promise<void>((resolve) => (this.#wakePump = resolve))
          continue
        }
        const array = this.#array
        if (array !== undefined && this.#host.scheduleFlat !== undefined) {
          // Read the array as the iterator would, but a slice at a time. (An array that grows
          // while it is read is read to its new end, as its iterator would.)
          const start = this.#arrayIndex
          if (start >= array.length) break
          this.#arrayIndex = Math.min(array.length, start + this.#chunksize)
          const items = array.slice(start, this.#arrayIndex)
          this.#push({ kind: 'chunk', future: this.#host.scheduleFlat(items, this.#taskOptions) })
          continue
        }
        const chunk: A[] = []
        let ended = false
        while (chunk.length < this.#chunksize) {
          let step: IteratorResult<T>
          try {
            step = sync ? (source as Iterator<T>).next() : await source.next()
          } catch (error) {
            inputFailed = true
            throw error
          }
          if (this.#closed) return
          if (step.done === true) {
            ended = true
            break
          }
          chunk.push(this.#toArgs(step.value))
        }
        if (chunk.length > 0) this.#submit(chunk)
        if (ended) break
      }
    } catch (error) {
      this.#push({ kind: 'error', error })
      if (!inputFailed) void this.#stopSource()
    } finally {
      this.#sourceDone = true
      this.#wake()
      if (this.#closed) void this.#stopSource()
    }
  }

  #submit(chunk: A[]): void {
    const unit: Unit<R> =
      chunk.length === 1 && this.#chunksize === 1
        ? { kind: 'one', future: this.#host.schedule(chunk[0] as A, this.#taskOptions) }
        : { kind: 'chunk', future: this.#host.scheduleChunk(chunk, this.#taskOptions) }
    this.#push(unit)
  }

  #push(unit: Unit<R>): void {
    this.#outstanding.add(unit)
    if (this.#ordered || unit.kind === 'error') {
      this.#ready.push(unit)
    } else {
      ;(unit.future as Future<unknown>).addDoneCallback(() => {
        if (this.#closed) return
        this.#ready.push(unit)
        this.#wake()
      })
    }
    this.#wake()
  }

  #wake(): void {
    this.#wakeConsumer?.()
    this.#wakeConsumer = undefined
  }

  /** Ends the map: cancels every unit not yet consumed and stops reading the input. */
  #close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#items = []
    this.#failure = undefined
    for (const unit of this.#outstanding) {
      if (unit.kind !== 'error') unit.future.cancel()
    }
    this.#outstanding.clear()
    this.#ready.clear()
    this.#wakePump?.()
    this.#wake()
    if (this.#sourceDone) return
    // The pump is waiting for room, or for the source; it returns once it sees #closed.
    void this.#stopSource()
  }

  async #stopSource(): Promise<void> {
    const source = this.#source
    this.#source = undefined
    try {
      await source?.return?.()
    } catch {
      // The input's own cleanup failed after the consumer left; there is no one to tell.
    }
  }
}

/** A first-in first-out queue with O(1) `shift` that releases what it has handed out. */
class Fifo<V> {
  #items: V[] = []
  #head = 0

  push(value: V): void {
    this.#items.push(value)
  }

  peek(): V | undefined {
    return this.#items[this.#head]
  }

  shift(): V | undefined {
    const value = this.#items[this.#head]
    if (value === undefined) return undefined
    this.#head++
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return value
  }

  clear(): void {
    this.#items = []
    this.#head = 0
  }
}

function noop(): void {}

/** `items` from `from` on: a typed array's `subarray` (no copy), an array's `slice`. */
function slice<V>(items: ArrayLike<V>, from: number): ArrayLike<V> {
  return ArrayBuffer.isView(items)
    ? ((items as unknown as Int32Array).subarray(from) as unknown as ArrayLike<V>)
    : Array.prototype.slice.call(items, from)
}
