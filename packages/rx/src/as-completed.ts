/**
 * `asCompleted$`: a batch of futures in the order they finish, as an Observable (the push
 * twin of `@concurrent/wait`'s `asCompleted`). It subscribes one done callback per future when
 * subscribed and removes them all on teardown; it never polls.
 */
import { Observable } from 'rxjs'
import { type Future } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'
import type { CompletedFuture } from '@concurrent/wait'

import { cancelAs, checkChoice, checkOptions } from './internal/cancel.js'
import type { OnUnsubscribe } from './on-unsubscribe.js'

/**
 * Options of {@link asCompleted$}.
 *
 * @example
 * ```ts
 * import { asCompleted$ } from '@concurrent/rx'
 *
 * // Values as they come; a failure ends the stream. Futures still running are left alone.
 * asCompleted$(futures, { emit: 'values', onUnsubscribe: 'none' }).subscribe(console.log)
 * ```
 * @category Interop
 */
export interface AsCompleted$Options {
  /**
   * What the Observable emits:
   *
   * - `'futures'`: each future itself, as `asCompleted` yields it, failed and cancelled ones
   *   included; read each with `future.result()` or `future.outcome`. It errors only if you
   *   add an operator that does (such as `timeout`).
   * - `'values'`: each future's value; the first future that fails (or is cancelled) errors
   *   the Observable with its error, like `gather`.
   *
   * @defaultValue `'futures'`
   */
  readonly emit?: 'futures' | 'values' | undefined
  /**
   * What happens to the futures not yet done when the subscription ends early: on
   * unsubscribe (`take(1)` to race them, `takeUntil`, a `timeout` operator) or, with
   * `emit: 'values'`, on the first failure. See {@link OnUnsubscribe}.
   *
   * @defaultValue `'interrupt'`
   */
  readonly onUnsubscribe?: OnUnsubscribe | undefined
}

/**
 * Emits each future of `futures` as it finishes (or is cancelled): those already done first,
 * in input order and synchronously on subscribe, then the others in the order they finish. A
 * future given twice is emitted once. Completes after the last one.
 *
 * By default it emits the futures themselves (as `asCompleted` does), so a failure is a value
 * to look at, not the end of the stream; `emit: 'values'` emits their values instead and errors
 * at the first failure. Ending the subscription early cancels the futures not yet done
 * (`onUnsubscribe`, interrupting by default): `asCompleted$(futures).pipe(take(1))` keeps the
 * first to finish and stops the others. For a time limit, pipe RxJS's `timeout`, which
 * unsubscribes (and so cancels) when it fires.
 *
 * The emitted futures are thenable: do not hand one to `firstValueFrom` or `lastValueFrom`,
 * whose promise would unwrap it to its value. Use `emit: 'values'` there.
 *
 * @param futures - the futures to watch; the Observable does not copy them until subscribed.
 * @param options - see {@link AsCompleted$Options}.
 * @returns an Observable of the futures (typed {@link CompletedFuture}, a `Future` whose
 * `then` is hidden) or of their values.
 * @throws TypeError (from the call) for invalid options.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule } from '@concurrent/executors'
 * import { asCompleted$ } from '@concurrent/rx'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * await using pool = new ThreadPoolExecutor()
 * const futures = urls.map((url) => pool.submit(tasks.download, url))
 *
 * asCompleted$(futures).subscribe((done) => {
 *   const outcome = done.outcome
 *   if (outcome?.status === 'fulfilled') console.log('downloaded', outcome.value.length)
 *   else console.error('failed:', outcome?.reason)
 * })
 *
 * // The fastest mirror wins; the other downloads are interrupted.
 * asCompleted$(futures, { emit: 'values' }).pipe(take(1)).subscribe(save)
 * ```
 * @category Interop
 */
export function asCompleted$<T>(
  futures: Iterable<Future<T>>,
  options?: AsCompleted$Options & { readonly emit?: 'futures' | undefined },
): Observable<CompletedFuture<T>>
/**
 * With `emit: 'values'`: emits each future's value as it finishes, in completion order, and
 * errors with the first failure (`CancelledError` for a cancelled future), cancelling the
 * futures not yet done as `onUnsubscribe` says.
 *
 * @param futures - the futures to watch.
 * @param options - see {@link AsCompleted$Options}.
 * @returns an Observable of the values, in completion order.
 * @throws TypeError (from the call) for invalid options.
 * @example
 * ```ts
 * import { asCompleted$ } from '@concurrent/rx'
 * import { take } from 'rxjs'
 *
 * // The first mirror to answer wins; the other downloads are interrupted.
 * asCompleted$(mirrors.map((url) => pool.submit(tasks.download, url)), { emit: 'values' })
 *   .pipe(take(1))
 *   .subscribe(save)
 * ```
 * @category Interop
 */
export function asCompleted$<T>(
  futures: Iterable<Future<T>>,
  options: AsCompleted$Options & { readonly emit: 'values' },
): Observable<T>
/**
 * With `emit` known only at run time: emits the futures or their values, as `emit` says.
 *
 * @param futures - the futures to watch.
 * @param options - see {@link AsCompleted$Options}.
 * @returns an Observable of the futures or of their values.
 * @throws TypeError (from the call) for invalid options.
 * @example
 * ```ts
 * import { asCompleted$, type AsCompleted$Options } from '@concurrent/rx'
 *
 * const options: AsCompleted$Options = { emit: wantValues ? 'values' : 'futures' }
 * asCompleted$(futures, options).subscribe(console.log)
 * ```
 * @category Interop
 */
export function asCompleted$<T>(
  futures: Iterable<Future<T>>,
  options?: AsCompleted$Options,
): Observable<CompletedFuture<T> | T>
export function asCompleted$<T>(
  futures: Iterable<Future<T>>,
  options: AsCompleted$Options = {},
): Observable<CompletedFuture<T> | T> {
  checkOptions(options, 'asCompleted$')
  const emit = checkChoice(options.emit, 'emit', ['futures', 'values'], 'futures')
  const policy = checkChoice(
    options.onUnsubscribe,
    'onUnsubscribe',
    ['interrupt', 'cancel', 'none'],
    'interrupt',
  )
  if (typeof (futures as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(
      `Expected \`futures\` to be an iterable of futures, got ${describe(futures)}`,
    )
  }
  return new Observable<CompletedFuture<T> | T>((subscriber) => {
    const unique = [...new Set(futures)]
    let remaining = unique.length
    const removers: Array<() => void> = []
    subscriber.add(() => {
      for (const remove of removers.splice(0)) remove()
      for (const future of unique) cancelAs(future, policy)
    })
    const onDone = (future: Future<T>): void => {
      if (emit === 'futures') {
        subscriber.next(future as CompletedFuture<T>)
      } else {
        const outcome = future.outcome
        if (outcome?.status !== 'fulfilled') {
          subscriber.error(outcome?.reason)
          return
        }
        subscriber.next(outcome.value)
      }
      if (--remaining === 0) subscriber.complete()
    }
    if (remaining === 0) subscriber.complete()
    // Done futures call back at once, in input order; stop adding once the subscriber is gone.
    for (const future of unique) {
      if (subscriber.closed) break
      removers.push(future.addDoneCallback(onDone))
    }
  })
}
