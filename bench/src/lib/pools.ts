/**
 * Every pool in the comparison behind one small interface: create with N workers, call a bench
 * task by name with one argument, close. Each adapter uses its library the way its README
 * shows, with default options except the worker count.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import {
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  type PoolExecutor,
  type TaskRef,
} from '@concurrent/executors'
import { Piscina } from 'piscina'
import { FixedClusterPool, FixedThreadPool } from 'poolifier'
import Tinypool from 'tinypool'
import workerpool from 'workerpool'

import { tasks, tasksUrl, workerFile, type BenchTasks } from './tasks.js'

export type Runtime = 'thread' | 'process'
export type TaskName = keyof BenchTasks
type Arg<K extends TaskName> = Parameters<BenchTasks[K]>[0]
type Result<K extends TaskName> = ReturnType<BenchTasks[K]>

/** A pool of any library, as the scenarios drive it. */
export interface BenchPool {
  call<K extends TaskName>(task: K, arg: Arg<K>): PromiseLike<Result<K>>
  close(): Promise<void>
}

/** How to make one contender's pool. */
export interface PoolKind {
  /** The name in the tables, e.g. `tinypool (threads)`. */
  readonly name: string
  readonly library: 'ours' | 'tinypool' | 'piscina' | 'workerpool' | 'poolifier'
  readonly runtime: Runtime
  create(workers: number): BenchPool
}

/** Our executors; `executor` is there for what only they have (map, cancel). */
export interface OurPool extends BenchPool {
  readonly executor: PoolExecutor
}

export function ours(runtime: Runtime, workers: number): OurPool {
  const executor =
    runtime === 'thread'
      ? new ThreadPoolExecutor({ maxWorkers: workers })
      : new ProcessPoolExecutor({ maxWorkers: workers })
  return {
    executor,
    call: (task, arg) => {
      const ref = tasks[task] as unknown as TaskRef<[unknown], never>
      return executor.submit(ref, arg)
    },
    close: () => executor.shutdown(),
  }
}

function tinypool(runtime: Runtime, workers: number): BenchPool {
  const pool = new Tinypool({
    filename: tasksUrl.href,
    runtime: runtime === 'thread' ? 'worker_threads' : 'child_process',
    minThreads: workers,
    maxThreads: workers,
  })
  return {
    call: (task, arg) => pool.run(arg, { name: task }) as Promise<never>,
    close: () => pool.destroy(),
  }
}

function piscina(workers: number): BenchPool {
  const pool = new Piscina({ filename: tasksUrl.href, minThreads: workers, maxThreads: workers })
  return {
    call: (task, arg) => pool.run(arg, { name: task }) as Promise<never>,
    close: () => pool.destroy(),
  }
}

function workerpoolOf(runtime: Runtime, workers: number): BenchPool {
  const pool = workerpool.pool(fileURLToPath(workerFile('workerpool-worker.mjs')), {
    minWorkers: workers,
    maxWorkers: workers,
    workerType: runtime === 'thread' ? 'thread' : 'process',
  })
  return {
    call: (task, arg) => pool.exec(task, [arg]) as PromiseLike<never>,
    close: async () => {
      await pool.terminate()
    },
  }
}

function poolifier(runtime: Runtime, workers: number): BenchPool {
  const pool =
    runtime === 'thread'
      ? new FixedThreadPool<unknown, unknown>(
          workers,
          fileURLToPath(workerFile('poolifier-thread-worker.mjs')),
        )
      : new FixedClusterPool<unknown, unknown>(
          workers,
          fileURLToPath(workerFile('cjs/poolifier-cluster-worker.js')),
        )
  return {
    call: (task, arg) => pool.execute(arg, task) as Promise<never>,
    close: async () => {
      // poolifier's destroy() now and then never settles (seen here with its thread pool, about
      // one run in ten): give it a bound, then end its workers ourselves, and say so.
      const destroyed = pool.destroy().then(() => true)
      let timer: NodeJS.Timeout | undefined
      const bound = new Promise<false>((resolve) => (timer = setTimeout(resolve, 2_000, false)))
      const settled = await Promise.race([destroyed, bound])
      clearTimeout(timer)
      if (settled) return
      hangs.poolifierDestroy++
      await Promise.all(
        pool.workerNodes.map(async (node) => {
          const worker = node.worker as { terminate?: () => Promise<number>; kill?: () => void }
          if (worker.terminate !== undefined) await worker.terminate()
          else worker.kill?.()
        }),
      )
    },
  }
}

/** Closes that did not settle and were forced; scenarios report them as notes. */
export const hangs = { poolifierDestroy: 0 }

/** The notes a scenario adds for the hangs it saw. */
export function hangNotes(): string[] {
  return hangs.poolifierDestroy === 0
    ? []
    : [
        `poolifier's destroy() did not settle within 2 s ${hangs.poolifierDestroy} time(s) in this scenario; the bench then terminated its workers itself (its shutdown figures include those 2 s).`,
      ]
}

export const poolKinds = {
  oursThreads: {
    name: 'ours ThreadPoolExecutor',
    library: 'ours',
    runtime: 'thread',
    create: (n) => ours('thread', n),
  },
  tinypoolThreads: {
    name: 'tinypool (threads)',
    library: 'tinypool',
    runtime: 'thread',
    create: (n) => tinypool('thread', n),
  },
  piscina: { name: 'piscina', library: 'piscina', runtime: 'thread', create: piscina },
  poolifierThreads: {
    name: 'poolifier (threads)',
    library: 'poolifier',
    runtime: 'thread',
    create: (n) => poolifier('thread', n),
  },
  workerpoolThreads: {
    name: 'workerpool (threads)',
    library: 'workerpool',
    runtime: 'thread',
    create: (n) => workerpoolOf('thread', n),
  },
  oursProcesses: {
    name: 'ours ProcessPoolExecutor',
    library: 'ours',
    runtime: 'process',
    create: (n) => ours('process', n),
  },
  tinypoolProcesses: {
    name: 'tinypool (child_process)',
    library: 'tinypool',
    runtime: 'process',
    create: (n) => tinypool('process', n),
  },
  poolifierProcesses: {
    name: 'poolifier (cluster)',
    library: 'poolifier',
    runtime: 'process',
    create: (n) => poolifier('process', n),
  },
  workerpoolProcesses: {
    name: 'workerpool (process)',
    library: 'workerpool',
    runtime: 'process',
    create: (n) => workerpoolOf('process', n),
  },
} satisfies Record<string, PoolKind>

/** The pools of one runtime, ours first, then raw tinypool (the reference), then the peers. */
export function kindsOf(runtime: Runtime): PoolKind[] {
  return Object.values(poolKinds).filter((kind: PoolKind) => kind.runtime === runtime)
}

/** The installed version of a dependency of the bench. */
export function versionOf(name: string): string {
  const path = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url))
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
}
