/**
 * Two plain `worker_threads` with no pool library, fed the same chunks: the floor for what
 * threads can do on this machine (issue 7's reference for `map(isPrime, …)`).
 */
import { Worker } from 'node:worker_threads'

import type { BenchPool } from './pools.js'
import { workerFile } from './tasks.js'

interface Reply {
  readonly id: number
  readonly value: unknown
}

export function plainThreads(workers: number): BenchPool {
  const threads = Array.from({ length: workers }, () => new Worker(workerFile('plain-worker.mjs')))
  const pending = new Map<number, (value: unknown) => void>()
  const idle = [...threads]
  const queue: Array<{ id: number; name: string; arg: unknown }> = []
  let nextId = 0
  const dispatch = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()
      const message = queue.shift()
      if (worker !== undefined && message !== undefined) worker.postMessage(message)
    }
  }
  for (const worker of threads) {
    worker.on('message', ({ id, value }: Reply) => {
      idle.push(worker)
      dispatch()
      pending.get(id)?.(value)
      pending.delete(id)
    })
  }
  return {
    call: (name, arg) =>
      new Promise<never>((resolve) => {
        const id = nextId++
        pending.set(id, resolve as (value: unknown) => void)
        queue.push({ id, name, arg })
        dispatch()
      }),
    close: async () => {
      await Promise.all(threads.map((worker) => worker.terminate()))
    },
  }
}
