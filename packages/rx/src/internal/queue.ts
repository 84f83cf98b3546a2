/**
 * A first-in first-out queue with O(1) `shift` and `pop`, which releases what it hands out: the
 * values waiting in `executeMap` for a free slot.
 */
export class Queue<V> {
  #items: V[] = []
  #head = 0

  get length(): number {
    return this.#items.length - this.#head
  }

  push(value: V): void {
    this.#items.push(value)
  }

  /** Removes and returns the oldest value. */
  shift(): V | undefined {
    if (this.length === 0) return undefined
    const value = this.#items[this.#head] as V
    // Let the value be collected, and drop the dead prefix once it is most of the array.
    ;(this.#items as Array<V | undefined>)[this.#head] = undefined
    this.#head++
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return value
  }

  /** Removes and returns the newest value. */
  pop(): V | undefined {
    if (this.length === 0) return undefined
    return this.#items.pop()
  }

  /** Removes and returns up to `count` of the oldest values. */
  take(count: number): V[] {
    const taken: V[] = []
    while (taken.length < count && this.length > 0) taken.push(this.shift() as V)
    return taken
  }

  clear(): void {
    this.#items = []
    this.#head = 0
  }
}
