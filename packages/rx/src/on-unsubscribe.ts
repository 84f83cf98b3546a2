/**
 * What an Observable of this package does to the work it owns when its subscription ends
 * before that work is done: one rule, shared by every function here, so that unsubscribing
 * reads the same everywhere.
 */

/**
 * What happens to an unfinished future when the subscription that owns it ends early — the
 * subscriber unsubscribes (`take`, `takeUntil`, `switchMap`, a component's teardown), or the
 * Observable errors:
 *
 * - `'interrupt'`: `future.cancel({ interrupt: true })`. A queued task never starts; a running
 *   one is interrupted (its in-task token and signal fire, and a task that does not stop within
 *   the executor's `gracePeriod` has its worker replaced). An executor that cannot interrupt
 *   leaves a running task to finish.
 * - `'cancel'`: `future.cancel()`, Python's rule. A queued task never starts; a running one is
 *   left to finish and its result is dropped.
 * - `'none'`: the future is left alone; only the subscription's callbacks are removed. For a
 *   future that something else owns too.
 *
 * @example
 * ```ts
 * import { fromFuture } from '@concurrent/rx'
 *
 * // The future is shared with other code: only stop listening when unsubscribed.
 * const value$ = fromFuture(future, { onUnsubscribe: 'none' })
 * ```
 * @category Interop
 */
export type OnUnsubscribe = 'interrupt' | 'cancel' | 'none'
