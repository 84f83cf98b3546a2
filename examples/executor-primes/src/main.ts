/**
 * The seeds' `Pool.map(is_prime, range(1, 100_001))`, with the executors:
 *
 * ```python
 * numbers = list(range(1, 100_001))
 * with Pool(processes=4) as pool:
 *     results = pool.map(is_prime, numbers)
 * primes = [n for n, p in zip(numbers, results) if p]
 * print(f"Found {len(primes)} primes up to 100,000")   # Found 9592 primes up to 100,000
 * ```
 *
 * `map` over an array picks a chunksize by itself, as `Pool.map` does. The same loop runs on the
 * main thread first: at about ten milliseconds in Node, this input is too little work for
 * workers to win, and the timings show it.
 */
import {
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  taskModule,
  type PoolExecutor,
} from '@concurrent/executors'

import { isPrime } from './tasks.js'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const numbers = Array.from({ length: 100_000 }, (_, i) => i + 1)

async function primesWith(pool: PoolExecutor): Promise<number[]> {
  const results: boolean[] = []
  for await (const result of pool.map(tasks.isPrime, numbers)) results.push(result)
  return numbers.filter((_, i) => results[i])
}

let started = performance.now()
const serial = numbers.filter(isPrime)
console.log(`main thread:           ${serial.length} primes in ${ms(started)}`)

const counts = new Set([serial.length])
for (const Pool of [ProcessPoolExecutor, ThreadPoolExecutor]) {
  started = performance.now()
  await using pool = new Pool({ maxWorkers: 4 }) // Pool(processes=4)
  const primes = await primesWith(pool)
  console.log(`${Pool.name.padEnd(22)} ${primes.length} primes in ${ms(started)} (with start-up)`)
  counts.add(primes.length)
}

if (counts.size !== 1 || !counts.has(9_592)) {
  console.error(`Expected 9592 primes every time, got ${[...counts].join(', ')}`)
  process.exitCode = 1
} else {
  console.log('Found 9592 primes up to 100,000')
}

function ms(since: number): string {
  return `${(performance.now() - since).toFixed(0)} ms`
}
