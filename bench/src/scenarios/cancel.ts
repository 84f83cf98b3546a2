/**
 * Scenario 4, cancellation: a 1-worker pool runs a long task (1.5 s of busy work); 100 ms in, it
 * is cancelled, and the next task is submitted at once. Measured from the cancel call: until the
 * cancelled task's promise rejects, and until the next task's result arrives (the pool runs
 * again). Ours is measured with a task that polls its token (the worker is kept) and with one
 * that never yields (its worker is terminated after `gracePeriod`, here 0). The peers can only
 * abort by terminating the worker. Python cannot interrupt a running task at all.
 */
import { ProcessPoolExecutor, ThreadPoolExecutor, type PoolExecutor } from '@concurrent/executors'
import { Piscina } from 'piscina'
import { FixedClusterPool, FixedThreadPool } from 'poolifier'
import Tinypool from 'tinypool'
import workerpool from 'workerpool'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

import type { Contender } from '../lib/harness.js'
import { interleave } from '../lib/harness.js'
import { parseOptions } from '../lib/options.js'
import { pythonVersion } from '../lib/python.js'
import { emit, type Ratio, type Table } from '../lib/result.js'
import { cancelTasks, tasks, tasksUrl, workerFile } from '../lib/tasks.js'

const options = parseOptions()
const started = performance.now()
const longMs = options.quick ? 300 : 1_500
const cancelAfterMs = options.quick ? 50 : 100

/** One pool, ready to run the long task, cancel it and run the next one. */
interface Subject {
  /** Starts the long task; the promise settles when it ends. */
  long(): PromiseLike<unknown>
  cancel(): void
  next(): PromiseLike<unknown>
  close(): Promise<void>
}

function contender(name: string, create: () => Promise<Subject>): Contender {
  return {
    name,
    run: async () => {
      const subject = await create()
      try {
        let interrupted = 0
        const long = Promise.resolve(subject.long()).then(
          () => performance.now(),
          () => ((interrupted = 1), performance.now()),
        )
        await sleep(cancelAfterMs)
        const start = performance.now()
        subject.cancel()
        const next = Promise.resolve(subject.next()).then(() => performance.now())
        const [rejected, nextDone] = await Promise.all([long, next])
        return { rejectMs: rejected - start, nextMs: nextDone - start, interrupted }
      } finally {
        await subject.close()
      }
    },
  }
}

async function oursSubject(
  runtime: 'thread' | 'process',
  cooperative: boolean,
  gracePeriod?: number,
): Promise<Subject> {
  const executor: PoolExecutor =
    runtime === 'thread'
      ? new ThreadPoolExecutor({
          maxWorkers: 1,
          ...(gracePeriod === undefined ? {} : { gracePeriod }),
        })
      : new ProcessPoolExecutor({
          maxWorkers: 1,
          ...(gracePeriod === undefined ? {} : { gracePeriod }),
        })
  // Both resolve to a number; one is synchronous, the other yields between slices.
  const longTask =
    runtime === 'thread'
      ? cancelTasks.cooperativeSpin
      : (cancelTasks.cooperativeSpinAsync as unknown as typeof cancelTasks.cooperativeSpin)
  // Warm: the worker started, both task modules loaded.
  await executor.submit(tasks.addOne, 1)
  await executor.submit(longTask, 0)
  let future: ReturnType<PoolExecutor['submit']> | undefined
  return {
    long: () =>
      (future = cooperative
        ? executor.submit(longTask, longMs)
        : executor.submit(tasks.spin, longMs)),
    cancel: () => future?.cancel({ interrupt: true }),
    next: () => executor.submit(tasks.addOne, 1),
    close: () => executor.shutdown(),
  }
}

async function tinypoolSubject(runtime: 'thread' | 'process'): Promise<Subject> {
  const pool = new Tinypool({
    filename: tasksUrl.href,
    runtime: runtime === 'thread' ? 'worker_threads' : 'child_process',
    minThreads: 1,
    maxThreads: 1,
  })
  await pool.run(1, { name: 'addOne' })
  const controller = new AbortController()
  return {
    long: () => pool.run(longMs, { name: 'spin', signal: controller.signal }) as Promise<unknown>,
    cancel: () => controller.abort(),
    next: () => pool.run(1, { name: 'addOne' }) as Promise<unknown>,
    close: () => pool.destroy(),
  }
}

async function piscinaSubject(): Promise<Subject> {
  const pool = new Piscina({ filename: tasksUrl.href, minThreads: 1, maxThreads: 1 })
  await pool.run(1, { name: 'addOne' })
  const controller = new AbortController()
  return {
    long: () => pool.run(longMs, { name: 'spin', signal: controller.signal }) as Promise<unknown>,
    cancel: () => controller.abort(),
    next: () => pool.run(1, { name: 'addOne' }) as Promise<unknown>,
    close: () => pool.destroy(),
  }
}

async function workerpoolSubject(runtime: 'thread' | 'process'): Promise<Subject> {
  const pool = workerpool.pool(fileURLToPath(workerFile('workerpool-worker.mjs')), {
    minWorkers: 1,
    maxWorkers: 1,
    workerType: runtime,
  })
  await pool.exec('addOne', [1])
  let long: ReturnType<typeof pool.exec> | undefined
  return {
    long: () => (long = pool.exec('spin', [longMs])),
    cancel: () => void long?.cancel(),
    next: () => pool.exec('addOne', [1]),
    close: async () => {
      await pool.terminate()
    },
  }
}

async function poolifierSubject(runtime: 'thread' | 'process'): Promise<Subject> {
  const pool =
    runtime === 'thread'
      ? new FixedThreadPool<unknown, unknown>(
          1,
          fileURLToPath(workerFile('poolifier-thread-worker.mjs')),
        )
      : new FixedClusterPool<unknown, unknown>(
          1,
          fileURLToPath(workerFile('cjs/poolifier-cluster-worker.js')),
        )
  await pool.execute(1, 'addOne')
  const controller = new AbortController()
  return {
    long: () => pool.execute(longMs, 'spin', controller.signal),
    cancel: () => controller.abort(),
    next: () => pool.execute(1, 'addOne'),
    close: async () => {
      const bound = sleep(2_000)
      await Promise.race([pool.destroy(), bound])
    },
  }
}

async function table(runtime: 'thread' | 'process'): Promise<Table> {
  const label = runtime === 'thread' ? 'threads' : 'processes'
  const ours = runtime === 'thread' ? 'ThreadPoolExecutor' : 'ProcessPoolExecutor'
  const cooperation = runtime === 'thread' ? 'polls its token' : 'yields and checks its token'
  const tinypool = runtime === 'thread' ? 'tinypool (threads)' : 'tinypool (child_process)'
  const contenders: Contender[] = [
    contender(`ours ${ours}, task ${cooperation}`, () => oursSubject(runtime, true)),
    contender(`ours ${ours}, task never yields (gracePeriod 0)`, () =>
      oursSubject(runtime, false, 0),
    ),
    contender(tinypool, () => tinypoolSubject(runtime)),
    ...(runtime === 'thread' ? [contender('piscina', piscinaSubject)] : []),
    contender(`poolifier (${runtime === 'thread' ? 'threads' : 'cluster'})`, () =>
      poolifierSubject(runtime),
    ),
    contender(`workerpool (${runtime})`, () => workerpoolSubject(runtime)),
  ]
  const ratios: Ratio[] = [
    { label: '× tinypool (next result)', key: 'nextMs', reference: tinypool, kind: 'time' },
  ]
  return {
    id: `cancel-${label}`,
    title: `Cancelling a running task, ${label}`,
    description: `1 worker; a ${longMs / 1000} s busy task cancelled ${cancelAfterMs} ms in (ours: \`future.cancel({ interrupt: true })\`; tinypool, piscina, poolifier: \`AbortSignal\`; workerpool: \`promise.cancel()\`), the next task submitted at once. "interrupted" is the share of runs in which the long task's promise rejected rather than ran to the end. The peers all terminate the worker; ours keeps it when the task cooperates.`,
    columns: [
      { key: 'rejectMs', label: 'cancel → rejected', unit: 'ms', digits: 2 },
      { key: 'nextMs', label: 'cancel → next result', unit: 'ms', digits: 1 },
      { key: 'interrupted', label: 'interrupted', unit: '', digits: 0 },
    ],
    ratios,
    rows: await interleave(contenders, { ...options, label: `cancel-${label}`, timeout: 30_000 }),
  }
}

const tables = [await table('thread'), await table('process')]
emit({
  scenario: 'cancel',
  title: 'Cancellation',
  quick: options.quick,
  warmup: options.warmup,
  rounds: options.rounds,
  workers: 1,
  notes: [
    pythonVersion() === undefined
      ? 'python3 was not found: the Python contenders were skipped'
      : 'Python is not in this scenario: `Future.cancel()` returns False once a task runs, and neither `concurrent.futures` nor `multiprocessing.Pool` can interrupt a running task (only `Pool.terminate()` the whole pool).',
    `Ours with the default gracePeriod (1000 ms) adds that second to the never-yielding row: the task gets it to stop by itself before its worker is terminated.`,
  ],
  tables,
  durationMs: performance.now() - started,
})
process.exit(0)
