/**
 * Small helpers the wait tests share. Futures are compared by name, never with `toEqual`: every
 * Future keeps its state in private fields, so `toEqual` finds any two futures equal.
 */
import type { Future } from '@concurrent/future'

export { collect } from '@concurrent/test-utils'

const names = new WeakMap<Future<unknown>, string>()

/** Gives `future` a name that {@link namesOf} and {@link nameSet} report. */
export function named<F extends Future<unknown>>(name: string, future: F): F {
  names.set(future, name)
  return future
}

/** The names of `futures`, in their order. */
export function namesOf(futures: Iterable<Future<unknown>>): string[] {
  return [...futures].map((future) => names.get(future) ?? '<unnamed future>')
}

/** The names of `futures`, as a set (for `done` and `notDone`, whose order is not the point). */
export function nameSet(futures: Iterable<Future<unknown>>): Set<string> {
  return new Set(namesOf(futures))
}

/** Finishes a pending or running future with `value`, as its executor would. */
export function complete<T>(future: Future<T>, value: T): void {
  if (future.state === 'pending') future.setRunningOrNotifyCancel()
  future.setResult(value)
}

/** Fails a pending or running future with `error`, as its executor would. */
export function fail(future: Future<unknown>, error: unknown): void {
  if (future.state === 'pending') future.setRunningOrNotifyCancel()
  future.setException(error)
}

export interface Observed<T> {
  readonly state: 'pending' | 'fulfilled' | 'rejected'
  readonly value: T | undefined
  readonly reason: unknown
}

/** A promise's state as a test sees it, without awaiting it (which could hang the test). */
export function observe<T>(promise: Promise<T>): Observed<T> {
  const observed: { -readonly [K in keyof Observed<T>]: Observed<T>[K] } = {
    state: 'pending',
    value: undefined,
    reason: undefined,
  }
  promise.then(
    (value) => {
      observed.state = 'fulfilled'
      observed.value = value
    },
    (reason: unknown) => {
      observed.state = 'rejected'
      observed.reason = reason
    },
  )
  return observed
}

/** Lets every queued promise reaction run (`process.nextTick` is never faked). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => process.nextTick(resolve))
}
