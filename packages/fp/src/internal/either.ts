/**
 * fp-ts' Either values, built here so that this package needs fp-ts for its types only: an
 * `Either` is plain data (`{ _tag: 'Left', left }` / `{ _tag: 'Right', right }`), stable across
 * fp-ts 2.x, and building it directly spares an import of fp-ts' CommonJS modules at run time.
 */
import type { Either, Left, Right } from 'fp-ts/lib/Either.js'

export function left<E>(error: E): Left<E> {
  return { _tag: 'Left', left: error }
}

export function right<A>(value: A): Right<A> {
  return { _tag: 'Right', right: value }
}

/** A future's outcome, or a promise's, as an Either. */
export function fromSettled<A>(outcome: PromiseSettledResult<A>): Either<unknown, A> {
  return outcome.status === 'fulfilled' ? right(outcome.value) : left(outcome.reason)
}
