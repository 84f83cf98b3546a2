/**
 * The bench's task modules. They are plain JavaScript (`bench/workers/*.mjs`), so no worker of
 * any contender pays for a TypeScript loader at start-up; their types are declared here.
 */
import { taskModule } from '@concurrent/executors'

/** What `bench/workers/tasks.mjs` exports. */
export interface BenchTasks {
  addOne: (x: number) => number
  isPrime: (n: number) => boolean
  isPrimeRange: (range: readonly [number, number]) => boolean[]
  isPrimeList: (numbers: readonly number[]) => boolean[]
  addOneRange: (range: readonly [number, number]) => number[]
  sqrtSum: (n: number) => number
  factorial: (n: number) => bigint
  square: (n: number) => number
  spin: (ms: number) => number
}

/** What `bench/workers/cancel-tasks.mjs` exports. */
export interface CancelTasks {
  cooperativeSpin: (ms: number) => number
  cooperativeSpinAsync: (ms: number) => Promise<number>
}

const workers = new URL('../../workers/', import.meta.url)

/** The URL of a file in `bench/workers/`. */
export function workerFile(name: string): URL {
  return new URL(name, workers)
}

export const tasksUrl = workerFile('tasks.mjs')

/** Our typed references to the bench tasks. */
export const tasks = taskModule<BenchTasks>(tasksUrl)
export const cancelTasks = taskModule<CancelTasks>(workerFile('cancel-tasks.mjs'))

/** The same tasks, run in this thread: the serial baselines. */
export const local = (await import(tasksUrl.href)) as BenchTasks
