/**
 * The seeds' prime example:
 *
 * ```python
 * numbers = list(range(1, 100_001))
 * # processes=4 uses 4 CPU cores in parallel
 * with Pool(processes=4) as pool:
 *     results = pool.map(is_prime, numbers)
 * primes = [n for n, p in zip(numbers, results) if p]
 * print(f"Found {len(primes)} primes up to 100,000")
 * # Found 9592 primes up to 100,000
 * ```
 *
 * `map` picks the chunksize as Python's does (here 100,000 / (4 × 4) = 6,250 numbers per task),
 * so the 100,000 calls cost four round trips per worker, not 100,000.
 */
import { Pool, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const numbers = Array.from({ length: 100_000 }, (_, i) => i + 1)

let results: boolean[]
{
  // processes: 4 uses 4 CPU cores in parallel
  await using pool = new Pool({ processes: 4 })
  results = await pool.map(tasks.isPrime, numbers)
}
const primes = numbers.filter((_, i) => results[i])
console.log(`Found ${primes.length.toLocaleString('en-US')} primes up to 100,000`)

if (primes.length !== 9_592) process.exitCode = 1
