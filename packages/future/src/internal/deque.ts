/**
 * The one first-in first-out list of the packages: a growable ring with O(1) `push`, `shift`,
 * `unshift` and `pop`, which lets go of what it hands out (a slot is cleared as soon as its item
 * leaves, so the list never keeps an item alive). The executors' queue of calls, a map's
 * finished units, an Observable map's waiting values and the items of a `Queue` all wait in
 * one.
 */

/** The first capacity; it doubles whenever the ring is full. A power of two: indexes wrap by mask. */
const INITIAL_CAPACITY = 16

/**
 * A double-ended queue: items go in at the back (`push`) or, to be next, at the front
 * (`unshift`), and leave from the front (`shift`) or the back (`pop`).
 *
 * @internal
 */
export class Deque<T> {
  #items: Array<T | undefined> = new Array<T | undefined>(INITIAL_CAPACITY)
  #mask = INITIAL_CAPACITY - 1
  #head = 0
  #length = 0

  /** How many items it holds. */
  get length(): number {
    return this.#length
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    if (this.#length > this.#mask) this.#grow()
    this.#items[(this.#head + this.#length) & this.#mask] = item
    this.#length++
  }

  /** Adds `item` at the front: it is the next to be shifted. */
  unshift(item: T): void {
    if (this.#length > this.#mask) this.#grow()
    this.#head = (this.#head - 1) & this.#mask
    this.#items[this.#head] = item
    this.#length++
  }

  /** Removes and returns the front item; `undefined` when it is empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head] = undefined
    this.#head = (this.#head + 1) & this.#mask
    this.#length--
    return item
  }

  /** Removes and returns the back item; `undefined` when it is empty. */
  pop(): T | undefined {
    if (this.#length === 0) return undefined
    const index = (this.#head + this.#length - 1) & this.#mask
    const item = this.#items[index]
    this.#items[index] = undefined
    this.#length--
    return item
  }

  /** The front item, left in place; `undefined` when it is empty. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head]
  }

  /** Removes every item. */
  clear(): void {
    this.#items = new Array<T | undefined>(INITIAL_CAPACITY)
    this.#mask = INITIAL_CAPACITY - 1
    this.#head = 0
    this.#length = 0
  }

  #grow(): void {
    const capacity = this.#items.length * 2
    const items = new Array<T | undefined>(capacity)
    for (let i = 0; i < this.#length; i++) items[i] = this.#items[(this.#head + i) & this.#mask]
    this.#items = items
    this.#mask = capacity - 1
    this.#head = 0
  }
}
