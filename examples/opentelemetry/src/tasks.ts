/**
 * The tasks, run on worker threads. `setUpTracing` is the pool's initializer: it gives each
 * worker a tracer provider and the trace propagation, so that a span a task opens joins its
 * caller's trace. The worker's finished spans go to the main thread over a `BroadcastChannel`
 * (threads of one process share it), which prints the whole tree: nothing leaves the machine.
 */
import { BroadcastChannel } from 'node:worker_threads'

import * as api from '@opentelemetry/api'
import {
  NodeTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node'
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'

import { openTelemetryPropagation, setContextPropagation } from '@concurrent/executors'

/** A finished span, as it crosses to the main thread. */
export interface SpanRecord {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  /** Milliseconds since the epoch. */
  readonly start: number
  readonly duration: number
  readonly attributes: Readonly<Record<string, unknown>>
  readonly thread: string
}

export const SPANS_CHANNEL = 'example-opentelemetry-spans'

/** Turns an SDK span into a {@link SpanRecord}. */
export function recordOf(span: ReadableSpan, thread: string): SpanRecord {
  const [startS, startNs] = span.startTime
  const [durationS, durationNs] = span.duration
  return {
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    start: startS * 1e3 + startNs / 1e6,
    duration: durationS * 1e3 + durationNs / 1e6,
    attributes: { ...span.attributes },
    thread,
  }
}

/** Sends each finished span of this worker to the main thread. */
class ToMainThread implements SpanExporter {
  readonly #channel = new BroadcastChannel(SPANS_CHANNEL)
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    for (const span of spans) this.#channel.postMessage(recordOf(span, 'worker'))
    done({ code: 0 })
  }
  shutdown(): Promise<void> {
    this.#channel.close()
    return Promise.resolve()
  }
}

/** The pool's initializer: OpenTelemetry in this worker, and trace context from the caller. */
export function setUpTracing(): void {
  new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ToMainThread())],
  }).register()
  setContextPropagation(openTelemetryPropagation(api))
}

function isPrime(n: number): boolean {
  if (n < 2) return false
  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false
  return true
}

/** Counts the primes in `[from, from + size)`, inside a span of its own. */
export function countPrimes(from: number, size = 20_000): number {
  return api.trace.getTracer('example-tasks').startActiveSpan('countPrimes', (span) => {
    let count = 0
    for (let n = from; n < from + size; n++) if (isPrime(n)) count++
    span.setAttribute('primes.from', from)
    span.setAttribute('primes.count', count)
    span.end()
    return count
  })
}
