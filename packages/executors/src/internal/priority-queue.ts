/**
 * The executor's own queue of work not yet handed to a worker: highest priority first, first
 * in first out within a priority. One FIFO per distinct priority, so the usual case (every task
 * at priority 0) costs O(1) per push and shift. Removal is lazy: a cancelled entry stays until
 * it reaches the front, and `size` counts only live entries.
 */
export class PriorityQueue<T extends { removed: boolean }> {
  readonly #buckets = new Map<number, Fifo<T>>()
  /** Priorities present, highest first. */
  #order: number[] = []
  #size = 0

  get size(): number {
    return this.#size
  }

  push(item: T, priority: number): void {
    let bucket = this.#buckets.get(priority)
    if (bucket === undefined) {
      bucket = new Fifo<T>()
      this.#buckets.set(priority, bucket)
      this.#order.push(priority)
      this.#order.sort((a, b) => b - a)
    }
    bucket.push(item)
    this.#size++
  }

  /** Puts `item` back at the front of its priority: it is the next of them to be shifted. */
  unshift(item: T, priority: number): void {
    const bucket = this.#buckets.get(priority)
    if (bucket === undefined) {
      this.push(item, priority)
      return
    }
    bucket.unshift(item)
    this.#size++
  }

  /** The entry `shift()` would return, left in place. */
  peek(): T | undefined {
    for (const priority of this.#order) {
      const item = this.#buckets.get(priority)?.peek((entry) => !entry.removed)
      if (item !== undefined) return item
    }
    return undefined
  }

  /** Marks `item` removed; it no longer counts and is skipped when it reaches the front. */
  remove(item: T): void {
    if (item.removed) return
    item.removed = true
    this.#size--
  }

  shift(): T | undefined {
    for (const priority of this.#order) {
      const bucket = this.#buckets.get(priority)
      for (let item = bucket?.shift(); item !== undefined; item = bucket?.shift()) {
        if (item.removed) continue
        item.removed = true
        this.#size--
        return item
      }
      this.#buckets.delete(priority)
    }
    this.#order = [...this.#buckets.keys()].sort((a, b) => b - a)
    return undefined
  }

  /** Removes and returns every live entry. */
  drain(): T[] {
    const items: T[] = []
    for (let item = this.shift(); item !== undefined; item = this.shift()) items.push(item)
    return items
  }
}

class Fifo<V> {
  #items: Array<V | undefined> = []
  #head = 0

  push(value: V): void {
    this.#items.push(value)
  }

  unshift(value: V): void {
    if (this.#head > 0) this.#items[--this.#head] = value
    else this.#items.unshift(value)
  }

  /** The first value that is `live`, dropping the ones before it. */
  peek(live: (value: V) => boolean): V | undefined {
    while (this.#head < this.#items.length) {
      const value = this.#items[this.#head] as V
      if (live(value)) return value
      this.shift()
    }
    return undefined
  }

  shift(): V | undefined {
    if (this.#head >= this.#items.length) return undefined
    const value = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return value
  }
}
