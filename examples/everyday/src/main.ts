// main.ts
import {
  ThreadPoolExecutor,
  ProcessPoolExecutor,
  taskModule,
  asCompleted,
  wait,
} from '@concurrent/executors'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

await using pool = new ThreadPoolExecutor() // maxWorkers defaults to os.availableParallelism()
const f = pool.submit(tasks.isPrime, 97) // Future<boolean>, fully typed args and result
console.log(await f) // a Future is PromiseLike: true

let primes = 0
for await (const ok of pool.map(tasks.isPrime, range(1, 100_001), { chunksize: 1000 })) {
  if (ok) primes++ // results arrive in input order
}
console.log(primes) // 9592

const futures = [2, 3, 5].map((n) => pool.submit(tasks.isPrime, n))
for await (const done of asCompleted(futures, { timeout: 5_000 })) console.log(await done.result())
const { done, notDone } = await wait(futures, { returnWhen: 'FIRST_EXCEPTION' })
console.log(done.size, notDone.size) // 3 0

// inline, self-contained functions also work (shipped by source; no closures)
console.log(await pool.submit((a: number, b: number) => a + b, 1, 2)) // 3

// the same API on child processes; a data: URL keeps this example offline
await using processes = new ProcessPoolExecutor({ maxWorkers: 1 })
console.log(await processes.submit(tasks.fetchAndHash, 'data:text/plain,hello')) // 2cf24dba…

function* range(start: number, stop: number): Generator<number> {
  for (let n = start; n < stop; n++) yield n
}
