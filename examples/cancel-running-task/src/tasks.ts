/**
 * Three tasks that run until they are stopped: one polls its token, one awaits with its
 * signal, one ignores both (so only terminating its worker stops it).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { threadId } from 'node:worker_threads'

import { currentSignal, currentToken, reportProgress } from '@concurrent/executors'

/**
 * Counts primes up to `limit`, checking its cancel token every 10,000 numbers. In a worker
 * thread the token is shared memory, so this synchronous loop sees a cancel at once, with no
 * `await` anywhere.
 */
export function countPrimes(limit: number): number {
  const token = currentToken()
  let count = 0
  for (let n = 2; n < limit; n++) {
    if (n % 10_000 === 0) {
      token.throwIfCancelled() // throws CancelledError: the worker is kept
      reportProgress(n)
    }
    let prime = true
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false
        break
      }
    }
    if (prime) count++
  }
  return count
}

/** Waits `ms` milliseconds, as a network call would; the signal aborts the wait. */
export async function slowCall(ms: number): Promise<string> {
  reportProgress('waiting')
  await sleep(ms, undefined, { signal: currentSignal() })
  return 'answered'
}

/** Spins for `ms` milliseconds and never looks at its token: uncooperative. */
export function spin(ms: number): number {
  reportProgress('spinning')
  const end = Date.now() + ms
  let turns = 0
  while (Date.now() < end) turns++
  return turns
}

/** Which worker thread runs the task. */
export function workerId(): number {
  return threadId
}
