/**
 * A producer and a consumer process sharing a queue, the way Python's docs pair them:
 *
 * ```python
 * def producer(q):
 *     for i in range(10):
 *         q.put(i)
 *     q.put(None)
 *
 * def consumer(q, results):
 *     while (item := q.get()) is not None:
 *         results.put(item * item)
 *
 * q, results = Queue(maxsize=3), Queue()
 * p, c = Process(target=producer, args=(q,)), Process(target=consumer, args=(q, results))
 * p.start(); c.start()
 * p.join(); c.join()
 * ```
 *
 * The queue holds at most three items, so the producer waits for the consumer. Both run in
 * child processes; the queue's items live in this program, and each process reaches them
 * through its handle.
 */
import { Process, Queue, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const queue = new Queue<number | null>(3)
const results = new Queue<number>()

const p = new Process({ target: tasks.producer, args: [queue] })
const c = new Process({ target: tasks.consumer, args: [queue, results] })
void p.start()
void c.start()
await p.join()
await c.join()

const squares: number[] = []
while (!(await results.empty())) squares.push(await results.get())
console.log(`Squares, in order: ${squares.join(', ')}`)

const expected = Array.from({ length: 10 }, (_, i) => i * i)
if (squares.join() !== expected.join() || p.exitCode !== 0 || c.exitCode !== 0) {
  console.error(`Expected ${expected.join(', ')}`)
  process.exitCode = 1
}
