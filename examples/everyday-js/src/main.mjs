// main.mjs — plain JavaScript, as Node 20 and 22 run it: they cannot parse `await using`, so
// each pool is shut down in `finally` instead
import { ProcessPoolExecutor, ThreadPoolExecutor, taskModule } from '@concurrent/executors'

/** @type {import('@concurrent/executors').TaskModule<typeof import('./tasks.mjs')>} */
const tasks = taskModule(new URL('./tasks.mjs', import.meta.url))

const pool = new ThreadPoolExecutor()
try {
  console.log(await pool.submit(tasks.isPrime, 97)) // true
  let primes = 0
  for await (const ok of pool.map(tasks.isPrime, range(1, 100_001), { chunksize: 1000 })) {
    if (ok) primes++
  }
  console.log(primes) // 9592
} finally {
  await pool.shutdown() // what `await using` does when the block ends
}

const processes = new ProcessPoolExecutor({ maxWorkers: 1 })
try {
  console.log(await processes.submit(tasks.isPrime, 91)) // false: 7 × 13
} finally {
  await processes.shutdown()
}

/** @param {number} start @param {number} stop */
function* range(start, stop) {
  for (let n = start; n < stop; n++) yield n
}
