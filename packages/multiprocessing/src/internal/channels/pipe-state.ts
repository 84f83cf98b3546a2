/**
 * A pipe as its owner holds it: for each end, the values sent to it and the `recv` and `poll`
 * calls waiting on it, and the handles open on it. An end is open while at least one handle on
 * it is open — the one `Pipe()` returned, and one for every time it was passed to a task,
 * which the submitter releases when the task is over (as a process's descriptors close when it
 * exits). When the last handle on an end closes, the other end's `recv` gets `EOFError` once it
 * has taken what was sent before, and its `send` gets `BrokenPipeError`.
 */
import { Deque } from '@concurrent/future/internal'
import { WaitLine, type Receiver, type Withdraw } from './receiver.js'
import { expired } from '../sync/steps.js'
import type { End, Failure, Packed } from './messages.js'

export class PipeState {
  readonly kind = 'pipe'
  readonly #inbox: readonly [Deque<Packed>, Deque<Packed>] = [new Deque(), new Deque()]
  readonly #receivers: readonly [WaitLine<Packed>, WaitLine<Packed>] = [
    new WaitLine(),
    new WaitLine(),
  ]
  readonly #pollers: readonly [WaitLine<boolean>, WaitLine<boolean>] = [
    new WaitLine(),
    new WaitLine(),
  ]
  readonly #refs: readonly [Set<string>, Set<string>]

  /** @param refs - the first handle on each end. */
  constructor(refs: readonly [string, string]) {
    this.#refs = [new Set([refs[0]]), new Set([refs[1]])]
  }

  /** Whether a handle on `end` is still open. */
  isOpen(end: End): boolean {
    return this.#refs[end].size > 0
  }

  /** Sends `value` from `from` to the other end. @returns the failure, if it failed. */
  send(from: End, value: Packed): Failure | undefined {
    const to = other(from)
    if (!this.isOpen(to)) return 'broken-pipe'
    if (this.#receivers[to].deliver(value)) return undefined
    this.#inbox[to].push(value)
    this.#pollers[to].drain((poller) => poller.deliver(true))
    return undefined
  }

  /** Receives the next value sent to `end`, waiting until `deadline` for one. */
  recv(end: End, receiver: Receiver<Packed>, deadline: number | undefined): Withdraw | undefined {
    const inbox = this.#inbox[end]
    const value = inbox.shift()
    if (value !== undefined) {
      if (!receiver.deliver(value)) inbox.unshift(value)
      return undefined
    }
    if (!this.isOpen(other(end))) {
      receiver.fail('eof')
      return undefined
    }
    if (expired(deadline)) {
      receiver.fail('timeout')
      return undefined
    }
    return this.#receivers[end].add(receiver, undefined, deadline, (late) => late.fail('timeout'))
  }

  /**
   * Whether `recv` on `end` would return at once (a value is waiting, or the other end is
   * closed and it would raise `EOFError`), waiting until `deadline` for that to become true.
   */
  poll(end: End, receiver: Receiver<boolean>, deadline: number | undefined): Withdraw | undefined {
    if (this.#inbox[end].length > 0 || !this.isOpen(other(end))) {
      receiver.deliver(true)
      return undefined
    }
    if (expired(deadline)) {
      receiver.deliver(false)
      return undefined
    }
    return this.#pollers[end].add(receiver, undefined, deadline, (late) => late.deliver(false))
  }

  /** Puts back, in front, a value that was received for a `recv` that had been given up. */
  unrecv(end: End, value: Packed): void {
    if (!this.#receivers[end].deliver(value)) this.#inbox[end].unshift(value)
  }

  /** Records a new handle `ref` on `end`. */
  addRef(end: End, ref: string): void {
    this.#refs[end].add(ref)
  }

  /** Closes the handle `ref` on `end` (again: nothing); the last one closes the end. */
  release(end: End, ref: string): void {
    const refs = this.#refs[end]
    if (!refs.delete(ref) || refs.size > 0) return
    const to = other(end)
    this.#receivers[to].drain((receiver) => receiver.fail('eof'))
    this.#pollers[to].drain((poller) => poller.deliver(true))
  }
}

function other(end: End): End {
  return end === 0 ? 1 : 0
}
