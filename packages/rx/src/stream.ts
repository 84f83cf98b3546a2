/**
 * `stream$`: a streaming task (an async generator run in a worker) as an Observable. Each
 * subscription starts the task once; the values come from the executor's `stream()` iterable,
 * pulled one at a time and pushed to the subscriber.
 */
import { Observable } from 'rxjs'
import { type Future, type Task } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'

/**
 * What {@link stream$} needs from an executor: a `stream(task, ...args)` method that runs an
 * async generator task and hands back what it yields as an async iterable, with the task's
 * future beside it. `ThreadPoolExecutor`, `ProcessPoolExecutor` and `AsyncExecutor` from
 * `@concurrent/executors` fit.
 *
 * @example
 * ```ts
 * import { stream$, type StreamingExecutor } from '@concurrent/rx'
 *
 * function logLines(executor: StreamingExecutor, path: string) {
 *   return stream$(executor, tasks.readLines, path).subscribe(console.log)
 * }
 * ```
 * @category Interop
 */
export interface StreamingExecutor {
  /**
   * Starts `task(...args)` and returns its values as an async iterable; `future` settles with
   * the generator's return value, or its error.
   */
  stream<A extends readonly unknown[], Y, R = unknown>(
    task: Task<A, AsyncIterable<Y> | AsyncGenerator<Y, R>>,
    ...args: A
  ): AsyncIterable<Y> & { readonly future: Future<R> }
}

/**
 * An Observable of the values a streaming task — an async generator function, run by the
 * executor in a worker — yields, in order. It completes when the generator returns (after the
 * values before), and errors with the task's error (or `WorkerCrashedError` if its worker
 * died). The generator's return value is not emitted; read it from `executor.stream()`'s
 * `future` when you need it.
 *
 * The Observable is cold: each subscription starts the task anew. Unsubscribing stops the task
 * in the worker: its in-task token and signal fire (an async generator that awaits also stops
 * at its next `yield`), and a task that does not stop within the executor's `gracePeriod` has
 * its worker replaced. Values cross from the worker as they are produced, without
 * backpressure, so a task that yields much faster than the subscriber consumes is buffered.
 *
 * @param executor - an executor with `stream()` (see {@link StreamingExecutor}).
 * @param task - an async generator task: a reference from `taskModule`, or a self-contained
 * async generator function.
 * @param args - the task's arguments.
 * @returns an Observable of the yielded values.
 * @throws `ShutdownError` (as the Observable's error, on subscribe) if the executor is shut
 * down.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule } from '@concurrent/executors'
 * import { stream$ } from '@concurrent/rx'
 * import { filter, take } from 'rxjs'
 *
 * // tasks.ts: export async function* primes() { for (let n = 2; ; n++) if (isPrime(n)) yield n }
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * await using pool = new ThreadPoolExecutor()
 *
 * stream$(pool, tasks.primes)
 *   .pipe(
 *     filter((p) => p % 10 === 7),
 *     take(5), // then the generator is stopped in its worker
 *   )
 *   .subscribe(console.log)
 * ```
 * @category Interop
 */
export function stream$<A extends readonly unknown[], Y>(
  executor: StreamingExecutor,
  task: Task<A, AsyncIterable<Y>>,
  ...args: A
): Observable<Y> {
  if (typeof executor?.stream !== 'function') {
    throw new TypeError(
      `Expected \`executor\` to have a stream() method (such as a ThreadPoolExecutor), got ${describe(executor)}`,
    )
  }
  return new Observable<Y>((subscriber) => {
    const stream = executor.stream(task, ...args)
    const iterator = stream[Symbol.asyncIterator]()
    let ended = false
    const pull = (): void => {
      iterator.next().then(
        (step) => {
          if (subscriber.closed) return
          if (step.done === true) {
            ended = true
            subscriber.complete()
            return
          }
          subscriber.next(step.value)
          pull()
        },
        (error: unknown) => {
          ended = true
          subscriber.error(error)
        },
      )
    }
    pull()
    return () => {
      if (ended) return
      ended = true
      stream.future.cancel({ interrupt: true })
      void iterator.return?.()
    }
  })
}
