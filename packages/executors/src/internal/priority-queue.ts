/**
 * The executor's own queue of work not yet handed to a worker: highest priority first, first
 * in first out within a priority. One FIFO per distinct priority, so the usual case (every task
 * at priority 0) costs O(1) per push and shift.
 *
 * Removal is lazy: an entry that leaves the queue any other way than by `shift` (its future was
 * cancelled) is reported with `remove`, which only adjusts the count; the entry itself stays
 * until it reaches the front, where `isQueued` — the owner's own record of the entry's state —
 * tells the queue to drop it. The queue never changes its entries.
 */
import { Deque } from '@concurrent/future/internal'

export class PriorityQueue<T> {
  readonly #buckets = new Map<number, Deque<T>>()
  readonly #isQueued: (entry: T) => boolean
  /** Priorities present, highest first. */
  #order: number[] = []
  #size = 0

  /** @param isQueued - whether an entry still waits here (false once cancelled). */
  constructor(isQueued: (entry: T) => boolean) {
    this.#isQueued = isQueued
  }

  /** How many entries wait. */
  get size(): number {
    return this.#size
  }

  push(entry: T, priority: number): void {
    let bucket = this.#buckets.get(priority)
    if (bucket === undefined) {
      bucket = new Deque<T>()
      this.#buckets.set(priority, bucket)
      this.#order.push(priority)
      this.#order.sort((a, b) => b - a)
    }
    bucket.push(entry)
    this.#size++
  }

  /** Puts `entry` back at the front of its priority: it is the next of them to be shifted. */
  unshift(entry: T, priority: number): void {
    const bucket = this.#buckets.get(priority)
    if (bucket === undefined) {
      this.push(entry, priority)
      return
    }
    bucket.unshift(entry)
    this.#size++
  }

  /** The entry `shift()` would return, left in place. */
  peek(): T | undefined {
    for (const priority of this.#order) {
      const bucket = this.#buckets.get(priority)
      if (bucket === undefined) continue
      // Entries that left the queue some other way are dropped on the way to the first live one.
      for (let entry = bucket.peek(); entry !== undefined; entry = bucket.peek()) {
        if (this.#isQueued(entry)) return entry
        bucket.shift()
      }
    }
    return undefined
  }

  /** An entry that no longer waits (see the module comment): it stops counting. */
  remove(): void {
    this.#size--
  }

  shift(): T | undefined {
    for (const priority of this.#order) {
      const bucket = this.#buckets.get(priority)
      for (let entry = bucket?.shift(); entry !== undefined; entry = bucket?.shift()) {
        if (!this.#isQueued(entry)) continue
        this.#size--
        return entry
      }
      this.#buckets.delete(priority)
    }
    this.#order = [...this.#buckets.keys()].sort((a, b) => b - a)
    return undefined
  }

  /** Removes and returns every waiting entry. */
  drain(): T[] {
    const entries: T[] = []
    for (let entry = this.shift(); entry !== undefined; entry = this.shift()) entries.push(entry)
    return entries
  }
}
