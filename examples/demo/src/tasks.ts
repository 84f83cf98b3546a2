/**
 * The demo's task module: plain TypeScript, no framework imports. The workers import it by URL
 * (`taskModule` in main.ts); the serial run imports it directly.
 */

/** Trial division by the odd numbers up to √n: CPU-bound, no I/O, no shared state. */
export function isPrime(n: number): boolean {
  if (n < 2) return false
  if (n % 2 === 0) return n === 2
  for (let i = 3; i * i <= n; i += 2) if (n % i === 0) return false
  return true
}

/** How many primes there are in `[start, end)`: one chunk of the range, one task. */
export function countPrimes(start: number, end: number): number {
  let count = 0
  for (let n = start; n < end; n++) if (isPrime(n)) count++
  return count
}
