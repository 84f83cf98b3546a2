/** Applies an {@link OnUnsubscribe} policy, and checks one given by a caller. */
import { type Future } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'

import type { OnUnsubscribe } from '../on-unsubscribe.js'

/** Cancels `future` as `policy` says; a done future is left alone. */
export function cancelAs(future: Future<unknown>, policy: OnUnsubscribe): void {
  if (policy === 'none' || future.done()) return
  future.cancel({ interrupt: policy === 'interrupt' })
}

/**
 * Throws a TypeError naming the option unless `value` is `undefined` or one of `allowed`.
 *
 * @returns `value`, or `fallback` when it is `undefined`.
 */
export function checkChoice<const C extends string>(
  value: unknown,
  name: string,
  allowed: readonly C[],
  fallback: C,
): C {
  if (value === undefined) return fallback
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as C
  const choices = allowed.map((choice) => `'${choice}'`)
  const last = choices.pop()
  const list = choices.length > 0 ? `${choices.join(', ')} or ${last}` : String(last)
  throw new TypeError(`Expected \`${name}\` to be ${list}, got ${describe(value)}`)
}

/** Throws a TypeError unless `options` is `undefined` or an object. */
export function checkOptions(options: unknown, what: string): void {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`Expected ${what} options to be an object, got ${describe(options)}`)
  }
}
