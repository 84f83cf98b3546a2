/**
 * The seeds' factorial example:
 *
 * ```python
 * values = [10000, 20000, 30000, 40000, 50000]
 * with multiprocessing.Pool() as pool:
 *     results = pool.map(calculate_factorial, values)
 * ```
 *
 * Python's integers are unbounded; JavaScript's are `bigint`s, which cross to worker processes
 * and back as they are. `Pool()` has one process per CPU, as Python's does.
 */
import { cpuCount, Pool, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const values = [10000, 20000, 30000, 40000, 50000]

const started = performance.now()
let results: bigint[]
{
  await using pool = new Pool()
  results = await pool.map(tasks.calculateFactorial, values)
}
console.log(
  `${values.length} factorials on ${cpuCount()} processes in ${(performance.now() - started).toFixed(0)} ms`,
)

const digits = results.map((result) => result.toString().length)
values.forEach((n, i) => {
  console.log(`${n}! has ${digits[i]} digits`)
})

// math.factorial(10000) has 35660 digits, …, math.factorial(50000) has 213237.
const expected = [35660, 77338, 121288, 166714, 213237]
if (digits.join() !== expected.join()) {
  console.error(`Expected ${expected.join(', ')} digits`)
  process.exitCode = 1
}
