/**
 * Someone waiting on a queue or a pipe, as its owner sees them: a promise in the owner's own
 * thread, or a request from a handle in another thread or process. The owner hands a value to
 * a receiver only when the receiver can still take it, so a value is never lost to a receiver
 * that has gone (a closed socket) — it stays where it was.
 */
import { setDeadline } from '@concurrent/future/internal'

import type { Failure } from './messages.js'

/** Takes the outcome of one operation. */
export interface Receiver<T> {
  /** Hands over `value`. @returns `false` if the receiver is gone; the value then stays. */
  deliver(value: T): boolean
  /** Ends the operation with `failure`. */
  fail(failure: Failure): void
}

/**
 * Withdraws a waiting operation.
 *
 * @returns `true` if it was still waiting (it is now gone, and its receiver will hear nothing
 * more), `false` if it had already ended.
 */
export type Withdraw = () => boolean

/** Operations waiting in line, first come first served, with optional deadlines. */
export class WaitLine<T, E = undefined> {
  readonly #waiting = new Set<Waiting<T, E>>()

  get size(): number {
    return this.#waiting.size
  }

  /**
   * Adds `receiver` to the end of the line; when `deadline` passes first, it is removed and
   * `onTimeout` is called with it.
   */
  add(
    receiver: Receiver<T>,
    extra: E,
    deadline: number | undefined,
    onTimeout: (receiver: Receiver<T>) => void,
  ): Withdraw {
    const waiting: Waiting<T, E> = { receiver, extra, clear: undefined }
    this.#waiting.add(waiting)
    if (deadline !== undefined) {
      waiting.clear = setDeadline(deadline, () => {
        if (this.#waiting.delete(waiting)) onTimeout(receiver)
      })
    }
    return () => {
      if (!this.#waiting.delete(waiting)) return false
      waiting.clear?.()
      return true
    }
  }

  /** Removes and returns the first in line. */
  shift(): { receiver: Receiver<T>; extra: E } | undefined {
    for (const waiting of this.#waiting) {
      this.#waiting.delete(waiting)
      waiting.clear?.()
      return waiting
    }
    return undefined
  }

  /**
   * Hands `value` to the first receiver in line that can take it.
   *
   * @returns `true` if one took it.
   */
  deliver(value: T): boolean {
    for (let next = this.shift(); next !== undefined; next = this.shift()) {
      if (next.receiver.deliver(value)) return true
    }
    return false
  }

  /** Removes everyone, calling `fn` with each. */
  drain(fn: (receiver: Receiver<T>) => void): void {
    for (let next = this.shift(); next !== undefined; next = this.shift()) fn(next.receiver)
  }
}

interface Waiting<T, E> {
  readonly receiver: Receiver<T>
  readonly extra: E
  clear: (() => void) | undefined
}
