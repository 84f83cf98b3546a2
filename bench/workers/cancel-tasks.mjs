// The cooperative task of the cancellation scenario: it polls its token, as a CPU-bound
// synchronous loop in a worker thread can (the token is shared memory, no event loop needed).
import { currentToken } from '@concurrent/executors'

/** Busy for `ms` milliseconds, checking its token on every iteration. */
export function cooperativeSpin(ms) {
  const token = currentToken()
  const end = performance.now() + ms
  let x = 0
  while (performance.now() < end) {
    token.throwIfCancelled()
    x++
  }
  return x
}

/**
 * Busy for `ms` milliseconds in slices of about a millisecond, yielding to the event loop
 * between slices and checking its token: how a task in a worker process (whose token is
 * cancelled by a message) cooperates.
 */
export async function cooperativeSpinAsync(ms) {
  const token = currentToken()
  const end = performance.now() + ms
  let x = 0
  while (performance.now() < end) {
    const slice = performance.now() + 1
    while (performance.now() < slice) x++
    await new Promise((resolve) => setImmediate(resolve))
    token.throwIfCancelled()
  }
  return x
}
