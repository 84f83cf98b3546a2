/**
 * Scenario 2, the seeds' workloads, each also run serially in this thread for the speedup:
 * `isPrime` over 1..100,000 one task per item and chunked (and the README's everyday loop over
 * 1..2,000,000 in chunks of 10,000 against plain worker threads), eight `sqrt` sums (the seed's N and a larger one),
 * factorials of 10,000..50,000 (BigInt), and squares of 1..10 (all overhead).
 *
 * One measurement: create the pool, run the workload (cold: workers start, modules load), run it
 * again on the same pool (warm), shut the pool down. "End to end" is create → first results →
 * shut down, as the seed programs do it; "warm" is the second run alone.
 */
import type { Contender, Sample } from '../lib/harness.js'
import { interleave } from '../lib/harness.js'
import { parseOptions } from '../lib/options.js'
import { plainThreads } from '../lib/plain-threads.js'
import {
  hangNotes,
  ours,
  poolKinds,
  type BenchPool,
  type OurPool,
  type PoolKind,
} from '../lib/pools.js'
import { noPython, PythonServer } from '../lib/python.js'
import { emit, type Column, type Ratio, type Table } from '../lib/result.js'
import { local, tasks } from '../lib/tasks.js'

const options = parseOptions()
const { workers, quick } = options
const started = performance.now()
const python = PythonServer.start()
const notes: string[] = python === undefined ? [noPython] : []

type SeedTask = 'isPrime' | 'sqrtSum' | 'factorial' | 'square'
type Check = number

interface Workload {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly task: SeedTask
  /** `[start, end)` of consecutive integers, or the list itself. */
  readonly inputs: readonly number[]
  readonly range?: readonly [number, number]
  /** How ours and the peers split the input: one task per item, or chunks of this size. */
  readonly chunksize: number
  /** Skip the second (warm) run: for the one-task-per-item runs, which cost seconds each. */
  readonly coldOnly?: boolean
}

const columns: Column[] = [
  { key: 'e2eMs', label: 'end to end', unit: 'ms', digits: 1 },
  { key: 'warmMs', label: 'warm run', unit: 'ms', digits: 1 },
]

/** A fingerprint of the results, the same on both sides of the language boundary. */
function checkOf(results: readonly unknown[]): Check {
  let total = 0
  for (const value of results) {
    if (typeof value === 'boolean') total += value ? 1 : 0
    else if (typeof value === 'bigint') total += value.toString(2).length
    else total += Number(value)
  }
  return total
}

function sameCheck(a: Check, b: Check): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a))
}

/** `length` consecutive integers from `start`. */
function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i)
}

function serialOf(task: SeedTask): (x: number) => unknown {
  const fn = local[task] as (x: number) => unknown
  return (x) => fn(x)
}

function serialContender(workload: Workload, expected: Check): Contender {
  const fn = serialOf(workload.task)
  const once = (): Check => checkOf(workload.inputs.map(fn))
  return {
    name: 'serial (this thread)',
    run: () => {
      let start = performance.now()
      const check = once()
      const coldMs = performance.now() - start
      start = performance.now()
      once()
      const warmMs = performance.now() - start
      if (!sameCheck(check, expected)) throw new Error(`wrong results: ${check} ≠ ${expected}`)
      return Promise.resolve({ coldMs, warmMs, e2eMs: coldMs })
    },
  }
}

/** A pool contender: create, run (cold), run again (warm), shut down. */
function poolContender<P extends BenchPool>(
  name: string,
  workload: Workload,
  expected: Check,
  create: () => P,
  once: (pool: P) => Promise<unknown[]>,
): Contender {
  return {
    name,
    run: async (): Promise<Sample> => {
      const start = performance.now()
      const pool = create()
      let closed = false
      try {
        const results = await once(pool)
        const coldMs = performance.now() - start
        let warmMs = NaN
        if (workload.coldOnly !== true) {
          const warmStart = performance.now()
          await once(pool)
          warmMs = performance.now() - warmStart
        }
        const closeStart = performance.now()
        await pool.close()
        closed = true
        const shutdownMs = performance.now() - closeStart
        const check = checkOf(results)
        if (!sameCheck(check, expected)) throw new Error(`wrong results: ${check} ≠ ${expected}`)
        const sample = { coldMs, e2eMs: coldMs + shutdownMs, shutdownMs }
        return workload.coldOnly === true ? sample : { ...sample, warmMs }
      } finally {
        if (!closed) await pool.close()
      }
    },
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const results: T[] = []
  for await (const value of iterable) results.push(value)
  return results
}

/** Ours: `map` with the workload's chunksize (1: one task per item). */
function oursContender(workload: Workload, expected: Check, runtime: 'thread' | 'process') {
  const label = runtime === 'thread' ? 'ThreadPoolExecutor' : 'ProcessPoolExecutor'
  const auto = workload.chunksize === Math.ceil(workload.inputs.length / (workers * 4))
  const mapOptions = auto ? {} : { chunksize: workload.chunksize }
  const shown = auto ? '' : ` (chunksize ${workload.chunksize.toLocaleString('en')})`
  const ref = tasks[workload.task] as unknown as Parameters<OurPool['executor']['map']>[0]
  return poolContender(
    `ours ${label}.map${shown}`,
    workload,
    expected,
    () => ours(runtime, workers),
    (pool) => collect(pool.executor.map(ref, workload.inputs, mapOptions)),
  )
}

/** A peer (or raw tinypool): one call per item, or hand-made chunks of `isPrimeRange`. */
function peerContender(workload: Workload, expected: Check, kind: PoolKind, name = kind.name) {
  return poolContender(
    workload.chunksize === 1 ? name : `${name}, chunks by hand`,
    workload,
    expected,
    () => kind.create(workers),
    (pool) => callAll(pool, workload),
  )
}

async function callAll(pool: BenchPool, workload: Workload): Promise<unknown[]> {
  const { inputs, chunksize, task } = workload
  if (chunksize === 1) {
    return Promise.all(inputs.map((x) => pool.call(task, x as never) as PromiseLike<unknown>))
  }
  if (task !== 'isPrime') throw new Error(`no chunked form of ${task}`)
  const calls: Array<PromiseLike<boolean[]>> = []
  for (let i = 0; i < inputs.length; i += chunksize) {
    const first = inputs[i] ?? 0
    const end = Math.min(inputs.length, i + chunksize)
    calls.push(pool.call('isPrimeRange', [first, first + (end - i)]))
  }
  return (await Promise.all(calls)).flat()
}

function pythonContender(
  name: string,
  workload: Workload,
  expected: Check,
  command: Readonly<Record<string, unknown>>,
): Contender[] {
  const server = python
  if (server === undefined) return []
  const pyTask: Record<SeedTask, string> = {
    isPrime: 'isPrime',
    sqrtSum: 'sqrtSum',
    factorial: 'factorial',
    square: 'square',
  }
  const inputs = workload.range === undefined ? workload.inputs : { range: workload.range }
  return [
    {
      name,
      run: async () => {
        const { check, ...sample } = await server.request({
          op: 'workload',
          task: pyTask[workload.task],
          inputs,
          workers,
          ...command,
        })
        if (check === undefined || !sameCheck(check, expected)) {
          throw new Error(`wrong results from Python: ${String(check)} ≠ ${expected}`)
        }
        return sample
      },
    },
  ]
}

interface Lineup {
  readonly oursRuntimes: ReadonlyArray<'thread' | 'process'>
  readonly peers: readonly PoolKind[]
  readonly plainThreads?: boolean
  /** Python contenders: its serial loop, `Pool.map` (the seed's way), `ProcessPoolExecutor.map`. */
  readonly python: ReadonlyArray<'serial' | 'Pool.map' | 'ProcessPoolExecutor.map'>
  readonly pythonChunksize?: number
}

async function run(workload: Workload, lineup: Lineup): Promise<Table> {
  const fn = serialOf(workload.task)
  const expected = checkOf(workload.inputs.map(fn))
  const contenders: Contender[] = [serialContender(workload, expected)]
  for (const runtime of lineup.oursRuntimes) {
    contenders.push(oursContender(workload, expected, runtime))
  }
  if (workload.id === 'isprime-chunked') {
    // The everyday call of the README, with a smaller chunksize than the automatic one.
    contenders.push(oursContender({ ...workload, chunksize: 1_000 }, expected, 'thread'))
  }
  for (const kind of lineup.peers) contenders.push(peerContender(workload, expected, kind))
  if (lineup.plainThreads === true) {
    contenders.push(
      peerContender(
        workload,
        expected,
        { ...poolKinds.tinypoolThreads, create: plainThreads },
        'plain worker_threads',
      ),
    )
  }
  const pyChunk = lineup.pythonChunksize
  for (const py of lineup.python) {
    if (py === 'serial') {
      contenders.push(
        ...pythonContender('Python serial', workload, expected, { executor: 'serial' }),
      )
    } else if (py === 'Pool.map') {
      contenders.push(
        ...pythonContender('Python Pool.map', workload, expected, { executor: 'Pool' }),
      )
    } else {
      contenders.push(
        ...pythonContender(
          `Python ProcessPoolExecutor.map${pyChunk === undefined ? '' : ` (chunksize ${pyChunk.toLocaleString('en')})`}`,
          workload,
          expected,
          {
            executor: 'ProcessPoolExecutor',
            ...(pyChunk === undefined ? {} : { chunksize: pyChunk }),
          },
        ),
      )
    }
  }
  const rows = await interleave(contenders, { ...options, label: workload.id, timeout: 300_000 })
  const names = contenders.map((contender) => contender.name)
  const tinypool = names.find((name) => name.startsWith('tinypool (threads)'))
  const pythonRef =
    names.find((name) => name.startsWith('Python ProcessPoolExecutor')) ??
    names.find((name) => name === 'Python serial')
  const key = workload.coldOnly === true ? 'e2eMs' : 'warmMs'
  const ratios: Ratio[] = [
    {
      label: `speedup vs serial (${workload.coldOnly === true ? 'end to end' : 'warm'})`,
      key,
      reference: 'serial (this thread)',
      kind: 'speedup',
    },
    ...(tinypool === undefined
      ? []
      : [
          {
            label: '× tinypool (end to end)',
            key: 'e2eMs',
            reference: tinypool,
            kind: 'time',
          } as const,
        ]),
    ...(pythonRef === undefined
      ? []
      : [
          {
            label: `× ${pythonRef} (end to end)`,
            key: 'e2eMs',
            reference: pythonRef,
            kind: 'time',
          } as const,
        ]),
  ]
  return {
    id: workload.id,
    title: workload.title,
    description: workload.description,
    columns: workload.coldOnly === true ? columns.slice(0, 1) : columns,
    ratios,
    rows,
  }
}

function rangeWorkload(
  base: Omit<Workload, 'inputs' | 'range'>,
  start: number,
  end: number,
): Workload {
  return { ...base, inputs: range(start, end), range: [start, end] }
}

const threadPeers = [
  poolKinds.tinypoolThreads,
  poolKinds.piscina,
  poolKinds.poolifierThreads,
  poolKinds.workerpoolThreads,
]
const primesEnd = quick ? 10_001 : 100_001
const perItemEnd = quick ? 2_001 : 100_001
const bigPrimesEnd = quick ? 200_001 : 2_000_001
const seedN = quick ? 100_000 : 1_000_000
const bigN = quick ? 2_000_000 : 10_000_000
const primeChunk = Math.ceil((primesEnd - 1) / (workers * 4))
const factorials = quick ? [10_000, 20_000, 30_000] : [10_000, 20_000, 30_000, 40_000, 50_000]

/**
 * The README's everyday loop, exactly as it is written: `for await (const ok of
 * pool.map(tasks.isPrime, numbers, { chunksize: 10_000 })) if (ok) primes++` over an array of
 * 1..2,000,000, against the same count done serially and by two plain `worker_threads` fed the
 * same slices (arrays in, arrays of booleans out, counted on the main thread), and against the
 * loop that takes a chunk's results at once (`.chunks()`).
 */
async function everydayTable(): Promise<Table> {
  const numbers = range(1, bigPrimesEnd)
  const chunksize = 10_000
  const isPrime = local.isPrime
  let expected = 0
  for (const n of numbers) if (isPrime(n)) expected++
  const check = (primes: number): void => {
    if (primes !== expected) throw new Error(`wrong count: ${primes} ≠ ${expected}`)
  }
  /** Times one loop on a pool: end to end (create, loop, shut down) and warm (a second loop). */
  const pooled = <P>(
    name: string,
    create: () => P,
    loop: (pool: P) => Promise<number>,
    close: (pool: P) => Promise<void>,
  ): Contender => ({
    name,
    run: async (): Promise<Sample> => {
      const start = performance.now()
      const pool = create()
      try {
        check(await loop(pool))
        const coldMs = performance.now() - start
        const warmStart = performance.now()
        check(await loop(pool))
        const warmMs = performance.now() - warmStart
        const closeStart = performance.now()
        await close(pool)
        return { e2eMs: coldMs + performance.now() - closeStart, warmMs }
      } catch (error) {
        await close(pool)
        throw error
      }
    },
  })
  const readme = (runtime: 'thread' | 'process'): Contender =>
    pooled(
      `ours ${runtime === 'thread' ? 'ThreadPoolExecutor' : 'ProcessPoolExecutor'}, the README's loop`,
      () => ours(runtime, workers).executor,
      async (pool) => {
        let primes = 0
        for await (const ok of pool.map(tasks.isPrime, numbers, { chunksize })) if (ok) primes++
        return primes
      },
      (pool) => pool.shutdown(),
    )
  const contenders: Contender[] = [
    {
      name: 'serial (this thread)',
      run: () => {
        const once = (): number => {
          let primes = 0
          for (const n of numbers) if (isPrime(n)) primes++
          return primes
        }
        let start = performance.now()
        check(once())
        const e2eMs = performance.now() - start
        start = performance.now()
        check(once())
        return Promise.resolve({ e2eMs, warmMs: performance.now() - start })
      },
    },
    readme('thread'),
    pooled(
      'ours ThreadPoolExecutor, the loop over .chunks()',
      () => ours('thread', workers).executor,
      async (pool) => {
        let primes = 0
        for await (const chunk of pool.map(tasks.isPrime, numbers, { chunksize }).chunks()) {
          for (const ok of chunk) if (ok) primes++
        }
        return primes
      },
      (pool) => pool.shutdown(),
    ),
    readme('process'),
    pooled(
      'plain worker_threads (arrays in, arrays out)',
      () => plainThreads(workers),
      async (pool) => {
        const slices: Array<PromiseLike<boolean[]>> = []
        for (let start = 0; start < numbers.length; start += chunksize) {
          slices.push(pool.call('isPrimeList', numbers.slice(start, start + chunksize)))
        }
        let primes = 0
        for (const slice of slices) for (const ok of await slice) if (ok) primes++
        return primes
      },
      (pool) => pool.close(),
    ),
  ]
  const rows = await interleave(contenders, { ...options, label: 'everyday', timeout: 300_000 })
  return {
    id: 'everyday-map',
    title: `The README's loop: isPrime(n) for n in 1..${(bigPrimesEnd - 1).toLocaleString('en')}, chunks of 10,000`,
    description:
      "Exactly the README's `for await (const ok of pool.map(tasks.isPrime, numbers, { chunksize: 10_000 })) if (ok) primes++` over an array, against the same count done serially, by two plain `worker_threads` fed the same slices (arrays in, arrays of booleans out, counted on the main thread), and by the loop over `.chunks()`, which takes a chunk's results at once. End to end includes creating and shutting down the pool (or the threads).",
    columns,
    ratios: [
      {
        label: 'speedup vs serial (warm)',
        key: 'warmMs',
        reference: 'serial (this thread)',
        kind: 'speedup',
      },
      {
        label: '× plain worker_threads (warm)',
        key: 'warmMs',
        reference: 'plain worker_threads (arrays in, arrays out)',
        kind: 'time',
      },
    ],
    rows,
  }
}

try {
  const tables: Table[] = []
  tables.push(
    await run(
      rangeWorkload(
        {
          id: 'isprime-per-item',
          title: `isPrime(n) for n in 1..${(perItemEnd - 1).toLocaleString('en')}, one task per item`,
          description:
            "Each number is its own task (ours: `map` with `chunksize: 1`). One run per round (these take seconds): end to end includes the pool's start and shutdown. Python's one-task-per-item pools are not run here: scenario 1 gives their cost per task.",
          task: 'isPrime',
          chunksize: 1,
          coldOnly: true,
        },
        1,
        perItemEnd,
      ),
      { oursRuntimes: ['thread'], peers: [poolKinds.tinypoolThreads], python: ['serial'] },
    ),
  )
  tables.push(
    await run(
      rangeWorkload(
        {
          id: 'isprime-chunked',
          title: `isPrime(n) for n in 1..${(primesEnd - 1).toLocaleString('en')}, chunked`,
          description: `The seed's \`Pool(processes=4).map(is_prime, numbers)\`, on ${workers} workers everywhere. Ours: \`map\` without a chunksize (it picks ${primeChunk.toLocaleString('en')}, as \`Pool.map\` does); the peers get the same chunks by hand (\`isPrimeRange\`).`,
          task: 'isPrime',
          chunksize: primeChunk,
        },
        1,
        primesEnd,
      ),
      {
        oursRuntimes: ['thread', 'process'],
        peers: threadPeers,
        python: ['serial', 'Pool.map', 'ProcessPoolExecutor.map'],
        pythonChunksize: primeChunk,
      },
    ),
  )
  tables.push(await everydayTable())
  tables.push(
    await run(
      {
        id: 'sqrt-seed',
        title: `Eight sums of sqrt(i) for i < ${seedN.toLocaleString('en')} (the seed's N)`,
        description:
          "The seed's `ProcessPoolExecutor().map(compute, [1_000_000] * 8)`: one task per input.",
        task: 'sqrtSum',
        inputs: Array.from({ length: 8 }, () => seedN),
        chunksize: 1,
      },
      {
        oursRuntimes: ['thread', 'process'],
        peers: threadPeers,
        python: ['serial', 'ProcessPoolExecutor.map'],
      },
    ),
  )
  tables.push(
    await run(
      {
        id: 'sqrt-big',
        title: `Eight sums of sqrt(i) for i < ${bigN.toLocaleString('en')}`,
        description: `N chosen so that each task runs well over 1 ms in Node. Python is not run at this size (about ${Math.round((bigN / seedN) * 0.6)} s per run serially); its figures at the seed's N are above.`,
        task: 'sqrtSum',
        inputs: Array.from({ length: 8 }, () => bigN),
        chunksize: 1,
      },
      { oursRuntimes: ['thread', 'process'], peers: threadPeers, python: [] },
    ),
  )
  tables.push(
    await run(
      {
        id: 'factorial',
        title: `Factorials of ${factorials.map((n) => n.toLocaleString('en')).join(', ')} (BigInt)`,
        description:
          "The seed's `Pool().map(math.factorial, values)`. JavaScript multiplies BigInts in halves (as CPython's `math.factorial` does); the results cross back whole.",
        task: 'factorial',
        inputs: factorials,
        chunksize: 1,
      },
      {
        oursRuntimes: ['thread', 'process'],
        peers: threadPeers,
        python: ['serial', 'Pool.map', 'ProcessPoolExecutor.map'],
      },
    ),
  )
  tables.push(
    await run(
      {
        id: 'squares',
        title: 'Squares of 1..10',
        description:
          "The seeds' first example, `Pool().map(square, numbers)`: ten trivial tasks, so the figure is the pool's start, dispatch and shutdown.",
        task: 'square',
        inputs: range(1, 11),
        chunksize: 1,
      },
      {
        oursRuntimes: ['thread', 'process'],
        peers: [
          ...threadPeers,
          poolKinds.tinypoolProcesses,
          poolKinds.poolifierProcesses,
          poolKinds.workerpoolProcesses,
        ],
        python: ['serial', 'Pool.map', 'ProcessPoolExecutor.map'],
      },
    ),
  )
  emit({
    scenario: 'seeds',
    title: "The seeds' workloads",
    quick,
    warmup: options.warmup,
    rounds: options.rounds,
    workers,
    notes: [...notes, ...hangNotes()],
    tables,
    durationMs: performance.now() - started,
  })
} finally {
  await python?.close()
}
process.exit(0)
