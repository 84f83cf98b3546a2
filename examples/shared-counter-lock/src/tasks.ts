/** Adds to a shared counter, under a lock. */
import type { Lock, SharedValue } from '@concurrent/multiprocessing'

/** Adds 1 to `counter` `times` times, holding `lock` for each addition (Python's `with lock:`). */
export function add(counter: SharedValue<'i'>, lock: Lock, times: number): void {
  for (let i = 0; i < times; i++) {
    using _held = lock.hold()
    counter.value += 1
  }
}
