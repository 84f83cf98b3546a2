/**
 * The one codec for errors crossing a worker boundary, in both directions.
 *
 * Structured clone is not trusted with errors: it drops own properties and flattens classes.
 * This codec keeps the `name`, `message`, `stack`, own enumerable properties (each either
 * cloneable or turned into a string) and the `cause` chain (with a cycle guard). An error whose
 * class is in the class registry (built-in errors, this library's, and any the user registered)
 * is revived as that class, recognised in whichever copy of its module made it; a subclass of
 * one as that class; anything else as an `Error`, always with the original `name`. When
 * decoding, the worker's stack is joined to the stack of the call that submitted the task, the
 * way CPython's `_rebuild_exc` hangs the remote traceback on the exception it re-raises.
 *
 * Encoding never throws: a thrown value that misbehaves (a `Proxy` whose traps throw, an error
 * whose `message` getter throws) is described instead. Decoding never throws either: it reads
 * what a worker sent, and a worker process's channel is open to its tasks.
 */
import { CancelledError } from '@concurrent/cancellation'
import {
  BrokenExecutorError,
  InvalidStateError,
  ShutdownError,
  TimeoutError,
  WorkerCrashedError,
} from '@concurrent/future'

import { registerClass, registeredClass, registeredClassOf } from '../class-registry.js'
import { DataCloneError, InlineTaskError, TaskNotFoundError, WorkerStartError } from '../errors.js'

/**
 * An error (or a thrown non-error) in a form that survives structured clone.
 *
 * @internal
 */
export type EncodedError =
  | {
      readonly kind: 'error'
      /** The registered id of its class, or of the nearest registered class it extends. */
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

for (const [ctor, id] of [
  [Error, 'Error'],
  [TypeError, 'TypeError'],
  [RangeError, 'RangeError'],
  [SyntaxError, 'SyntaxError'],
  [ReferenceError, 'ReferenceError'],
  [EvalError, 'EvalError'],
  [URIError, 'URIError'],
  [AggregateError, 'AggregateError'],
  [CancelledError, 'CancelledError'],
  [TimeoutError, 'TimeoutError'],
  [InvalidStateError, 'InvalidStateError'],
  [ShutdownError, 'ShutdownError'],
  [BrokenExecutorError, 'BrokenExecutorError'],
  [WorkerCrashedError, 'WorkerCrashedError'],
  [WorkerStartError, 'WorkerStartError'],
  [TaskNotFoundError, 'TaskNotFoundError'],
  [InlineTaskError, 'InlineTaskError'],
  [DataCloneError, 'DataCloneError'],
] as const) {
  registerClass(ctor as abstract new () => Error, { id })
}

const skipped = new Set(['name', 'message', 'stack', 'cause'])

/**
 * Encodes anything thrown so that it can be posted to another thread or process. Never
 * throws.
 *
 * @internal
 */
export function encodeError(thrown: unknown, seen = new Set<unknown>()): EncodedError {
  try {
    return encode(thrown, seen)
  } catch (failure) {
    // Described as a plain Error: the caller gets an error either way.
    const message = `${describeThrown(thrown)}, which could not be read (${readable(failure)})`
    return {
      kind: 'error',
      ctor: 'Error',
      name: 'Error',
      message,
      stack: undefined,
      props: {},
      cause: undefined,
      hasCause: false,
      errors: undefined,
    }
  }
}

function encode(thrown: unknown, seen: Set<unknown>): EncodedError {
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
    let value: unknown
    try {
      value = (error as unknown as Record<string, unknown>)[key]
    } catch (failure) {
      value = `(could not be read: ${readable(failure)})`
    }
    props[key] = cloneable(value) ? value : safeString(value)
  }
  const hasCause = 'cause' in error
  const encoded: EncodedError = {
    kind: 'error',
    ctor: isAggregate ? 'AggregateError' : (registeredClassOf(error)?.id ?? 'Error'),
    name: readField(error, 'name', 'Error'),
    message: readField(error, 'message', ''),
    stack: readStack(error),
    props,
    hasCause,
    cause: hasCause ? encodeError(readCause(error), seen) : undefined,
    errors: isAggregate ? errors.map((inner: unknown) => encodeError(inner, seen)) : undefined,
  }
  // `seen` guards against cycles only: an error reached again along another path (the same
  // error twice in an AggregateError) is encoded again, not lost.
  seen.delete(thrown)
  return encoded
}

/**
 * Rebuilds an error encoded by {@link encodeError}. `callerStack`, when given, is appended to
 * the worker's stack so one trace shows both sides. Never throws: a malformed encoding (from a
 * task writing to its worker's channel) gives an `Error` saying so.
 *
 * @internal
 */
export function decodeError(encoded: EncodedError, callerStack?: string): unknown {
  try {
    return decode(encoded, callerStack)
  } catch (failure) {
    return new Error(`a worker reported an error that could not be decoded: ${readable(failure)}`)
  }
}

function decode(encoded: EncodedError, callerStack?: string): unknown {
  switch (encoded.kind) {
    case 'value':
      return encoded.value
    case 'cycle':
      return undefined
    case 'error':
      break
  }
  const Class = (registeredClass(String(encoded.ctor))?.ctor ?? Error) as new () => Error
  const errors = Array.isArray(encoded.errors)
    ? (encoded.errors as readonly EncodedError[]).map((inner) => decodeError(inner))
    : undefined
  const message = String(encoded.message)
  const name = String(encoded.name)
  // Built with the base constructor and the class's prototype: the class's own constructor may
  // take other arguments, and every field it would set travels in `props` anyway.
  const error: Error =
    errors === undefined
      ? Reflect.construct<[string], Error>(Error, [message], Class)
      : new AggregateError(errors, message)
  if (typeof encoded.props === 'object' && encoded.props !== null) {
    for (const [key, value] of Object.entries(encoded.props)) {
      Object.defineProperty(error, key, {
        value,
        writable: true,
        configurable: true,
        enumerable: true,
      })
    }
  }
  if (error.name !== name) {
    Object.defineProperty(error, 'name', {
      value: name,
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
  const workerStack = typeof encoded.stack === 'string' ? encoded.stack : `${name}: ${message}`
  error.stack =
    callerStack === undefined
      ? workerStack
      : `${workerStack}\n    --- in a worker, for the task submitted at ---\n${callerStack}`
  return error
}

function readField(error: Error, key: 'name' | 'message', fallback: string): string {
  try {
    const value: unknown = error[key]
    return value === undefined ? fallback : safeString(value)
  } catch (failure) {
    return `(its ${key} could not be read: ${readable(failure)})`
  }
}

function readStack(error: Error): string | undefined {
  try {
    return typeof error.stack === 'string' ? error.stack : undefined
  } catch {
    return undefined
  }
}

function readCause(error: Error): unknown {
  try {
    return error.cause
  } catch (failure) {
    return `(its cause could not be read: ${readable(failure)})`
  }
}

/** A plain object from a runtime that lost the class. */
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

function safeString(value: unknown): string {
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** What was thrown, in words that cannot themselves throw. */
function describeThrown(thrown: unknown): string {
  if (thrown === null) return 'the task threw null'
  const type = typeof thrown
  if (type !== 'object' && type !== 'function') return `the task threw ${safeString(thrown)}`
  let tag: string
  try {
    tag = Object.prototype.toString.call(thrown)
  } catch {
    tag = '[object Proxy]'
  }
  return `the task threw ${type === 'function' ? 'a function' : `an object ${tag}`}`
}

function readable(failure: unknown): string {
  try {
    return failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure)
  } catch {
    return 'unreadable'
  }
}
