/** A producer and a consumer, talking through a queue they were both given. */
import type { Queue } from '@concurrent/multiprocessing'

/** Puts ten numbers on the queue, then `null` to say there are no more. */
export async function producer(queue: Queue<number | null>): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await queue.put(i)
    console.log(`Produced ${i}`)
  }
  await queue.put(null)
}

/** Takes numbers until the `null`; reports each square on `results`. */
export async function consumer(queue: Queue<number | null>, results: Queue<number>): Promise<void> {
  for (;;) {
    const item = await queue.get()
    if (item === null) break
    console.log(`Consumed ${item}`)
    await results.put(item * item)
  }
}
