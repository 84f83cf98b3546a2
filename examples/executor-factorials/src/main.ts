/**
 * The seeds' factorials example, with an executor:
 *
 * ```python
 * values = [10000, 20000, 30000, 40000, 50000]
 * with multiprocessing.Pool() as pool:
 *     results = pool.map(calculate_factorial, values)
 * ```
 *
 * The results are `bigint`s of up to 213,237 digits; worker processes send them back with
 * Node's structured serialization, as Python pickles its ints.
 */
import { ProcessPoolExecutor, taskModule } from '@concurrent/executors'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const values = [10_000, 20_000, 30_000, 40_000, 50_000]

const results: bigint[] = []
{
  await using pool = new ProcessPoolExecutor()
  for await (const result of pool.map(tasks.calculateFactorial, values)) results.push(result)
}

values.forEach((n, i) => {
  const digits = String(results[i])
  console.log(`${n}! has ${digits.length.toLocaleString('en-US')} digits: ${digits.slice(0, 12)}…`)
})
