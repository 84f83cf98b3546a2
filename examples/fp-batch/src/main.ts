/**
 * An fp-ts program over worker threads: validate a batch of orders in parallel, keep every
 * failure as a value (an `Either` per order), price the valid ones in parallel as one
 * `TaskEither`, and show a batch that fails as a `Left` instead of a throw.
 *
 * Run it with `pnpm start` in this folder.
 */
import { taskModule, ThreadPoolExecutor } from '@concurrent/executors'
import { submitTE, traverseParallel, traverseParallelEither } from '@concurrent/fp'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as RA from 'fp-ts/lib/ReadonlyArray.js'
import * as T from 'fp-ts/lib/Task.js'
import * as TE from 'fp-ts/lib/TaskEither.js'

import type { Order, PricedOrder, RawOrder } from './tasks.js'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

/** 200 orders, the same every run; a few break the rules. */
const batch: RawOrder[] = Array.from({ length: 200 }, (_, i) => ({
  id: i + 1,
  email: i % 37 === 5 ? `customer${i}-at-example.org` : `Customer${i}@Example.org`,
  sku: i % 53 === 7 ? `sku-${i}` : `ABC-${String(i % 1000).padStart(3, '0')}`,
  quantity: i % 41 === 9 ? 0 : (i % 7) + 1,
}))

/** What a failure says, read as data: errors from a worker come back with their fields. */
function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const field = (error as { field?: unknown }).field
    return typeof field === 'string'
      ? `[${field}] ${error.message}`
      : `${error.name}: ${error.message}`
  }
  return String(error)
}

const total = (priced: ReadonlyArray<PricedOrder>): number =>
  priced.reduce((sum, order) => sum + order.total, 0)

const cents = (amount: number): string => `$${(amount / 100).toFixed(2)}`

await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })

// 1. Validate every order in parallel: one Either per order, failures kept as values.
const validation = pipe(
  batch,
  traverseParallelEither(pool, tasks.validate),
  T.map(RA.separate), // { left: failures, right: valid orders }
)
const { left: rejected, right: valid } = await validation()
console.log(`validated ${batch.length} orders: ${valid.length} valid, ${rejected.length} rejected`)
for (const error of rejected) console.log(`  rejected ${describeFailure(error)}`)

// 2. Price the valid ones in parallel, as one TaskEither: all the prices, or the first failure.
const pricing = (orders: ReadonlyArray<Order>): TE.TaskEither<string, number> =>
  pipe(
    orders,
    traverseParallel(pool, tasks.price), // inputs go to the workers in chunks
    TE.map(total),
    TE.mapLeft(describeFailure),
  )
const report = (label: string) =>
  E.match(
    (failure: string) => console.log(`${label}: batch refused, ${failure}`),
    (amount: number) => console.log(`${label}: ${cents(amount)}`),
  )
report('total of the valid orders')(await pricing(valid)())

// 3. A batch with a discontinued product fails as a value, not a throw.
const withOldStock: ReadonlyArray<Order> = [
  ...valid.slice(0, 10),
  { id: 999, email: 'late@example.org', sku: 'OLD-001', quantity: 1 },
]
report('a batch with old stock')(await pricing(withOldStock)())

// 4. Steps chained with TE.chain; each runs on the pool only when the program runs.
const first = batch[0] as RawOrder
const single = pipe(
  submitTE(pool, tasks.validate, first),
  TE.chain((order) => submitTE(pool, tasks.price, order)),
  TE.map((priced) => priced.total),
  TE.mapLeft(describeFailure),
)
report(`order ${first.id} on its own`)(await single())
