/**
 * Reports an error thrown by a user's callback without letting it break the library: the
 * callback's caller goes on, and the error reaches the user as a process warning (the way
 * CPython's futures log a failing done-callback instead of raising it).
 *
 * @internal
 */
export function reportCallbackError(error: unknown, origin: string): void {
  const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error)
  process.emitWarning(`${origin} threw; it was ignored: ${detail}`, {
    type: 'ConcurrentCallbackError',
    code: 'CONCURRENT_CALLBACK_ERROR',
  })
}
