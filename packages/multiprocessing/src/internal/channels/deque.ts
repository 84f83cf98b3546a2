/** A first-in first-out list with O(1) `push`, `shift` and `unshift`: a growable ring. */
export class Deque<T> {
  #items: Array<T | undefined> = new Array<T | undefined>(16)
  #head = 0
  #length = 0

  get length(): number {
    return this.#length
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow()
    this.#items[(this.#head + this.#length) % this.#items.length] = item
    this.#length++
  }

  unshift(item: T): void {
    if (this.#length === this.#items.length) this.#grow()
    this.#head = (this.#head - 1 + this.#items.length) % this.#items.length
    this.#items[this.#head] = item
    this.#length++
  }

  /** The first item, removed; `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head] = undefined
    this.#head = (this.#head + 1) % this.#items.length
    this.#length--
    return item
  }

  #grow(): void {
    const items = new Array<T | undefined>(this.#items.length * 2)
    for (let i = 0; i < this.#length; i++) {
      items[i] = this.#items[(this.#head + i) % this.#items.length]
    }
    this.#items = items
    this.#head = 0
  }
}
