/**
 * What a scenario script prints (one JSON document on stdout) and the runner reads back to
 * write `RESULTS.md`.
 */
import type { Summary } from './stats.js'

/** One measured quantity of a table, shown as `median (min–max)`. */
export interface Column {
  readonly key: string
  readonly label: string
  readonly unit: string
  /** Digits after the decimal point. */
  readonly digits?: number
}

/** One contender's measurements in a table. */
export interface Row {
  readonly contender: string
  readonly metrics: Readonly<Record<string, Summary>>
  /** Set when the contender failed or was skipped; then `metrics` is empty. */
  readonly skipped?: string
}

/** One comparison: contenders run interleaved, round after round. */
export interface Table {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly columns: readonly Column[]
  /** Ratio columns: each row's median against a reference contender's, in this run. */
  readonly ratios: readonly Ratio[]
  readonly rows: readonly Row[]
}

/**
 * A ratio column. `time` ratios are `row / reference` (below 1: the row is faster);
 * `speedup` ratios are `reference / row` (above 1: the row is faster).
 */
export interface Ratio {
  readonly label: string
  readonly key: string
  readonly reference: string
  readonly kind: 'time' | 'speedup'
}

/** The whole output of one scenario script. */
export interface ScenarioResult {
  readonly scenario: string
  readonly title: string
  readonly quick: boolean
  readonly warmup: number
  readonly rounds: number
  readonly workers: number
  /** Skipped contenders and other things a reader must know. */
  readonly notes: readonly string[]
  readonly tables: readonly Table[]
  readonly durationMs: number
}

/** Prints a scenario's result as the one JSON document on stdout. */
export function emit(result: ScenarioResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}
