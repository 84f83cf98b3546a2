/**
 * `AsyncExecutor`: the executor API for I/O-bound async functions, run in this thread with a
 * concurrency limit. No workers, so closures are fine and nothing is copied.
 */
import { CancelToken } from '@concurrent/cancellation'
import { CancelledError } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'
import { isTaskRef, type TaskRef } from '@concurrent/worker'
import {
  cachedTask,
  invoke,
  lookupTask,
  runInContext,
  type AnyFunction,
  type Call,
  type CallOutcome,
  type Runner,
  type RunningCall,
} from '@concurrent/worker/internal'

import { executorInfo } from './internal/diagnostics.js'
import { resolveOptions, type AsyncExecutorOptions } from './options.js'
import { PoolExecutor, type Preparer } from './pool-executor.js'

/** A task as the in-process runner has it: the function itself, or a reference to import. */
type LocalTask = AnyFunction | TaskRef<readonly unknown[], unknown>

/**
 * Runs async functions in this thread, at most `maxWorkers` at a time, with the same futures,
 * `map`, cancellation and shutdown as the worker pools — for I/O-bound work (requests, files,
 * databases), where threads would only add copying. Python's `ThreadPoolExecutor` plays this
 * role for I/O; its concurrency limit has the same name here.
 *
 * Tasks are any functions, closures included, or `taskModule()` references (imported here).
 * Arguments are passed as they are, not copied.
 *
 * - **Cancel**: `future.cancel()` while queued; `{ interrupt: true }` aborts the task's
 *   `currentSignal()` (pass it to `fetch`). JavaScript cannot stop a function that ignores its
 *   signal: after `gracePeriod` its slot is given to the next task and its result is dropped.
 * - **Shutdown**: `await using` or `shutdown()` waits for the queue to drain.
 *
 * @example
 * ```ts
 * import { AsyncExecutor, asCompleted } from '@concurrent/executors'
 *
 * await using io = new AsyncExecutor({ maxWorkers: 8 })
 * const futures = urls.map((url) => io.submit(async (u: string) => (await fetch(u)).status, url))
 * for await (const done of asCompleted(futures)) console.log(await done.result())
 * ```
 * @category Executors
 */
export class AsyncExecutor extends PoolExecutor {
  /**
   * Creates the executor.
   *
   * @throws TypeError/RangeError for an invalid option, naming it.
   */
  constructor(options: AsyncExecutorOptions = {}) {
    const resolved = resolveOptions('AsyncExecutor', options)
    const prepare: Preparer<LocalTask> = {
      call: (task, args) => ({
        task: checkedTask(task),
        work: { kind: 'call', args },
        transfer: [],
        callerStack: undefined,
      }),
      chunk: (task, items, single) => ({
        task: checkedTask(task),
        work: single
          ? { kind: 'chunk1', items }
          : { kind: 'chunk', items: items as ReadonlyArray<readonly unknown[]> },
        transfer: [],
        callerStack: undefined,
      }),
    }
    super(
      {
        ...resolved,
        onWorkerCrash: 'replace',
        name: 'AsyncExecutor',
        runtime: 'async',
        batch: false,
      },
      { runner: new InProcessRunner(), prepare: prepare, info: executorInfo('AsyncExecutor') },
    )
  }
}

/** Runs calls in this thread, each as soon as it is started. */
class InProcessRunner implements Runner<LocalTask> {
  readonly batches = false
  readonly #abandon = new Set<(outcome: CallOutcome) => void>()

  get workers(): number {
    return this.#abandon.size
  }

  start(calls: ReadonlyArray<Call<LocalTask>>): RunningCall[] {
    return calls.map((call) => this.#run(call))
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  stop(): Promise<void> {
    for (const abandon of [...this.#abandon]) {
      settleLater(abandon, {
        kind: 'error',
        error: new CancelledError('the task was abandoned: its executor stopped its workers'),
        took: 0,
      })
    }
    return Promise.resolve()
  }

  release(): void {
    // Calls in this thread are plain promises: they never hold the program by themselves.
  }

  #run(call: Call<LocalTask>): RunningCall {
    const token = new CancelToken()
    // The call ends once: with its own outcome, or abandoned first (then its outcome is dropped).
    let ended = false
    const end = (outcome: CallOutcome): void => {
      if (ended) return
      ended = true
      this.#abandon.delete(end)
      call.listener.settled(outcome)
    }
    this.#abandon.add(end)
    const run = async (): Promise<CallOutcome> => {
      const startedAt = performance.now()
      try {
        // Never call the task inside submit(): the caller gets its future first (to add
        // progress listeners, say), as with the worker pools and Python's executors. The await
        // gives that turn even when the task's function is known already.
        const { task } = call
        const fn = isTaskRef(task) ? await this.#functionOf(task) : await Promise.resolve(task)
        if (token.cancelled) return { kind: 'withdrawn' }
        // Inside the caller's trace (context-propagation.ts): the call may start long after
        // submit, from another task's settlement.
        const value = await runInContext(call.trace, () =>
          invoke(fn, call.work, {
            context: { token, progress: (value: unknown) => call.listener.progress(value) },
            exclusive: false,
            onYield: call.listener.yield,
          }),
        )
        return { kind: 'value', value, took: performance.now() - startedAt }
      } catch (error) {
        return { kind: 'error', error, took: performance.now() - startedAt }
      }
    }
    void run().then(end)
    return {
      workerId: undefined,
      cancel: () => token.cancel(),
      terminate: () =>
        settleLater(end, {
          kind: 'error',
          error: new CancelledError('the task ignored its interrupt and was abandoned'),
          took: 0,
        }),
    }
  }

  /** A module task's function: found at once when it was looked up before, else imported. */
  #functionOf(task: TaskRef<readonly unknown[], unknown>): AnyFunction | Promise<AnyFunction> {
    const spec = { kind: 'module', url: task.moduleUrl, name: task.exportName } as const
    return cachedTask(spec) ?? lookupTask(spec)
  }
}

/**
 * Abandons a call on the next microtask, never inside the executor's own call to stop it: what
 * the executor does next (failing its running futures with a broken-pool error, say) comes
 * first, as with a worker's exit.
 */
function settleLater(end: (outcome: CallOutcome) => void, outcome: CallOutcome): void {
  queueMicrotask(() => end(outcome))
}

function checkedTask(task: unknown): LocalTask {
  if (typeof task !== 'function' && !isTaskRef(task)) {
    throw new TypeError(
      `Expected a task: a function or a reference from taskModule(), got ${describe(task)}`,
    )
  }
  return task as LocalTask
}
