/**
 * The executors' options, their defaults and their validation. Every check throws a
 * TypeError/RangeError naming the option, what it expects and what it got.
 */
import { availableParallelism } from 'node:os'

import { type Task } from '@concurrent/future'
import { checkInteger, checkTimeout, describe } from '@concurrent/future/internal'
import type { ResourceLimits } from '@concurrent/worker'

/**
 * Options every executor takes.
 *
 * @example
 * ```ts
 * import { AsyncExecutor } from '@concurrent/executors'
 *
 * const io = new AsyncExecutor({ maxWorkers: 16, maxQueue: 1_000, gracePeriod: 500 })
 * ```
 * @category Executors
 */
export interface ExecutorOptions {
  /**
   * How many tasks run at once: worker threads or processes for the pools (started on demand),
   * concurrent calls for {@link AsyncExecutor}.
   *
   * @defaultValue `os.availableParallelism()`
   */
  readonly maxWorkers?: number | undefined
  /**
   * How many tasks may wait in the queue for a worker. Past it, `submit` throws
   * {@link QueueFullError} at once (it never blocks); `map` and `starmap` read their input at
   * most `maxQueue + maxWorkers` units ahead unless given a smaller `buffersize`, so a map on
   * its own never overflows the queue.
   *
   * @defaultValue `Infinity`
   */
  readonly maxQueue?: number | undefined
  /**
   * Milliseconds an interrupted task (cancelled with `{ interrupt: true }`, timed out, or whose
   * signal aborted) gets to stop by itself before its worker is terminated and replaced.
   *
   * @defaultValue `1000`
   */
  readonly gracePeriod?: number | undefined
}

/**
 * Options of the worker pools ({@link ThreadPoolExecutor}, {@link ProcessPoolExecutor}).
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from '@concurrent/executors'
 *
 * const pool = new ThreadPoolExecutor({
 *   maxWorkers: 4,
 *   minWorkers: 1,
 *   idleTimeout: 10_000,
 *   initializer: tasks.loadModel,
 *   initargs: ['/models/small.bin'],
 *   maxTasksPerChild: 1_000,
 *   onWorkerCrash: 'replace',
 * })
 * ```
 * @category Executors
 */
export interface WorkerPoolOptions extends ExecutorOptions {
  /**
   * Workers kept alive even when idle.
   *
   * @defaultValue `0`
   */
  readonly minWorkers?: number | undefined
  /**
   * Milliseconds an idle worker above `minWorkers` lives before it exits. Idle workers never
   * keep the program alive.
   *
   * @defaultValue `30000`
   */
  readonly idleTimeout?: number | undefined
  /**
   * Runs once in every worker before its first task, with `initargs` (a task reference or a
   * self-contained function). If it throws, the executor becomes broken: that task and every
   * pending one fail with `BrokenExecutorError`, as in Python.
   *
   * @defaultValue none
   */
  readonly initializer?: Task<never[], unknown> | undefined
  /**
   * The arguments of `initializer`.
   *
   * @defaultValue `[]`
   */
  readonly initargs?: readonly unknown[] | undefined
  /**
   * Replace a worker after it has run this many tasks (Python's `max_tasks_per_child`); a
   * chunk of `map` counts as one task.
   *
   * @defaultValue `Infinity`
   */
  readonly maxTasksPerChild?: number | undefined
  /**
   * What a crashed worker (exit, uncaught error in a timer, out of memory, killed) does to the
   * executor. `'replace'`: only the task it was running fails, with `WorkerCrashedError`; the
   * worker is replaced. `'break'`: Python's behaviour — the executor becomes broken and every
   * pending task fails with `BrokenExecutorError`.
   *
   * @defaultValue `'replace'`
   */
  readonly onWorkerCrash?: 'replace' | 'break' | undefined
}

/**
 * Options of {@link ThreadPoolExecutor}.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from '@concurrent/executors'
 *
 * const pool = new ThreadPoolExecutor({ maxWorkers: 2, resourceLimits: { maxOldGenerationSizeMb: 128 } })
 * ```
 * @category Executors
 */
export interface ThreadPoolExecutorOptions extends WorkerPoolOptions {
  /**
   * Memory limits for each worker thread; a task that exceeds them crashes its worker (the
   * task fails with `WorkerCrashedError`, the worker is replaced).
   *
   * @defaultValue Node's defaults
   */
  readonly resourceLimits?: ResourceLimits | undefined
}

/**
 * Options of {@link ProcessPoolExecutor}.
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor } from '@concurrent/executors'
 *
 * const pool = new ProcessPoolExecutor({
 *   execArgv: ['--max-old-space-size=512'],
 *   env: { LOG_LEVEL: 'warn' },
 * })
 * ```
 * @category Executors
 */
export interface ProcessPoolExecutorOptions extends WorkerPoolOptions {
  /**
   * Node options for the worker processes (`['--max-old-space-size=512']`).
   *
   * @defaultValue the parent's `process.execArgv` (so a program run under `tsx` has workers
   * that load TypeScript too)
   */
  readonly execArgv?: readonly string[] | undefined
  /**
   * Extra environment variables for the worker processes, on top of the parent's.
   *
   * @defaultValue `{}`
   */
  readonly env?: Readonly<Record<string, string>> | undefined
  /**
   * Debug tasks under the inspector: each worker process listens on `host`, on a port of its
   * own — the lowest from `port` up that no other live worker of this pool holds, so with
   * `maxWorkers: 2` the workers take `port` and `port + 1`, and a replacement takes the port
   * its predecessor freed. Attach Chrome DevTools (`chrome://inspect`, add `host:port`) or
   * VS Code to the worker; the `concurrent:worker:start` channel reports each worker's port.
   * The inspector flags of `execArgv` (and `NODE_OPTIONS`) are replaced. `true` means
   * `{ host: '127.0.0.1', port: 9230 }`; keep the host on loopback: the inspector runs any
   * code it is sent.
   *
   * Without it, worker processes have no inspector, and never inherit the parent's
   * `--inspect` (a second listener on the parent's port would fail).
   *
   * @defaultValue none
   */
  readonly inspect?: boolean | InspectOptions | undefined
}

/**
 * Where {@link ProcessPoolExecutorOptions.inspect} puts the workers' inspectors.
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor } from '@concurrent/executors'
 *
 * // Workers listen on 127.0.0.1:9400, 127.0.0.1:9401, ...
 * await using pool = new ProcessPoolExecutor({ maxWorkers: 2, inspect: { port: 9400 } })
 * ```
 * @category Executors
 */
export interface InspectOptions {
  /**
   * The address the inspectors listen on.
   *
   * @defaultValue `'127.0.0.1'`
   */
  readonly host?: string | undefined
  /**
   * The first worker's port; the next live worker takes the next port up.
   *
   * @defaultValue `9230`
   */
  readonly port?: number | undefined
}

/**
 * Options of {@link AsyncExecutor}.
 *
 * @example
 * ```ts
 * import { AsyncExecutor } from '@concurrent/executors'
 *
 * await using io = new AsyncExecutor({ maxWorkers: 8 })
 * ```
 * @category Executors
 */
export type AsyncExecutorOptions = ExecutorOptions

const common = ['maxWorkers', 'maxQueue', 'gracePeriod'] as const
const pool = [
  ...common,
  'minWorkers',
  'idleTimeout',
  'initializer',
  'initargs',
  'maxTasksPerChild',
  'onWorkerCrash',
] as const

/** The options of each executor, by name. */
export const knownOptions = {
  ThreadPoolExecutor: [...pool, 'resourceLimits'],
  ProcessPoolExecutor: [...pool, 'execArgv', 'env', 'inspect'],
  AsyncExecutor: [...common],
} as const

/** Options with their defaults filled in. */
export interface ResolvedOptions {
  readonly maxWorkers: number
  readonly maxQueue: number
  readonly gracePeriod: number
  readonly minWorkers: number
  readonly idleTimeout: number
  readonly maxTasksPerChild: number | undefined
  readonly onWorkerCrash: 'replace' | 'break'
  readonly initargs: readonly unknown[]
  /** Processes: where the workers' inspectors listen. */
  readonly inspect: { readonly host: string; readonly port: number } | undefined
}

/** Validates `options` for the executor `name` and fills in the defaults. */
export function resolveOptions(
  name: keyof typeof knownOptions,
  options: ThreadPoolExecutorOptions & ProcessPoolExecutorOptions,
): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected ${name} options to be an object, got ${describe(options)}`)
  }
  const known: readonly string[] = knownOptions[name]
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `Unknown ${name} option \`${key}\`; the options are ${known.map((k) => `\`${k}\``).join(', ')}`,
      )
    }
  }
  checkInteger(options.maxWorkers, 'maxWorkers', 1)
  const maxWorkers = options.maxWorkers ?? availableParallelism()
  checkInteger(options.minWorkers, 'minWorkers', 0)
  const minWorkers = options.minWorkers ?? 0
  if (minWorkers > maxWorkers) {
    throw new RangeError(
      `Expected \`minWorkers\` to be at most \`maxWorkers\` (${maxWorkers}), got \`${minWorkers}\` (number)`,
    )
  }
  checkInteger(options.maxQueue, 'maxQueue', 0, { infinite: true })
  checkTimeout(options.gracePeriod, 'gracePeriod')
  checkTimeout(options.idleTimeout, 'idleTimeout')
  checkInteger(options.maxTasksPerChild, 'maxTasksPerChild', 1, { infinite: true })
  const { onWorkerCrash = 'replace' } = options
  if (onWorkerCrash !== 'replace' && onWorkerCrash !== 'break') {
    throw new TypeError(
      `Expected \`onWorkerCrash\` to be 'replace' or 'break', got ${describe(onWorkerCrash)}`,
    )
  }
  if (options.initargs !== undefined && !Array.isArray(options.initargs)) {
    throw new TypeError(`Expected \`initargs\` to be an array, got ${describe(options.initargs)}`)
  }
  if (options.execArgv !== undefined && !Array.isArray(options.execArgv)) {
    throw new TypeError(
      `Expected \`execArgv\` to be an array of strings, got ${describe(options.execArgv)}`,
    )
  }
  const inspect = resolveInspect(options.inspect, maxWorkers)
  const idleTimeout = options.idleTimeout ?? 30_000
  return {
    maxWorkers,
    minWorkers,
    maxQueue: options.maxQueue ?? Infinity,
    gracePeriod: options.gracePeriod ?? 1_000,
    // setTimeout cannot wait longer than 2^31-1 ms; beyond that it would fire at once.
    idleTimeout: Math.min(idleTimeout, 2 ** 31 - 1),
    maxTasksPerChild: options.maxTasksPerChild === Infinity ? undefined : options.maxTasksPerChild,
    onWorkerCrash,
    initargs: options.initargs ?? [],
    inspect,
  }
}

/** The `inspect` option, checked, with its defaults. */
function resolveInspect(
  inspect: ProcessPoolExecutorOptions['inspect'],
  maxWorkers: number,
): ResolvedOptions['inspect'] {
  if (inspect === undefined || inspect === false) return undefined
  if (inspect !== true && (typeof inspect !== 'object' || inspect === null)) {
    throw new TypeError(
      `Expected \`inspect\` to be true or an object { host, port }, got ${describe(inspect)}`,
    )
  }
  const { host = '127.0.0.1', port = 9230 } = inspect === true ? {} : inspect
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(
      `Expected \`inspect.host\` to be a host name or address, got ${describe(host)}`,
    )
  }
  const last = 65_535 - Math.min(maxWorkers, 65_535) + 1
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > last) {
    throw new RangeError(
      `Expected \`inspect.port\` to be an integer from 1 to ${last} (room for ${maxWorkers} workers' ports), got ${describe(port)}`,
    )
  }
  return { host, port }
}
