/**
 * The in-task API: what a function running on an executor can ask about its own task.
 *
 * A worker runs one task at a time, so there the context is simply the worker's current task
 * (set by the entry for the task's whole run). In-process, where many tasks run at once (an
 * `AsyncExecutor`), it lives in an `AsyncLocalStorage` that follows each task through its
 * awaits. On Node 20, an active `AsyncLocalStorage` installs a promise hook that slows every
 * promise in the thread (measured: about 45 µs of CPU per job in a BullMQ worker, whose queue
 * client makes many promises per job). So the storage is only created when first needed, and
 * it is switched off again whenever no in-process task is running: a thread that runs tiny
 * tasks one after another pays for the hook only while one runs. Called outside any task, the
 * functions give a token that is never cancelled and drop progress, so the same function can
 * also be called directly, serially.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

import { CancelToken } from '@concurrent/cancellation'

/**
 * What the runtime knows about the task running now.
 *
 * @internal
 */
export interface TaskContext {
  readonly token: CancelToken
  readonly progress: (value: unknown) => void
  /** What runs when the task ends, before its result leaves (see {@link atTaskEnd}). */
  atEnd?: Set<() => void> | undefined
}

interface SharedState {
  /** The task a worker is running now (a worker runs one at a time). */
  exclusive: TaskContext | undefined
  /** Contexts of tasks running concurrently in this thread, once anything needed it. */
  storage: AsyncLocalStorage<TaskContext> | undefined
  /** In-process tasks that have started and not yet ended (see {@link runInTaskContext}). */
  running?: number
}

// One state per thread, shared by every copy of this module: a task module loaded through a
// TypeScript loader (tsx's tsImport) gets its own copy of '@concurrent/worker', and it must
// still see the context the entry set.
const stateKey = Symbol.for('concurrent.taskContext')
const state = ((globalThis as { [key: symbol]: SharedState | undefined })[stateKey] ??= {
  exclusive: undefined,
  storage: undefined,
})
let idle: CancelToken | undefined

/**
 * Runs `fn` as a task with `context`, alongside other tasks in this thread: the in-task API
 * calls inside it (and after its awaits) see that context. Call it only between
 * {@link beginConcurrentTask} and {@link endConcurrentTask}.
 *
 * @internal
 */
export function runInTaskContext<T>(context: TaskContext, fn: () => T): T {
  state.storage ??= new AsyncLocalStorage<TaskContext>()
  return state.storage.run(context, fn)
}

/**
 * Counts an in-process task as running, from its start to its end (its last await included),
 * so that the storage stays on while it may be read.
 *
 * @internal
 */
export function beginConcurrentTask(): void {
  state.running = (state.running ?? 0) + 1
}

/**
 * Counts an in-process task as ended. When none is left running, the storage is switched off:
 * its promise hook goes (Node removes it once the current promise callback is over, so this is
 * safe at any point), and the next {@link runInTaskContext} switches it on again. A promise left
 * behind by an ended task then sees no task, as code running after its task always should.
 *
 * @internal
 */
export function endConcurrentTask(): void {
  state.running = (state.running ?? 1) - 1
  if (state.running === 0) state.storage?.disable()
}

/**
 * Makes `context` this thread's task until {@link exitTaskContext}: for a worker, which runs
 * one task at a time.
 *
 * @internal
 */
export function enterTaskContext(context: TaskContext): void {
  state.exclusive = context
}

/**
 * Ends the task {@link enterTaskContext} started.
 *
 * @internal
 */
export function exitTaskContext(): void {
  state.exclusive = undefined
}

/**
 * Runs `fn` once the task running now ends, before its result leaves for the caller: for what
 * the task's code leaves to finish in the background (a queue handle confirming the items the
 * task took), which must not wait for an event loop turn that may never come once the task is
 * over. Registering the same function twice runs it once.
 *
 * @returns `false` outside a task (nothing is registered).
 * @internal
 */
export function atTaskEnd(fn: () => void): boolean {
  const context = currentContext()
  if (context === undefined) return false
  ;(context.atEnd ??= new Set()).add(fn)
  return true
}

/**
 * Runs what was registered with {@link atTaskEnd} for `context`; a function that throws is
 * reported as a warning and the others still run.
 *
 * @internal
 */
export function endTask(context: TaskContext): void {
  const atEnd = context.atEnd
  if (atEnd === undefined) return
  context.atEnd = undefined
  for (const fn of atEnd) {
    try {
      fn()
    } catch (error) {
      process.emitWarning(`A task's end-of-task hook threw: ${String(error)}`, {
        code: 'CONCURRENT_TASK_END',
      })
    }
  }
}

function currentContext(): TaskContext | undefined {
  return state.exclusive ?? state.storage?.getStore()
}

/**
 * The cancel token of the task running now: poll `token.cancelled` (or call
 * `token.throwIfCancelled()`) in a CPU-bound loop to stop early when the caller cancels with
 * `future.cancel({ interrupt: true })`, a `signal` or a per-task `timeout`. In a worker thread
 * the flag lives in shared memory, so the loop sees it at once without yielding. Outside a
 * task, a token that is never cancelled.
 *
 * @returns the task's token.
 * @example
 * ```ts
 * // tasks.ts
 * import { currentToken } from '@concurrent/worker'
 *
 * export function countPrimes(limit: number): number {
 *   const token = currentToken()
 *   let count = 0
 *   for (let n = 2; n < limit; n++) {
 *     if ((n & 0xffff) === 0) token.throwIfCancelled()
 *     if (isPrime(n)) count++
 *   }
 *   return count
 * }
 * ```
 * @category Cancellation
 */
export function currentToken(): CancelToken {
  const context = currentContext()
  if (context !== undefined) return context.token
  idle ??= new CancelToken()
  return idle
}

/**
 * An `AbortSignal` that aborts when the task running now is cancelled or times out: pass it
 * to `fetch`, timers, streams. Outside a task, a signal that never aborts.
 *
 * @returns the task's signal.
 * @example
 * ```ts
 * // tasks.ts
 * import { currentSignal } from '@concurrent/worker'
 *
 * export async function download(url: string): Promise<number> {
 *   const response = await fetch(url, { signal: currentSignal() })
 *   return (await response.arrayBuffer()).byteLength
 * }
 * ```
 * @category Cancellation
 */
export function currentSignal(): AbortSignal {
  return currentToken().signal
}

/**
 * Sends `value` to the caller as progress of the task running now; the caller receives it
 * through the future's progress listeners (and `progress$` in `@concurrent/rx`). Values are
 * structured-cloned; progress sent after the future is done is dropped. Outside a task, does
 * nothing.
 *
 * @example
 * ```ts
 * // tasks.ts
 * import { reportProgress } from '@concurrent/worker'
 *
 * export function crunch(items: number[]): number {
 *   let total = 0
 *   items.forEach((item, i) => {
 *     total += item
 *     if (i % 1000 === 0) reportProgress({ done: i, of: items.length })
 *   })
 *   return total
 * }
 * ```
 * @category Executors
 */
export function reportProgress(value: unknown): void {
  currentContext()?.progress(value)
}
