// tasks.ts — the task module every worker host loads, by its path under the example's folder.
import { hostname } from 'node:os'

/** Counts the primes in [from, to), and says which host (and process) did it. */
export function countPrimes(from: number, to: number): { primes: number; host: string } {
  let primes = 0
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true
    for (let i = 2; i * i <= n; i++) {
      if (n % i === 0) {
        prime = false
        break
      }
    }
    if (prime) primes++
  }
  return { primes, host: `${hostname()}#${process.pid}` }
}
