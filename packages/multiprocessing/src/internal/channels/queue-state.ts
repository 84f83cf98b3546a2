/**
 * A queue as its owner holds it: the items, and the operations waiting for an item or for
 * room, each served first come first served. Handles in the owner's thread call it directly;
 * handles elsewhere reach it through the {@link Broker}. Items are stored packed, as bytes
 * (see `transport/items.ts`): the owner never deserializes them, and what `get` hands out is
 * never shared with a producer.
 */
import { Deque } from '@concurrent/future/internal'
import { WaitLine, type Receiver, type Withdraw } from './receiver.js'
import { expired } from '../sync/steps.js'
import type { Packed } from './messages.js'

export class QueueState {
  readonly kind = 'queue'
  /** The most items it holds; `Infinity` for no limit. */
  readonly maxsize: number
  readonly #items = new Deque<Packed>()
  readonly #getters = new WaitLine<Packed>()
  readonly #putters = new WaitLine<undefined, Packed>()

  constructor(maxsize: number) {
    this.maxsize = maxsize
  }

  get size(): number {
    return this.#items.length
  }

  /**
   * Adds `value` at the end, at once when there is room; otherwise waits for room (`block`),
   * until `deadline`.
   *
   * @returns how to withdraw the put while it waits, or `undefined` when it is already over.
   */
  put(
    value: Packed,
    receiver: Receiver<undefined>,
    block: boolean,
    deadline: number | undefined,
  ): Withdraw | undefined {
    if (this.#putters.size === 0 && !this.#full()) {
      this.#enqueue(value)
      receiver.deliver(undefined)
      return undefined
    }
    if (!block || expired(deadline)) {
      receiver.fail('full')
      return undefined
    }
    return this.#putters.add(receiver, value, deadline, (late) => late.fail('full'))
  }

  /**
   * Takes the first item, at once when there is one; otherwise waits for one (`block`), until
   * `deadline`.
   *
   * @returns how to withdraw the get while it waits, or `undefined` when it is already over.
   */
  get(
    receiver: Receiver<Packed>,
    block: boolean,
    deadline: number | undefined,
  ): Withdraw | undefined {
    const value = this.#items.shift()
    if (value !== undefined) {
      if (receiver.deliver(value)) this.#admitPutters()
      else this.#items.unshift(value)
      return undefined
    }
    if (!block || expired(deadline)) {
      receiver.fail('empty')
      return undefined
    }
    return this.#getters.add(receiver, undefined, deadline, (late) => late.fail('empty'))
  }

  /** Puts back, in front, an item that was taken for a get that had been given up. */
  unget(value: Packed): void {
    if (!this.#getters.deliver(value)) this.#items.unshift(value)
  }

  #full(): boolean {
    return this.#items.length >= this.maxsize
  }

  #enqueue(value: Packed): void {
    if (!this.#getters.deliver(value)) this.#items.push(value)
  }

  #admitPutters(): void {
    while (this.#putters.size > 0 && !this.#full()) {
      const next = this.#putters.shift()
      if (next === undefined) return
      this.#enqueue(next.extra)
      next.receiver.deliver(undefined)
    }
  }
}
