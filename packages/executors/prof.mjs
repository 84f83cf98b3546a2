import { ThreadPoolExecutor, ProcessPoolExecutor } from '@concurrent/executors'
import { taskModule } from '@concurrent/worker'
const tasks = taskModule('file:///tmp/rep/tasks.mjs')
const pool = new (process.argv[2] === 'p' ? ProcessPoolExecutor : ThreadPoolExecutor)({ maxWorkers: 2 })
await Promise.all([pool.submit(tasks.inc, 1), pool.submit(tasks.inc, 1)])
for (let round = 0; round < 8; round++) {
  const t0 = performance.now()
  const fs = []
  for (let i = 0; i < 20000; i++) fs.push(pool.submit(tasks.inc, i))
  const r = await Promise.all(fs)
  const t = performance.now() - t0
  console.log(((t * 1000) / 20000).toFixed(1), 'us/task')
}
await pool.shutdown()
