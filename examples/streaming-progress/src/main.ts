/**
 * `pool.stream(task, ...args)` runs an async generator task in a worker and hands back what it
 * yields, while it runs; `stream.future` is the task's future, which settles with the
 * generator's return value and carries the task's progress reports (`onProgress`). Leaving
 * the loop early interrupts the task.
 *
 * `--limit n` sets how far to look (default 5,000,000).
 */
import { parseArgs } from 'node:util'

import { ThreadPoolExecutor, taskModule } from '@concurrent/executors'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const { values } = parseArgs({
  // `pnpm start -- --limit n` passes the `--` on: skip it.
  args: process.argv.slice(2).filter((arg, index) => index > 0 || arg !== '--'),
  options: { limit: { type: 'string', default: '5000000' } },
})
const limit = Number(values.limit)

await using pool = new ThreadPoolExecutor()

console.log(`Twin primes below ${limit.toLocaleString('en-US')}, as the worker finds them:`)
const stream = pool.stream(tasks.twinPrimes, limit)
stream.future.onProgress((share) => console.log(`  scanned ${Number(share) * 100}%`))

const pairs: Array<[number, number]> = []
let whileRunning = false
for await (const pair of stream) {
  if (pairs.length === 0) whileRunning = !stream.future.done()
  pairs.push(pair)
}
const total = await stream.future
const shown = pairs.slice(0, 5).map(([p, q]) => `(${p}, ${q})`)
console.log(`First pairs: ${shown.join(' ')} … last: (${pairs.at(-1)?.join(', ')})`)
console.log(`The first pair arrived while the task was still running: ${whileRunning}`)
console.log(`The task returned ${total}; the loop received ${pairs.length} pairs.`)

console.log('\nLeaving the loop early interrupts the task:')
const endless = pool.stream(tasks.twinPrimes, Number.MAX_SAFE_INTEGER)
let taken = 0
for await (const [p, q] of endless) {
  console.log(`  (${p}, ${q})`)
  if (++taken === 3) break
}
try {
  await endless.future
} catch (error) {
  console.log(`  after break, its future rejected with ${(error as Error).name}`)
}
