/**
 * Timers for deadlines of any length on a monotonic clock.
 *
 * `setTimeout` cannot hold a delay above 2^31 - 1 ms (about 24.8 days): Node fires a longer one
 * after 1 ms with a `TimeoutOverflowWarning`, so `wait(fs, { timeout: 30 days })` would return at
 * once. Such a deadline is waited out in steps instead. Deadlines are read from
 * `performance.now()`, not `Date.now()`, so a change of the wall clock (NTP, a user setting the
 * date) neither fires them early nor holds them back, as CPython's `time.monotonic()` does.
 */

/** The longest delay a timer holds. */
const MAX_DELAY = 2 ** 31 - 1

/**
 * A deadline `ms` milliseconds from now, on the clock {@link setDeadline} reads.
 *
 * @internal
 */
export function deadlineIn(ms: number): number {
  return performance.now() + ms
}

/**
 * Calls `fn` once `deadline` (from {@link deadlineIn}) has passed.
 *
 * @returns a function that cancels the timer.
 * @internal
 */
export function setDeadline(deadline: number, fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout>
  const arm = (): void => {
    const remaining = Math.ceil(deadline - performance.now())
    timer =
      remaining > MAX_DELAY ? setTimeout(arm, MAX_DELAY) : setTimeout(fn, Math.max(0, remaining))
  }
  arm()
  return () => {
    clearTimeout(timer)
  }
}
