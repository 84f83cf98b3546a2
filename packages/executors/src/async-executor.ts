/**
 * `AsyncExecutor`: the executor API for I/O-bound async functions, run in this thread with a
 * concurrency limit. No workers, so closures are fine and nothing is copied.
 */
import { CancelToken } from '@concurrent/cancellation'
import { CancelledError, describe } from '@concurrent/future'
import {
  invokeTask,
  isTaskRef,
  lookupTask,
  type AnyFunction,
  type RunningUnit,
  type UnitOutcome,
} from '@concurrent/worker'

import { resolveOptions, type AsyncExecutorOptions } from './options.js'
import { PoolExecutor, runnerOf, type UnitPayload } from './pool-executor.js'

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
    let running = 0
    const runner = runnerOf(
      (payload, item): RunningUnit => {
        const token = new CancelToken()
        let abandon: ((outcome: UnitOutcome) => void) | undefined
        const abandoned = new Promise<UnitOutcome>((resolve) => (abandon = resolve))
        running++
        const run = async (): Promise<UnitOutcome> => {
          try {
            // Never call the task inside submit(): the caller gets its future first (to add
            // progress listeners, say), as with the worker pools and Python's executors.
            const fn = isTaskRef(payload.task)
              ? await lookupTask({
                  kind: 'module',
                  url: payload.task.moduleUrl,
                  name: payload.task.exportName,
                })
              : await Promise.resolve(payload.task as AnyFunction)
            const context = { token, progress: (value: unknown) => item.future.emitProgress(value) }
            const onYield = payload.onYield ?? (() => undefined)
            return {
              kind: 'value',
              value: await invokeTask(
                fn,
                payload.args,
                payload.chunk,
                context,
                onYield,
                false,
                payload.flat,
              ),
            }
          } catch (error) {
            return { kind: 'error', error }
          } finally {
            running--
          }
        }
        return {
          outcome: Promise.race([run(), abandoned]),
          cancel: () => token.cancel(),
          terminate: () =>
            abandon?.({
              kind: 'error',
              error: new CancelledError('the task ignored its interrupt and was abandoned'),
            }),
        }
      },
      () => running,
      () => Promise.resolve(),
    )
    const prepare = (
      task: unknown,
      args: readonly unknown[],
      chunk: boolean,
      flat = false,
    ): UnitPayload => {
      if (typeof task !== 'function' && !isTaskRef(task)) {
        throw new TypeError(
          `Expected a task: a function or a reference from taskModule(), got ${describe(task)}`,
        )
      }
      return { task, args, chunk, flat, transfer: [], callerStack: undefined, onYield: undefined }
    }
    super({ ...resolved, onWorkerCrash: 'replace', name: 'AsyncExecutor' }, { runner, prepare })
  }
}
