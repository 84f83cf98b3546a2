/**
 * Tracing and metrics for a pool with OpenTelemetry, all in memory (nothing leaves the machine):
 *
 * - a subscriber to the `concurrent:task` tracing channel opens a span per task when it is
 *   submitted and ends it when its future settles, with its worker, wait and run times;
 * - the same events feed two OpenTelemetry histograms, and `concurrent:worker:start`/`exit` a
 *   counter;
 * - trace context goes with each task into its worker thread (`setContextPropagation`), where
 *   the task's own span joins the trace, under its task's span;
 * - at the end, it prints the trace tree of a `map`, and the metrics.
 *
 * `--items n` sets how many tasks the map runs (default 12); `--check` exits non-zero unless
 * every worker span sits under its task's span, under the map's.
 */
import diagnostics from 'node:diagnostics_channel'
import { parseArgs } from 'node:util'
import { BroadcastChannel } from 'node:worker_threads'

import * as api from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node'

import {
  diagnosticsChannels,
  setContextPropagation,
  taskModule,
  ThreadPoolExecutor,
  type TaskTraceContext,
  type WorkerExitMessage,
  type WorkerStartMessage,
} from '@concurrent/executors'

import { recordOf, SPANS_CHANNEL, type SpanRecord } from './tasks.js'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const { values } = parseArgs({
  // `pnpm start -- --items n` passes the `--` on: skip it.
  args: process.argv.slice(2).filter((arg, index) => index > 0 || arg !== '--'),
  options: { items: { type: 'string', default: '12' }, check: { type: 'boolean', default: false } },
})
const items = Number(values.items)

// --- OpenTelemetry in this thread: spans and metrics kept in memory --------------------------
const spanExporter = new InMemorySpanExporter()
const tracerProvider = new NodeTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spanExporter)],
})
tracerProvider.register()
const tracer = api.trace.getTracer('example-opentelemetry')

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const metricReader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
})
const meterProvider = new MeterProvider({ readers: [metricReader] })
const meter = meterProvider.getMeter('example-opentelemetry')
const waitTime = meter.createHistogram('concurrent.task.wait_time', { unit: 'ms' })
const runTime = meter.createHistogram('concurrent.task.run_time', { unit: 'ms' })
const workerStarts = meter.createCounter('concurrent.worker.starts')

// --- Spans from the diagnostics channels -----------------------------------------------------
/** The span of each task, by its context on `concurrent:task`. */
const taskSpans = new WeakMap<TaskTraceContext, api.Span>()
/** The span of the task being submitted now: `inject` runs between `start` and `end`. */
let submitting: api.Span | undefined

const epoch = (at: number): number => performance.timeOrigin + at

const taskChannel = diagnostics.tracingChannel<unknown, TaskTraceContext>(diagnosticsChannels.task)
taskChannel.subscribe({
  start(task) {
    const span = tracer.startSpan(`${task.taskName} #${task.taskId}`, {
      startTime: epoch(task.queuedAt),
      attributes: {
        'concurrent.executor': `${task.executor.name}#${task.executor.id}`,
        'concurrent.task.kind': task.kind,
        'concurrent.task.items': task.items,
      },
    })
    taskSpans.set(task, span)
    submitting = span
  },
  end() {
    submitting = undefined
  },
  asyncStart() {},
  asyncEnd(task) {
    const span = taskSpans.get(task)
    if (span === undefined) return
    if (task.waitTime !== undefined) waitTime.record(task.waitTime, { task: task.taskName })
    if (task.runTime !== undefined) runTime.record(task.runTime, { task: task.taskName })
    span.setAttributes({
      'concurrent.outcome': task.outcome ?? 'unknown',
      'concurrent.worker.id': task.workerId ?? -1,
      'concurrent.wait_ms': Number((task.waitTime ?? 0).toFixed(3)),
      'concurrent.run_ms': Number((task.runTime ?? 0).toFixed(3)),
    })
    if (task.outcome !== 'value') span.setStatus({ code: api.SpanStatusCode.ERROR })
    span.end(epoch(task.settledAt ?? performance.now()))
  },
  error(task) {
    if (task.error instanceof Error) taskSpans.get(task)?.recordException(task.error)
  },
})
diagnostics.subscribe(diagnosticsChannels.taskDispatch, (message) => {
  const task = message as TaskTraceContext
  taskSpans
    .get(task)
    ?.addEvent('handed to a worker', { worker: task.workerId ?? -1 }, epoch(task.startedAt ?? 0))
})
diagnostics.subscribe(diagnosticsChannels.workerStart, (message) => {
  const { executor, workerId } = message as WorkerStartMessage
  workerStarts.add(1, { executor: executor.name })
  console.log(`worker ${workerId} started`)
})
diagnostics.subscribe(diagnosticsChannels.workerExit, (message) => {
  const { workerId, reason, tasks: ran } = message as WorkerExitMessage
  console.log(`worker ${workerId} exited (${reason}) after ${ran} tasks`)
})

// --- Trace context into the workers ----------------------------------------------------------
// Each task carries W3C `traceparent`/`tracestate` naming its own span (the one opened on
// `start` above), so the span the task opens in its worker sits under it.
setContextPropagation({
  inject() {
    const context =
      submitting === undefined
        ? api.context.active()
        : api.trace.setSpan(api.context.active(), submitting)
    const carrier: Record<string, string> = {}
    api.propagation.inject(context, carrier)
    return carrier
  },
  extract: (carrier, run) =>
    api.context.with(api.propagation.extract(api.context.active(), { ...carrier }), run),
})

// The workers' spans, sent back by the task module's exporter.
const workerSpans: SpanRecord[] = []
const fromWorkers = new BroadcastChannel(SPANS_CHANNEL)
fromWorkers.onmessage = (event) => workerSpans.push((event as { data: SpanRecord }).data)

// --- The work ---------------------------------------------------------------------------------
{
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2, initializer: tasks.setUpTracing })
  const starts = Array.from({ length: items }, (_, i) => 1 + i * 20_000)
  let primes = 0
  await tracer.startActiveSpan(`map countPrimes over ${items} ranges`, async (span) => {
    for await (const count of pool.map(tasks.countPrimes, starts, { chunksize: 1 })) primes += count
    span.end()
  })
  console.log(`${primes} primes below ${(items * 20_000 + 1).toLocaleString('en-US')}`)
  const { waitTime: wait, runTime: run } = pool.stats()
  console.log(
    `stats(): wait p50 ${wait.p50.toFixed(2)} ms, p99 ${wait.p99.toFixed(2)} ms; run p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms (${run.count} tasks)`,
  )
  // Every task's span has come back once there is one per item (bounded wait).
  for (let i = 0; i < 200 && workerSpans.length < items; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
fromWorkers.close()

// --- The trace tree ----------------------------------------------------------------------------
const spans: SpanRecord[] = [
  ...spanExporter.getFinishedSpans().map((span) => recordOf(span, 'main')),
  ...workerSpans,
]
const children = new Map<string | undefined, SpanRecord[]>()
for (const span of spans) {
  const siblings = children.get(span.parentSpanId) ?? []
  siblings.push(span)
  children.set(span.parentSpanId, siblings)
}
const known = new Set(spans.map((span) => span.spanId))
const roots = spans.filter(
  (span) => span.parentSpanId === undefined || !known.has(span.parentSpanId),
)

function print(span: SpanRecord, prefix: string, last: boolean, depth: number): void {
  const origin = roots[0]?.start ?? span.start
  const branch = depth === 0 ? '' : last ? '└─ ' : '├─ '
  const worker = span.attributes['concurrent.worker.id'] as number | undefined
  const where =
    span.thread === 'worker'
      ? ' [in the worker]'
      : worker === undefined
        ? ''
        : ` [worker ${String(worker)}]`
  console.log(
    `${prefix}${branch}${span.name}${where}  +${(span.start - origin).toFixed(1)} ms, ${span.duration.toFixed(1)} ms`,
  )
  const below = (children.get(span.spanId) ?? []).sort((a, b) => a.start - b.start)
  below.forEach((child, index) =>
    print(
      child,
      depth === 0 ? prefix : `${prefix}${last ? '   ' : '│  '}`,
      index === below.length - 1,
      depth + 1,
    ),
  )
}

console.log('\nThe trace of the map:')
for (const root of roots) print(root, '', true, 0)

await metricReader.forceFlush()
console.log('\nMetrics:')
for (const { scopeMetrics } of metricExporter.getMetrics()) {
  for (const { metrics } of scopeMetrics) {
    for (const metric of metrics) {
      for (const point of metric.dataPoints) {
        const value = point.value as number | { count: number; sum?: number }
        const shown =
          typeof value === 'number'
            ? String(value)
            : `count ${value.count}, mean ${((value.sum ?? 0) / value.count).toFixed(2)} ${metric.descriptor.unit}`
        console.log(`  ${metric.descriptor.name} ${JSON.stringify(point.attributes)}: ${shown}`)
      }
    }
  }
}
await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])

if (values.check) {
  // The map's span, a span per task under it, and each worker span under a task span.
  const [root] = roots
  const taskSpansFound = children.get(root?.spanId) ?? []
  const inTasks = taskSpansFound.flatMap((task) => children.get(task.spanId) ?? [])
  const ok =
    roots.length === 1 &&
    taskSpansFound.length === items &&
    inTasks.length === items &&
    inTasks.every((span) => span.name === 'countPrimes' && span.thread === 'worker')
  if (!ok) {
    console.error(
      `check failed: ${roots.length} roots, ${taskSpansFound.length} task spans, ${inTasks.length} worker spans under them (want 1, ${items}, ${items})`,
    )
    process.exit(1)
  }
  console.log('\ncheck: every task span is under the map, and every worker span under its task')
}
