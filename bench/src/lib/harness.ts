/**
 * The one way every comparison runs: the contenders interleaved (A B C, A B C, …) in one
 * invocation, so that whatever else the shared machine is doing falls on all of them alike;
 * warm-up rounds first, thrown away; then the measured rounds.
 */
import type { Row } from './result.js'
import { summarize } from './stats.js'

/** One measurement of a contender: named quantities (milliseconds, µs per item, bytes…). */
export type Sample = Readonly<Record<string, number>>

/** Something measured: `run` performs one complete measurement and returns its figures. */
export interface Contender {
  readonly name: string
  run(): Promise<Sample>
}

export interface InterleaveOptions {
  readonly warmup: number
  readonly rounds: number
  /** Called after each round, for progress on stderr. */
  readonly label?: string
  /** Milliseconds one measurement may take before its contender is dropped as hung. */
  readonly timeout?: number
}

const verbose = process.env.BENCH_VERBOSE === '1'

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${name} did not finish one measurement within ${ms / 1000} s`))
    }, ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

/**
 * Runs `contenders` round after round and summarizes each metric per contender. A contender
 * that throws is dropped from later rounds and reported as skipped, with the error.
 */
export async function interleave(
  contenders: readonly Contender[],
  options: InterleaveOptions,
): Promise<Row[]> {
  const samples = new Map<string, Map<string, number[]>>()
  const failed = new Map<string, string>()
  const total = options.warmup + options.rounds
  for (let round = 0; round < total; round++) {
    const started = performance.now()
    for (const contender of contenders) {
      if (failed.has(contender.name)) continue
      let sample: Sample
      try {
        if (verbose) progress(`${options.label ?? ''} ${contender.name}…`)
        sample = await withTimeout(contender.run(), options.timeout ?? 120_000, contender.name)
      } catch (error) {
        failed.set(contender.name, error instanceof Error ? error.message : String(error))
        continue
      }
      if (round < options.warmup) continue
      let metrics = samples.get(contender.name)
      if (metrics === undefined)
        samples.set(contender.name, (metrics = new Map<string, number[]>()))
      for (const [key, value] of Object.entries(sample)) {
        let list = metrics.get(key)
        if (list === undefined) metrics.set(key, (list = []))
        list.push(value)
      }
    }
    const kind = round < options.warmup ? 'warm-up' : 'round'
    const index = round < options.warmup ? round + 1 : round - options.warmup + 1
    progress(
      `${options.label ?? ''} ${kind} ${index} done in ${(performance.now() - started).toFixed(0)} ms`,
    )
  }
  return contenders.map((contender): Row => {
    const reason = failed.get(contender.name)
    const metrics = samples.get(contender.name)
    if (reason !== undefined || metrics === undefined) {
      return { contender: contender.name, metrics: {}, skipped: reason ?? 'no samples' }
    }
    return {
      contender: contender.name,
      metrics: Object.fromEntries([...metrics].map(([key, list]) => [key, summarize(list)])),
    }
  })
}

/** A line on stderr (stdout carries the JSON). */
export function progress(message: string): void {
  process.stderr.write(`  ${message.trim()}\n`)
}

/** Milliseconds spent in `fn`. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}
