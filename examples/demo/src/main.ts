/**
 * The main demo (for now): futures finishing out of order, collected with `asCompleted`, then
 * `wait` and `gather`. It grows into the multi-core demo once the executors land.
 */
import { Future } from '@concurrent/future'
import { asCompleted, gather, wait, FIRST_COMPLETED } from '@concurrent/wait'

/** A future that an "executor" (here, a timer) finishes after `ms` milliseconds. */
function later<T>(ms: number, value: T): Future<T> {
  const future = new Future<T>()
  future.setRunningOrNotifyCancel()
  setTimeout(() => future.setResult(value), ms)
  return future
}

const started = Date.now()
const elapsed = (): string => `${String(Date.now() - started).padStart(4)} ms`

const futures = [later(300, 'slow'), later(100, 'fast'), later(200, 'medium')]
console.log('asCompleted yields each future as it finishes:')
for await (const done of asCompleted(futures)) {
  console.log(`  ${elapsed()}  ${await done.result()}`)
}

const race = [later(150, 'first'), later(400, 'second')]
const { done, notDone } = await wait(race, { returnWhen: FIRST_COMPLETED })
console.log(`wait(FIRST_COMPLETED): ${done.size} done, ${notDone.size} still running`)

const queued = new Future<string>()
console.log(`cancel() on a pending future: ${queued.cancel()} (state: ${queued.state})`)

const values = await gather([later(50, 1), later(80, 'two'), later(20, true)])
console.log('gather keeps input order:', values)
