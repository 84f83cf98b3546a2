/**
 * Executor factories for the shared conformance suite (CPython's `create_executor_tests`):
 * every executor is tested through the same cases.
 */
import {
  AsyncExecutor,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  type ExecutorOptions,
  type PoolExecutor,
} from '@concurrent/executors'

export interface ExecutorFactory {
  readonly name: 'ThreadPoolExecutor' | 'ProcessPoolExecutor' | 'AsyncExecutor'
  /** Whether tasks run in other threads or processes (arguments are copied; closures fail). */
  readonly isolated: boolean
  /** A property, not a method, so `({ create }) =>` destructures it without losing `this`. */
  readonly create: (options?: ExecutorOptions) => PoolExecutor
}

export const executorFactories: readonly ExecutorFactory[] = [
  {
    name: 'ThreadPoolExecutor',
    isolated: true,
    create: (options) => new ThreadPoolExecutor(options),
  },
  {
    name: 'ProcessPoolExecutor',
    isolated: true,
    create: (options) => new ProcessPoolExecutor(options),
  },
  { name: 'AsyncExecutor', isolated: false, create: (options) => new AsyncExecutor(options) },
]

/** Worker backends not yet destroyed in this process: a test file must end with none. */
export function liveBackends(): number {
  const live = (globalThis as { [key: symbol]: Set<unknown> | undefined })[
    Symbol.for('concurrent.liveBackends')
  ]
  return live?.size ?? 0
}
