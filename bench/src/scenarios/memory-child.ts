/**
 * One memory measurement, in a process of its own so that its peak RSS is its alone: `map` of
 * `x + 1` over a lazy input of N integers, consumed as the results arrive. Prints
 * `{ peakRssMb, ms }`. Worker threads share this process, so their memory counts; worker
 * processes do not (what they hold is a chunk at a time either way).
 *
 * Usage: node memory-child.js <baseline|thread|process> <n> <chunksize> <buffersize|none>
 */
import { ProcessPoolExecutor, ThreadPoolExecutor } from '@concurrent/executors'

import { tasks } from '../lib/tasks.js'

const [runner = 'baseline', n = '1000000', chunksize = '1000', buffersize = 'none'] =
  process.argv.slice(2)
const count = Number(n)

function* inputs(): Generator<number> {
  for (let i = 0; i < count; i++) yield i
}

const start = performance.now()
let total = 0
if (runner === 'baseline') {
  for (const x of inputs()) total += x + 1
} else {
  const executor =
    runner === 'thread'
      ? new ThreadPoolExecutor({ maxWorkers: 2 })
      : new ProcessPoolExecutor({ maxWorkers: 2 })
  const options = {
    chunksize: Number(chunksize),
    ...(buffersize === 'none' ? {} : { buffersize: Number(buffersize) }),
  }
  for await (const value of executor.map(tasks.addOne, inputs(), options)) total += value
  await executor.shutdown()
}
const ms = performance.now() - start
if (total !== (count * (count + 1)) / 2) throw new Error(`wrong total ${total}`)
process.stdout.write(
  `${JSON.stringify({ peakRssMb: process.resourceUsage().maxRSS / 1024, ms })}\n`,
)
