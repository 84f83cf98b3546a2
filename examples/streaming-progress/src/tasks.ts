/**
 * A streaming task: an async generator runs in a worker and each value it yields reaches the
 * caller while it still runs. It also reports how far it got with `reportProgress`.
 */
import { reportProgress } from '@concurrent/executors'

function isPrime(n: number): boolean {
  if (n < 2) return false
  if (n % 2 === 0) return n === 2
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false
  return true
}

/**
 * Yields every twin-prime pair `[p, p + 2]` below `limit`, reports the share of the range
 * scanned at every tenth of it, and returns how many pairs it found.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- `async function*` is what marks a streaming task; this one has nothing to await
export async function* twinPrimes(limit: number): AsyncGenerator<[number, number], number> {
  const step = Math.ceil(limit / 10)
  let found = 0
  for (let p = 3; p + 2 < limit; p += 2) {
    if (p % step < 2) reportProgress(Math.min(1, Math.round((p / limit) * 10) / 10))
    if (isPrime(p) && isPrime(p + 2)) {
      found++
      yield [p, p + 2]
    }
  }
  reportProgress(1)
  return found
}
