/**
 * The seeds' `Pool` examples:
 *
 * ```python
 * with Pool(5) as p:  # Pool of 5 processes
 *     results = p.map(square, range(10))
 * print(results)
 *
 * numbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
 * pool = multiprocessing.Pool(processes=4)
 * squared_numbers = pool.map(square, numbers)
 * print(squared_numbers)
 * ```
 *
 * `await using` is Python's `with`: the pool is terminated at the end of the block, so the
 * results are awaited inside it. The second pool is closed and joined by hand, as Python's
 * should be.
 */
import { Pool, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

let results: number[]
{
  await using p = new Pool(5) // Pool of 5 processes
  results = await p.map(tasks.square, range(10))
}
console.log(`[${results.join(', ')}]`) // as Python prints a list

const numbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
const pool = new Pool({ processes: 4 })
const squaredNumbers = await pool.map(tasks.squarePower, numbers)
pool.close()
await pool.join()
console.log(`[${squaredNumbers.join(', ')}]`)

const expected = JSON.stringify([range(10).map((n) => n * n), numbers.map((n) => n * n)])
if (JSON.stringify([results, squaredNumbers]) !== expected) {
  console.error('Unexpected results')
  process.exitCode = 1
}
