/**
 * The engine behind `executeMap` and `executeStarmap`: one run per subscription.
 *
 * RxJS has no backpressure channel: a source pushes whenever it likes. So the engine keeps two
 * bounded places and nothing else: a queue of source values waiting for a slot (at most
 * `buffersize`, then the `overflow` policy decides), and at most `concurrency` slots, each one
 * unit of work on the executor — a single value through `submit`, or a chunk of waiting values
 * through the executor's `map` (which sends them as one message). In ordered mode a slot is
 * held until the unit's results have been emitted, so a slow task at the head cannot make the
 * finished results behind it pile up without bound.
 *
 * Values are grouped into chunks when they are taken from the queue, not when they arrive: a
 * burst fills whole chunks, while a trickle is sent on at once instead of waiting for a chunk to
 * fill. Everything runs synchronously from the source's pushes and the futures' done callbacks
 * (a chunk's results arrive through a promise), so a virtual-time test scheduler drives it
 * exactly. A re-entrant call (a done callback fired while dispatching, a subscriber that
 * unsubscribes inside `next`) only marks the run dirty; the outer call loops again.
 *
 * It is not a scheduler: the executor decides when a unit runs.
 */
import { Observable, Subject, takeUntil, type Subscriber } from 'rxjs'
import { CancelledError, type Future } from '@concurrent/future'
import { Deque } from '@concurrent/future/internal'

import { BufferOverflowError } from '../errors.js'
import { cancelAs } from './cancel.js'

/** How a run starts units of work: bound to one executor and one task. */
export interface UnitHost<V, R> {
  /** Runs one value as one task. May throw (a shut-down executor). */
  one(value: V): Future<R>
  /** Runs several values as one unit; aborting `signal` interrupts it. May throw. */
  chunk(values: V[], signal: AbortSignal): AsyncIterator<R>
}

export interface RunOptions {
  readonly ordered: boolean
  readonly concurrency: number
  readonly chunksize: number
  readonly buffersize: number
  readonly overflow: 'error' | 'drop-oldest' | 'drop-newest'
  readonly onUnsubscribe: 'interrupt' | 'cancel'
}

/** One unit of work in a slot: running, then settled with its results or its error. */
class Unit<R> {
  state: 'running' | 'ok' | 'failed' = 'running'
  results: R[] = []
  error: unknown
  /** Removed from the run before it settled (cancelled); its outcome is ignored. */
  dropped = false
  cancel: (policy: 'interrupt' | 'cancel') => void = noop
}

/** Runs `source` through `host`, one run per subscription. */
export function runMap<T, V, R>(
  source: Observable<T>,
  host: UnitHost<V, R>,
  toValue: (item: T) => V,
  options: RunOptions,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    new MapRun(host, toValue, options, subscriber).start(source)
  })
}

class MapRun<T, V, R> {
  readonly #host: UnitHost<V, R>
  readonly #toValue: (item: T) => V
  readonly #options: RunOptions
  readonly #subscriber: Subscriber<R>

  /** Source values waiting for a slot. */
  readonly #waiting = new Deque<V>()
  /** Units holding a slot: ordered, in dispatch order until emitted; unordered, until settled. */
  readonly #slots: Array<Unit<R>> = []
  /** Unordered only: settled units not yet emitted, in the order they settled. */
  readonly #settled: Array<Unit<R>> = []
  readonly #stopSource = new Subject<void>()
  #sourceDone = false
  #sourceStopped = false
  #closed = false
  #draining = false
  #dirty = false

  constructor(
    host: UnitHost<V, R>,
    toValue: (item: T) => V,
    options: RunOptions,
    subscriber: Subscriber<R>,
  ) {
    this.#host = host
    this.#toValue = toValue
    this.#options = options
    this.#subscriber = subscriber
  }

  start(source: Observable<T>): void {
    this.#subscriber.add(() => this.#teardown())
    // takeUntil lets the run stop even a synchronous source in the middle of its loop.
    source.pipe(takeUntil(this.#stopSource)).subscribe({
      next: (item) => this.#onItem(item),
      error: (error: unknown) => this.#fail(error),
      complete: () => {
        if (this.#sourceStopped || this.#closed) return
        this.#sourceDone = true
        this.#drain()
      },
    })
  }

  #onItem(item: T): void {
    if (this.#closed || this.#sourceStopped) return
    let value: V
    try {
      value = this.#toValue(item)
    } catch (error) {
      this.#fail(error)
      return
    }
    this.#waiting.push(value)
    this.#drain()
    if (this.#closed || this.#sourceStopped) return
    if (this.#waiting.length <= this.#options.buffersize) return
    switch (this.#options.overflow) {
      case 'error':
        this.#fail(new BufferOverflowError(this.#options.buffersize))
        break
      case 'drop-oldest':
        this.#waiting.shift()
        break
      case 'drop-newest':
        this.#waiting.pop()
        break
    }
  }

  /** Emits what can be emitted, fills free slots, completes when all is done; never re-enters. */
  #drain(): void {
    if (this.#draining) {
      this.#dirty = true
      return
    }
    this.#draining = true
    try {
      do {
        this.#dirty = false
        this.#emitReady()
        if (this.#closed) return
        this.#dispatch()
      } while (this.#dirty && !this.#closed)
      const idle =
        this.#waiting.length === 0 && this.#slots.length === 0 && this.#settled.length === 0
      if (this.#sourceDone && idle) this.#subscriber.complete()
    } finally {
      this.#draining = false
    }
  }

  #emitReady(): void {
    const ready = this.#options.ordered ? this.#slots : this.#settled
    while (!this.#closed) {
      const unit = ready[0]
      if (unit === undefined || unit.state === 'running') return
      ready.shift()
      if (unit.state === 'failed') {
        this.#fail(unit.error)
        return
      }
      for (const result of unit.results) {
        if (this.#closed) return
        this.#subscriber.next(result)
      }
    }
  }

  #dispatch(): void {
    const { concurrency, chunksize } = this.#options
    while (!this.#closed && this.#slots.length < concurrency && this.#waiting.length > 0) {
      const values = take(this.#waiting, chunksize)
      const unit = new Unit<R>()
      // Hold the slot before starting: a unit may settle synchronously, inside the start.
      this.#slots.push(unit)
      if (values.length === 1) this.#startOne(unit, values[0] as V)
      else this.#startChunk(unit, values)
    }
  }

  #startOne(unit: Unit<R>, value: V): void {
    let future: Future<R>
    try {
      future = this.#host.one(value)
    } catch (error) {
      this.#settle(unit, 'failed', [], error)
      return
    }
    unit.cancel = (policy) => cancelAs(future, policy)
    future.addDoneCallback((done) => {
      const outcome = done.outcome
      if (outcome?.status === 'fulfilled') this.#settle(unit, 'ok', [outcome.value])
      else this.#settle(unit, 'failed', [], outcome?.reason)
    })
  }

  #startChunk(unit: Unit<R>, values: V[]): void {
    const controller = new AbortController()
    let iterator: AsyncIterator<R>
    try {
      iterator = this.#host.chunk(values, controller.signal)
    } catch (error) {
      this.#settle(unit, 'failed', [], error)
      return
    }
    unit.cancel = (policy) => {
      if (policy === 'interrupt')
        controller.abort(new CancelledError('executeMap was unsubscribed'))
      // Cancels the chunk while it is still queued (and ends the iteration).
      void iterator.return?.()
    }
    collect(iterator).then(
      (results) => this.#settle(unit, 'ok', results),
      (error: unknown) => this.#settle(unit, 'failed', [], error),
    )
  }

  #settle(unit: Unit<R>, state: 'ok' | 'failed', results: R[], error?: unknown): void {
    if (this.#closed || unit.dropped || unit.state !== 'running') return
    unit.state = state
    unit.results = results
    unit.error = error
    if (!this.#options.ordered) {
      this.#slots.splice(this.#slots.indexOf(unit), 1)
      this.#settled.push(unit)
    } else if (state === 'failed') {
      // The error is emitted at its position, after the results before it; nothing after it
      // can ever be emitted, so stop that work and the source now.
      this.#cancel(this.#slots.splice(this.#slots.indexOf(unit) + 1))
      this.#stopReading()
    }
    this.#drain()
  }

  #stopReading(): void {
    if (this.#sourceStopped) return
    this.#sourceStopped = true
    this.#waiting.clear()
    this.#stopSource.next()
    this.#stopSource.complete()
  }

  #fail(error: unknown): void {
    if (this.#closed) return
    // The subscriber's teardown (below) runs inside error(), after the error is delivered.
    this.#subscriber.error(error)
  }

  #teardown(): void {
    if (this.#closed) return
    this.#closed = true
    this.#stopReading()
    this.#settled.length = 0
    this.#cancel(this.#slots.splice(0))
  }

  /**
   * Cancels the units still running, newest first: cancelling the oldest (running) first
   * would free its worker for a newer one still queued in the executor, only to cancel that
   * one as it starts.
   */
  #cancel(units: Array<Unit<R>>): void {
    for (const unit of units.reverse()) {
      if (unit.state !== 'running') continue
      unit.dropped = true
      unit.cancel(this.#options.onUnsubscribe)
    }
  }
}

async function collect<R>(iterator: AsyncIterator<R>): Promise<R[]> {
  const results: R[] = []
  for (;;) {
    const step = await iterator.next()
    if (step.done === true) return results
    results.push(step.value)
  }
}

function noop(): void {}

/** Up to `count` of the oldest values of `queue`, removed from it. */
function take<V>(queue: Deque<V>, count: number): V[] {
  const taken: V[] = []
  while (taken.length < count && queue.length > 0) taken.push(queue.shift() as V)
  return taken
}
