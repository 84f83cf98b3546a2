/**
 * The one codec for errors crossing a worker boundary, in both directions.
 *
 * Structured clone is not trusted with errors: tinypool's thread runtime drops own properties
 * and its process runtime hands back a plain object. This codec keeps the `name`, `message`,
 * `stack`, own enumerable properties (each either cloneable or turned into a string) and the
 * `cause` chain (with a cycle guard); built-in error classes and this library's own are revived
 * as their class, a subclass of one as that class, anything else as an `Error`, always with the
 * original `name`. When decoding, the worker's stack is joined to the stack of the call that
 * submitted the task, the way CPython's `_rebuild_exc` hangs the remote traceback on the
 * exception it re-raises.
 */
import { CancelledError } from '@concurrent/cancellation'
import {
  BrokenExecutorError,
  InvalidStateError,
  ShutdownError,
  TimeoutError,
  WorkerCrashedError,
} from '@concurrent/future'

import { DataCloneError, InlineTaskError, TaskNotFoundError } from '../errors.js'

/**
 * An error (or a thrown non-error) in a form that survives structured clone.
 *
 * @internal
 */
export type EncodedError =
  | {
      readonly kind: 'error'
      readonly ctor: string
      readonly name: string
      readonly message: string
      readonly stack: string | undefined
      readonly props: Readonly<Record<string, unknown>>
      readonly cause: EncodedError | undefined
      readonly hasCause: boolean
      readonly errors: readonly EncodedError[] | undefined
    }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'cycle' }

type ErrorClass = new (message?: string) => Error

const classes: Readonly<Record<string, ErrorClass>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  CancelledError,
  TimeoutError,
  InvalidStateError,
  ShutdownError,
  BrokenExecutorError,
  WorkerCrashedError: WorkerCrashedError,
  TaskNotFoundError: TaskNotFoundError as unknown as ErrorClass,
  InlineTaskError: InlineTaskError as unknown as ErrorClass,
  DataCloneError: DataCloneError as unknown as ErrorClass,
}

const skipped = new Set(['name', 'message', 'stack', 'cause'])

/**
 * Encodes anything thrown so that it can be posted to another thread or process.
 *
 * @internal
 */
export function encodeError(thrown: unknown, seen = new Set<unknown>()): EncodedError {
  if (!(thrown instanceof Error) && !looksLikeError(thrown)) {
    return { kind: 'value', value: cloneable(thrown) ? thrown : String(thrown) }
  }
  if (seen.has(thrown)) return { kind: 'cycle' }
  seen.add(thrown)
  const error = thrown as Error & { errors?: unknown }
  // Only an AggregateError's `errors` are errors to revive; any other error's `errors` (a
  // validation library's list of issues) is an own property like the rest.
  const isAggregate = error instanceof AggregateError
  const errors: unknown[] = isAggregate && Array.isArray(error.errors) ? error.errors : []
  const props: Record<string, unknown> = {}
  for (const key of Object.keys(error)) {
    if (skipped.has(key) || (isAggregate && key === 'errors')) continue
    const value = (error as unknown as Record<string, unknown>)[key]
    props[key] = cloneable(value) ? value : String(value)
  }
  const hasCause = 'cause' in error
  const encoded: EncodedError = {
    kind: 'error',
    ctor: classFor(error),
    name: String(error.name),
    message: String(error.message),
    stack: typeof error.stack === 'string' ? error.stack : undefined,
    props,
    hasCause,
    cause: hasCause ? encodeError(error.cause, seen) : undefined,
    errors: isAggregate ? errors.map((inner: unknown) => encodeError(inner, seen)) : undefined,
  }
  // `seen` guards against cycles only: an error reached again along another path (the same
  // error twice in an AggregateError) is encoded again, not lost.
  seen.delete(thrown)
  return encoded
}

/**
 * Rebuilds an error encoded by {@link encodeError}. `callerStack`, when given, is appended to
 * the worker's stack so one trace shows both sides.
 *
 * @internal
 */
export function decodeError(encoded: EncodedError, callerStack?: string): unknown {
  switch (encoded.kind) {
    case 'value':
      return encoded.value
    case 'cycle':
      return undefined
    case 'error':
      break
  }
  const Class = classes[encoded.ctor] ?? Error
  const errors = encoded.errors?.map((inner) => decodeError(inner))
  // Built with the base constructor and the class's prototype: the class's own constructor may
  // take other arguments, and every field it would set travels in `props` anyway.
  const error: Error =
    errors === undefined
      ? Reflect.construct<[string], Error>(Error, [encoded.message], Class)
      : new AggregateError(errors, encoded.message)
  Object.assign(error, encoded.props)
  if (error.name !== encoded.name) {
    Object.defineProperty(error, 'name', {
      value: encoded.name,
      writable: true,
      configurable: true,
      enumerable: false,
    })
  }
  if (encoded.hasCause && encoded.cause !== undefined) {
    Object.defineProperty(error, 'cause', {
      value: decodeError(encoded.cause),
      writable: true,
      configurable: true,
      enumerable: false,
    })
  }
  const workerStack = encoded.stack ?? `${encoded.name}: ${encoded.message}`
  error.stack =
    callerStack === undefined
      ? workerStack
      : `${workerStack}\n    --- in a worker, for the task submitted at ---\n${callerStack}`
  return error
}

function classFor(error: Error): string {
  if (error instanceof AggregateError) return 'AggregateError'
  // The nearest class on the prototype chain that the other side revives: a user's subclass of
  // TypeError is still a TypeError there (and an `Error` subclass an `Error`).
  for (
    let proto: unknown = Object.getPrototypeOf(error);
    typeof proto === 'object' && proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name
    if (typeof name === 'string' && Object.hasOwn(classes, name)) {
      if (classes[name]?.prototype === proto) return name
    }
  }
  return 'Error'
}

/** A plain object from a runtime that lost the class (tinypool's process runtime does this). */
function looksLikeError(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { stack?: unknown }).stack === 'string'
  )
}

function cloneable(value: unknown): boolean {
  switch (typeof value) {
    case 'function':
    case 'symbol':
      return false
    case 'object':
      if (value === null) return true
      try {
        structuredClone(value)
        return true
      } catch {
        return false
      }
    default:
      return true
  }
}
