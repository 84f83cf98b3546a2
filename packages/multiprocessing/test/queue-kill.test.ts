/**
 * No item is lost to a consumer's death. A consumer takes big items (200,000 small objects
 * each, so that carrying, reading and handing one over takes a while) and records each id the
 * moment `get()` returns it, somewhere that outlives it: shared memory for a thread, a file for
 * a process. It is killed at a point drawn from a seeded generator — before it takes
 * anything, while an item is on the wire, while it is being read, right after it was handed
 * over — by `SIGKILL` for a process and by terminating the worker for a thread. Then every item
 * must have been recorded, or still be in the queue. An item may be both (delivered again
 * after the death): when a consumer dies, delivery is at least once, and nothing is lost.
 *
 * Where the kill lands changes nothing in what is asserted. `KILL_SEED=<n>` replays other
 * points; `KILL_REPORT=1` prints how many items each trial consumed and found again.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, describe, expect, it } from 'vitest'

import { ThreadPoolExecutor } from '@concurrent/executors'
import { Process, Queue, RawArray, taskModule } from '@concurrent/multiprocessing'

import type { Numbered } from './fixtures/tasks.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

const TRIALS = 20
const ITEMS = 4
const PAYLOAD = 200_000
/** Kills land from 0 to this many milliseconds after the consumer has started. */
const SPREAD_MS = Number(process.env['KILL_SPREAD'] ?? 400)
const SEED = Number(process.env['KILL_SEED'] ?? 0x0b5e55ed)

const directory = mkdtempSync(join(tmpdir(), 'queue-kill-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

/** mulberry32, so that the kill points of a run can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function filledQueue(): Promise<Queue<Numbered>> {
  const queue = new Queue<Numbered>()
  const payload = Array.from({ length: PAYLOAD }, (_, i) => ({ i }))
  for (let id = 0; id < ITEMS; id++) await queue.put({ id, payload })
  return queue
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 3_000 && !condition(); i++) await sleep(10)
  expect(condition()).toBe(true)
}

interface Outcome {
  /** Ids the consumer recorded. */
  readonly consumed: ReadonlySet<number>
  /** Ids found in the queue afterwards (a consumed one too, if it was delivered again). */
  readonly left: readonly number[]
  /** Ids neither consumed nor in the queue. */
  readonly lost: readonly number[]
}

/**
 * What became of the items once the consumer is dead: every id it did not record must come
 * out of the queue (the owner puts an unconfirmed item back when it sees the connection
 * close, which may be a moment after the death).
 */
async function account(queue: Queue<Numbered>, consumed: ReadonlySet<number>): Promise<Outcome> {
  const missing = new Set(
    Array.from({ length: ITEMS }, (_, id) => id).filter((id) => !consumed.has(id)),
  )
  const left: number[] = []
  while (missing.size > 0) {
    let item: Numbered
    try {
      item = await queue.get({ timeout: 10_000 })
    } catch {
      break
    }
    left.push(item.id)
    missing.delete(item.id)
    expect(item.payload).toHaveLength(PAYLOAD)
  }
  for (;;) {
    try {
      left.push((await queue.getNowait()).id)
    } catch {
      break
    }
  }
  return { consumed, left, lost: [...missing] }
}

function report(kind: string, outcomes: readonly Outcome[]): void {
  if (process.env['KILL_REPORT'] === undefined) return
  const again = outcomes.reduce(
    (sum, o) => sum + o.left.filter((id) => o.consumed.has(id)).length,
    0,
  )
  const lost = outcomes.reduce((sum, o) => sum + o.lost.length, 0)
  console.info(
    `${kind}: ${outcomes.length} trials, consumed per trial ${outcomes.map((o) => o.consumed.size).join(',')}; ${lost} lost, ${again} delivered again`,
  )
}

describe('a queue whose consumer is killed while items are in transit', () => {
  it('loses no item to a process consumer killed at any point (SIGKILL)', async () => {
    const random = generator(SEED)
    const outcomes: Outcome[] = []
    for (let trial = 0; trial < TRIALS; trial++) {
      const queue = await filledQueue()
      const file = join(directory, `process-${trial}.txt`)
      const consumer = new Process({
        target: tasks.consumeIntoFile,
        args: [queue, file, ITEMS],
        kind: 'process',
      })
      await consumer.start()
      await until(() => existsSync(file))
      await sleep(random() * SPREAD_MS)
      consumer.kill()
      await consumer.join()
      const lines = readFileSync(file, 'utf8').split('\n').slice(1, -1)
      outcomes.push(await account(queue, new Set(lines.map(Number))))
    }
    report('process', outcomes)
    expect(outcomes.flatMap((outcome) => outcome.lost)).toEqual([])
  }, 240_000)

  it('loses no item to a thread consumer whose worker is terminated at any point', async () => {
    const random = generator(SEED + 1)
    const outcomes: Outcome[] = []
    for (let trial = 0; trial < TRIALS; trial++) {
      const queue = await filledQueue()
      const seen = RawArray('i', ITEMS + 1)
      // A grace period of 0: the interrupt terminates the worker at the next timer tick,
      // wherever its thread is (reading an item, handing it over), as a crash would.
      const executor = new ThreadPoolExecutor({ maxWorkers: 1, gracePeriod: 0 })
      try {
        const future = executor.submit(tasks.consumeIntoMemory, queue, seen, ITEMS)
        await until(() => Atomics.load(seen, ITEMS) === 1 || future.done())
        await sleep(random() * SPREAD_MS)
        future.cancel({ interrupt: true })
        await future.exception().catch(() => undefined)
      } finally {
        await executor.shutdown()
      }
      const consumed = new Set(
        Array.from({ length: ITEMS }, (_, id) => id).filter((id) => Atomics.load(seen, id) === 1),
      )
      outcomes.push(await account(queue, consumed))
    }
    report('thread', outcomes)
    expect(outcomes.flatMap((outcome) => outcome.lost)).toEqual([])
  }, 240_000)
})
