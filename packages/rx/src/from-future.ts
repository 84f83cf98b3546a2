/**
 * `fromFuture`: one future as an Observable. It subscribes a done callback when subscribed and
 * removes it on teardown, so a subscription never leaks a listener onto a long-lived future;
 * it never polls. It does not start or schedule anything: the future's executor does.
 */
import { Observable } from 'rxjs'
import { type Future } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'

import { cancelAs, checkChoice, checkOptions } from './internal/cancel.js'
import type { OnUnsubscribe } from './on-unsubscribe.js'

/**
 * Options of {@link fromFuture}.
 *
 * @example
 * ```ts
 * import { fromFuture } from '@concurrent/rx'
 *
 * // Unsubscribing cancels the task if it is still queued, and lets it finish if it runs.
 * const value$ = fromFuture(pool.submit(tasks.report, month), { onUnsubscribe: 'cancel' })
 * ```
 * @category Interop
 */
export interface FromFutureOptions {
  /**
   * What unsubscribing before the future is done does to it (see {@link OnUnsubscribe}).
   * Several subscribers to one `fromFuture` each own the future: share it with RxJS's
   * `share()`, which unsubscribes only when the last subscriber leaves, or pass `'none'`.
   *
   * @defaultValue `'interrupt'`
   */
  readonly onUnsubscribe?: OnUnsubscribe | undefined
}

/**
 * An Observable of one future: emits its value and completes when the future finishes, or
 * errors with the task's error (`CancelledError` if the future is cancelled, `WorkerCrashedError`
 * if its worker died). A future that is already done emits at once, synchronously, on
 * subscribe.
 *
 * Unsubscribing before the future is done cancels it: by default with
 * `future.cancel({ interrupt: true })`, so a queued task never starts and a running one is
 * interrupted; `onUnsubscribe` chooses otherwise. Once the future is done, unsubscribing
 * changes nothing. Every subscriber sees the same future: the task runs once, however many
 * subscribe.
 *
 * @param future - the future to observe, usually from `executor.submit`.
 * @param options - see {@link FromFutureOptions}.
 * @returns an Observable that emits the future's value once, then completes.
 * @throws TypeError (from the call) for invalid options.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule } from '@concurrent/executors'
 * import { fromFuture } from '@concurrent/rx'
 * import { timeout } from 'rxjs'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * await using pool = new ThreadPoolExecutor()
 *
 * // Gives up after a second: the timeout unsubscribes, which interrupts the running task.
 * fromFuture(pool.submit(tasks.render, scene))
 *   .pipe(timeout(1_000))
 *   .subscribe({ next: show, error: console.error })
 * ```
 * @category Interop
 */
export function fromFuture<T>(future: Future<T>, options: FromFutureOptions = {}): Observable<T> {
  checkOptions(options, 'fromFuture')
  const policy = checkChoice(
    options.onUnsubscribe,
    'onUnsubscribe',
    ['interrupt', 'cancel', 'none'],
    'interrupt',
  )
  if (typeof future?.addDoneCallback !== 'function') {
    throw new TypeError(`Expected \`future\` to be a Future, got ${describe(future)}`)
  }
  return new Observable<T>((subscriber) => {
    const remove = future.addDoneCallback((done) => {
      const outcome = done.outcome
      if (outcome?.status === 'fulfilled') {
        subscriber.next(outcome.value)
        subscriber.complete()
      } else {
        subscriber.error(outcome?.reason)
      }
    })
    return () => {
      remove()
      cancelAs(future, policy)
    }
  })
}
