/**
 * `progress$`: what a running task reports with `reportProgress`, as an Observable. It only
 * listens: it never starts, changes or cancels the task.
 */
import { Observable } from 'rxjs'
import { type Future } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'

/**
 * A future whose task can report progress: `onProgress(listener)` calls `listener` with each
 * value the task sends with `reportProgress`, and returns a function that removes it. The
 * futures that `@concurrent/executors` hands back (`TaskFuture`) have it.
 *
 * @example
 * ```ts
 * import { progress$, type ProgressReporting } from '@concurrent/rx'
 * import type { Future } from '@concurrent/future'
 *
 * function percent(future: Future<unknown> & ProgressReporting) {
 *   return progress$(future).subscribe((p) => console.log(`${Number(p) * 100}%`))
 * }
 * percent(pool.submit(tasks.encode, video))
 * ```
 * @category Interop
 */
export interface ProgressReporting {
  /** Calls `listener` with each progress value from now on; returns its remover. */
  onProgress(listener: (value: unknown) => void): () => void
}

/**
 * An Observable of the progress values a task reports (`reportProgress(value)` inside the
 * task), as they arrive. It completes when the future is done, however it ends — finished,
 * failed, cancelled or crashed: the outcome is {@link fromFuture}'s business. Every value the
 * task reported arrives before the completion. Values reported before the subscription are
 * not replayed; a future already done completes at once.
 *
 * Unsubscribing only removes the listener; the task goes on. Progress values cross from the
 * worker by structured clone and are typed `unknown`: check them before use.
 *
 * @param future - a future with `onProgress` (see {@link ProgressReporting}), from
 * `executor.submit`.
 * @returns an Observable of progress values that completes when the future is done.
 * @throws TypeError (from the call) if `future` cannot report progress.
 * @example
 * ```ts
 * import { fromFuture, progress$ } from '@concurrent/rx'
 * import { filter, map, merge } from 'rxjs'
 *
 * const future = pool.submit(tasks.countPrimes, 10_000_000)
 * merge(
 *   progress$(future).pipe(
 *     filter((p): p is number => typeof p === 'number'),
 *     map((p) => `${Math.round(p * 100)}%`),
 *   ),
 *   fromFuture(future).pipe(map((count) => `${count} primes`)),
 * ).subscribe(console.log)
 * ```
 * @category Interop
 */
export function progress$(future: Future<unknown> & ProgressReporting): Observable<unknown> {
  if (typeof future?.onProgress !== 'function' || typeof future?.addDoneCallback !== 'function') {
    throw new TypeError(
      `Expected \`future\` to be a future that reports progress (from an executor's submit), got ${describe(future)}`,
    )
  }
  return new Observable<unknown>((subscriber) => {
    const removeListener = future.onProgress((value) => subscriber.next(value))
    const removeCallback = future.addDoneCallback(() => subscriber.complete())
    return () => {
      removeListener()
      removeCallback()
    }
  })
}
