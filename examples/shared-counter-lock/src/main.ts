/**
 * A shared counter with a lock:
 *
 * ```python
 * def add(counter, lock, times):
 *     for _ in range(times):
 *         with lock:
 *             counter.value += 1
 *
 * counter, lock = Value('i', 0), Lock()
 * workers = [Process(target=add, args=(counter, lock, 10_000)) for _ in range(4)]
 * for w in workers: w.start()
 * for w in workers: w.join()
 * print(counter.value)  # 40000
 * ```
 *
 * Shared memory needs workers that share memory: Node's worker threads do, child processes do
 * not. So these processes have `kind: 'thread'` (handing a `Lock` to a child process throws a
 * `DataCloneError` that says so). Without the lock, `counter.value += 1` — a read, then a write —
 * loses updates when two threads interleave, and the total falls short of 40000.
 */
import { Lock, Process, taskModule, Value } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const counter = Value('i', 0)
const lock = new Lock()
const workers = Array.from(
  { length: 4 },
  () => new Process({ target: tasks.add, args: [counter, lock, 10_000], kind: 'thread' }),
)
for (const w of workers) void w.start()
for (const w of workers) await w.join()
console.log(counter.value) // 40000

if (counter.value !== 40_000) process.exitCode = 1
