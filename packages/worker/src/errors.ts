import { markClass } from './class-registry.js'

/**
 * A task reference that does not lead to a function: the module cannot be found or loaded, or
 * it has no function export of that name. Raised at `taskModule()` or `submit` when it can be
 * known there, otherwise by the worker when it first looks the task up.
 *
 * @example
 * ```ts
 * import { TaskNotFoundError } from '@concurrent/worker'
 *
 * try {
 *   await pool.submit(tasks.misspelled)
 * } catch (error) {
 *   if (error instanceof TaskNotFoundError) console.error(error.moduleUrl, error.exportName)
 * }
 * ```
 * @category Errors
 */
export class TaskNotFoundError extends Error {
  override readonly name = 'TaskNotFoundError'
  /** The module the task was looked up in. */
  readonly moduleUrl: string
  /** The export that was asked for (`undefined` when the module itself is missing). */
  readonly exportName: string | undefined

  /**
   * @param message - what is missing and how to fix it.
   * @param where - the module URL and export name.
   * @param options - `cause` carries the loader's own error, when there was one.
   */
  constructor(
    message: string,
    where: { moduleUrl: string; exportName?: string | undefined },
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.moduleUrl = where.moduleUrl
    this.exportName = where.exportName
  }
}

/**
 * An inline function cannot be shipped to a worker: it uses variables from the scope around it
 * (a closure), or it is not a self-contained function expression (a bound or native function,
 * a class, a method). Thrown by `submit` at the call site.
 *
 * @example
 * ```ts
 * import { InlineTaskError } from '@concurrent/worker'
 *
 * const factor = 3
 * try {
 *   pool.submit((n: number) => n * factor, 2)
 * } catch (error) {
 *   if (error instanceof InlineTaskError) console.error(error.variables) // ['factor']
 * }
 * ```
 * @category Errors
 */
export class InlineTaskError extends TypeError {
  override readonly name = 'InlineTaskError'
  /** The outer variables the function uses (empty when the problem is its form). */
  readonly variables: readonly string[]

  /**
   * @param message - what is wrong and how to fix it.
   * @param variables - the outer variables the function uses.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message: string, variables: readonly string[] = [], options?: ErrorOptions) {
    super(message, options)
    this.variables = variables
  }
}

/**
 * An argument cannot be sent to a worker: structured clone cannot copy it (a function, a
 * symbol, a socket, a class instance holding native handles). Thrown by `submit` at the call
 * site when the check there finds it, otherwise the task's future rejects with it.
 *
 * @example
 * ```ts
 * import { DataCloneError } from '@concurrent/worker'
 *
 * try {
 *   pool.submit(tasks.process, { onDone: () => {} })
 * } catch (error) {
 *   if (error instanceof DataCloneError) console.error(error.message) // names argument 1
 * }
 * ```
 * @category Errors
 */
export class DataCloneError extends TypeError {
  override readonly name = 'DataCloneError'
  /** The 0-based index of the offending argument, when known. */
  readonly argumentIndex: number | undefined

  /**
   * @param message - which argument, what it holds, and how to fix it.
   * @param argumentIndex - the 0-based index of the offending argument.
   * @param options - `cause` carries the platform's own clone error, when there was one.
   */
  constructor(message: string, argumentIndex?: number, options?: ErrorOptions) {
    super(message, options)
    this.argumentIndex = argumentIndex
  }
}

/**
 * A pool cannot start its workers because the file they start from is missing: the code of
 * `@concurrent/worker` does not run from the installed package, usually because a bundler
 * inlined it into the program. Thrown by the pool's constructor (`new ThreadPoolExecutor()`),
 * so the program fails at once instead of waiting for workers that never start. The message
 * says how to bundle instead (keep `@concurrent/*` external), or where to install it.
 *
 * @example
 * ```ts
 * import { WorkerEntryNotFoundError } from '@concurrent/worker'
 * import { ThreadPoolExecutor } from '@concurrent/executors'
 *
 * try {
 *   await using pool = new ThreadPoolExecutor()
 * } catch (error) {
 *   if (error instanceof WorkerEntryNotFoundError) console.error(error.entryUrl)
 * }
 * ```
 * @category Errors
 */
export class WorkerEntryNotFoundError extends Error {
  override readonly name = 'WorkerEntryNotFoundError'
  /** Where the entry was looked for (`undefined` when there was no module URL to start from). */
  readonly entryUrl: string | undefined

  /**
   * @param message - what is missing and how to bundle instead.
   * @param entryUrl - where the entry was looked for.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(message: string, entryUrl?: string, options?: ErrorOptions) {
    super(message, options)
    this.entryUrl = entryUrl
  }
}

/**
 * A worker could not start: its thread or process failed before it was ready to run tasks (a
 * bad `execArgv` flag, a `--require`/`--import` of a missing or throwing file, `resourceLimits`
 * too small to boot, no file descriptors or processes left). The calls waiting for it are run by
 * another worker; when workers keep failing to start, the executor becomes broken and every
 * pending task fails with a `BrokenExecutorError` whose `cause` is this error.
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor, BrokenExecutorError } from '@concurrent/executors'
 * import { WorkerStartError } from '@concurrent/worker'
 *
 * const pool = new ProcessPoolExecutor({ execArgv: ['--no-such-flag'] })
 * const error = await pool.submit(tasks.add, 1, 2).exception()
 * if (error instanceof BrokenExecutorError && error.cause instanceof WorkerStartError) {
 *   console.error(error.cause.stderr) // node: bad option: --no-such-flag
 * }
 * ```
 * @category Errors
 */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError'
  /** The worker's exit code, or `null` when it was killed by a signal, or never ran. */
  readonly exitCode: number | null
  /** The signal that killed the worker process, or `null`. */
  readonly signal: string | null
  /** The last lines the worker process wrote to stderr before it died (empty for threads). */
  readonly stderr: string

  /**
   * @param message - what failed, with the cause and the end of stderr.
   * @param details - exit code, signal, and the end of the worker's stderr.
   * @param options - `cause` carries the spawn or bootstrap error, when there was one.
   */
  constructor(
    message: string,
    details: {
      readonly exitCode?: number | null | undefined
      readonly signal?: string | null | undefined
      readonly stderr?: string | undefined
    } = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.exitCode = details.exitCode ?? null
    this.signal = details.signal ?? null
    this.stderr = details.stderr ?? ''
  }
}

// Marked with their ids, so that the error codec recognises them from any copy of this module.
for (const [ctor, id] of [
  [TaskNotFoundError, 'TaskNotFoundError'],
  [InlineTaskError, 'InlineTaskError'],
  [DataCloneError, 'DataCloneError'],
  [WorkerStartError, 'WorkerStartError'],
  [WorkerEntryNotFoundError, 'WorkerEntryNotFoundError'],
] as const) {
  markClass(ctor, id)
}
