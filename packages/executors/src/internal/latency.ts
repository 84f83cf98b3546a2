/**
 * A latency histogram for `stats()`: Node's HDR histogram (`perf_hooks.createHistogram`), fed
 * integer nanoseconds, read in milliseconds. Recording is a few tens of nanoseconds, so it is
 * always on.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'

import type { LatencyHistogram } from '../diagnostics.js'

const EMPTY: LatencyHistogram = { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 }

export class Latency {
  readonly #histogram: RecordableHistogram = createHistogram()

  /** Records `ms` milliseconds (anything below a nanosecond counts as one). */
  record(ms: number): void {
    this.#histogram.record(Math.max(1, Math.round(ms * 1e6)))
  }

  summary(): LatencyHistogram {
    const h = this.#histogram
    if (h.count === 0) return EMPTY
    return {
      count: h.count,
      min: h.min / 1e6,
      max: h.max / 1e6,
      mean: h.mean / 1e6,
      p50: h.percentile(50) / 1e6,
      p90: h.percentile(90) / 1e6,
      p99: h.percentile(99) / 1e6,
    }
  }

  reset(): void {
    this.#histogram.reset()
  }
}
