/**
 * A task runs inside its caller's trace: with `@opentelemetry/api` and the real SDK on both
 * sides, a span the task opens in its worker (a thread, a process, or this thread for an
 * `AsyncExecutor`) has the caller's span as its parent, and the caller's trace state.
 */
import * as api from '@opentelemetry/api'
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { executorFactories } from '@concurrent/test-utils'
import {
  AsyncExecutor,
  openTelemetryPropagation,
  setContextPropagation,
  taskModule,
  ThreadPoolExecutor,
  type PoolExecutor,
  type TraceCarrier,
} from '@concurrent/executors'

import type { SpanIds } from './fixtures/tracing.js'

const tracing = taskModule<typeof import('./fixtures/tracing.js')>(
  new URL('./fixtures/tracing.ts', import.meta.url),
)

const provider = new NodeTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())],
})
let tracer: api.Tracer

beforeAll(() => {
  provider.register()
  // After register(): a tracer taken before it stays a no-op one.
  tracer = api.trace.getTracer('concurrent-test-caller')
})
afterAll(async () => {
  setContextPropagation(undefined)
  await provider.shutdown()
  api.trace.disable()
  api.context.disable()
  api.propagation.disable()
})
afterEach(() => {
  setContextPropagation(openTelemetryPropagation(api))
  vi.restoreAllMocks()
})

/** Runs `fn` inside a new active span of the caller; gives its ids too. */
async function inCallerSpan<T>(
  fn: () => PromiseLike<T>,
): Promise<{ caller: api.SpanContext; value: T }> {
  return tracer.startActiveSpan('caller', async (span) => {
    try {
      return { caller: span.spanContext(), value: await fn() }
    } finally {
      span.end()
    }
  })
}

describe.each(executorFactories)('trace context on $name', ({ name, create }) => {
  const options = name === 'AsyncExecutor' ? {} : { initializer: tracing.setUpTracing }
  // An AsyncExecutor runs tasks in this thread: the propagation registered here serves both ends.
  beforeAll(() => setContextPropagation(openTelemetryPropagation(api)))

  it("gives a span opened in the task the caller's span as its parent", async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 2, ...options })
    const { caller, value } = await inCallerSpan(() => pool.submit(tracing.tracedTask, 'in-task'))
    expect(value.traceId).toBe(caller.traceId)
    expect(value.parentSpanId).toBe(caller.spanId)
    expect(value.spanId).not.toBe(caller.spanId)
  })

  it('gives each task of a map the context of the loop that ran it', async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 2, ...options })
    const { caller, value } = await inCallerSpan(async () => {
      const spans: SpanIds[] = []
      for await (const ids of pool.map(tracing.tracedTask, ['a', 'b', 'c', 'd'], {
        chunksize: 1,
      })) {
        spans.push(ids)
      }
      return spans
    })
    expect(value).toHaveLength(4)
    for (const ids of value) {
      expect(ids.traceId).toBe(caller.traceId)
      expect(ids.parentSpanId).toBe(caller.spanId)
    }
  })

  it("carries the caller's tracestate", async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 1, ...options })
    const parent: api.SpanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: api.TraceFlags.SAMPLED,
      traceState: createTraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
    }
    const ids = await api.context.with(api.trace.setSpanContext(api.context.active(), parent), () =>
      pool.submit(tracing.tracedTask, 'with-state'),
    )
    expect(ids).toMatchObject({
      traceId: parent.traceId,
      parentSpanId: parent.spanId,
      traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    })
  })

  it('runs the task without a parent when the caller has no trace', async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 1, ...options })
    const ids = await api.context.with(api.ROOT_CONTEXT, () =>
      pool.submit(tracing.tracedTask, 'root'),
    )
    expect(ids.parentSpanId).toBeUndefined()
  })
})

describe('setContextPropagation', () => {
  it('lets a task run when inject throws, with a warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    setContextPropagation({
      inject: () => {
        throw new Error('inject broke')
      },
      extract: (_carrier, run) => run(),
    })
    await using pool = new AsyncExecutor({ maxWorkers: 1 })
    await expect(pool.submit((a: number) => a + 1, 1)).resolves.toBe(2)
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /inject\(\) of the context propagation.*inject broke/s,
    )
  })

  it("lets a task's own error through extract, and reports an extract that throws", async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const carriers: TraceCarrier[] = []
    setContextPropagation({
      inject: () => ({ traceparent: 'x' }),
      extract: (carrier, run) => {
        carriers.push(carrier)
        return run()
      },
    })
    await using pool = new AsyncExecutor({ maxWorkers: 1 })
    await expect(
      pool.submit(() => {
        throw new RangeError('the task itself')
      }),
    ).rejects.toThrow('the task itself')
    expect(carriers).toEqual([{ traceparent: 'x' }])
    expect(warn).not.toHaveBeenCalled()
    setContextPropagation({
      inject: () => ({ traceparent: 'x' }),
      extract: () => {
        throw new Error('extract broke')
      },
    })
    await expect(pool.submit(() => 'ran anyway')).resolves.toBe('ran anyway')
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/extract\(\) of the context propagation/)
  })

  it('sends nothing and needs nothing in the worker when no propagation is registered', async () => {
    setContextPropagation(undefined)
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
    const ids = await inCallerSpan(() => pool.submit(tracing.tracedTask, 'untraced'))
    // The worker has no tracer provider: the span is a no-op one, of no trace.
    expect(ids.value.traceId).not.toBe(ids.caller.traceId)
  })

  it('rejects something that is not a propagation, naming the fix', () => {
    expect(() => setContextPropagation({} as never)).toThrow(
      /Expected `propagation` to be an object with `inject` and `extract` functions/,
    )
    expect(() => setContextPropagation((() => undefined) as never)).toThrow(TypeError)
  })
})

function createTraceState(value: string): api.TraceState {
  const carrier = {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    tracestate: value,
  }
  const extracted = api.propagation.extract(api.ROOT_CONTEXT, carrier)
  const state = api.trace.getSpanContext(extracted)?.traceState
  if (state === undefined) throw new Error('no trace state: is the W3C propagator registered?')
  return state
}
