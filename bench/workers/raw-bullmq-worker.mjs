// The raw BullMQ contender's worker host: a BullMQ `Worker` that runs the bench's task
// functions itself, on its own thread, as a plain BullMQ user would write it. It takes the
// job's name as the function and `job.data.args` as its arguments.
//
// Usage: node raw-bullmq-worker.mjs REDIS_URL QUEUE CONCURRENCY
import { Worker } from 'bullmq'

import * as tasks from './tasks.mjs'

const [url, queue, concurrency] = process.argv.slice(2)
const worker = new Worker(queue, async (job) => tasks[job.name](...job.data.args), {
  connection: { url },
  concurrency: Number(concurrency),
})
worker.on('error', (error) => process.stderr.write(`raw-bullmq-worker: ${error.message}\n`))
await worker.waitUntilReady()
process.stdout.write('taking tasks\n')
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)))
