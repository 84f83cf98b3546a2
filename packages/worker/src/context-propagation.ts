/**
 * Trace context across the worker boundary. A task should run inside its caller's trace, but a
 * worker is another thread or process: nothing of the caller's async context goes with the call.
 * So the caller's context is written into a carrier — a few strings, W3C `traceparent` and
 * `tracestate` for OpenTelemetry — when the task is submitted, travels with the call, and is read
 * back around the task in the worker.
 *
 * This module knows no tracing library: whoever wants propagation registers a
 * {@link ContextPropagation} (two functions) in the parent and in each worker.
 * {@link openTelemetryPropagation} builds one from `@opentelemetry/api`, passed in by the caller,
 * so OpenTelemetry stays the user's dependency, never ours. With nothing registered, a call
 * carries nothing and costs nothing.
 *
 * The registration lives on `globalThis` (one per thread), not in this module: a task module
 * loaded through a TypeScript loader gets a copy of `@concurrent/worker` of its own, and what it
 * registers must reach the runtime's copy.
 */
import { describe, reportCallbackError } from '@concurrent/future/internal'

/**
 * What carries a caller's trace context to a worker: string fields, such as W3C Trace Context's
 * `traceparent` and `tracestate` (and `baggage`).
 *
 * @example
 * ```ts
 * import type { TraceCarrier } from '@concurrent/executors'
 *
 * const carrier: TraceCarrier = {
 *   traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
 *   tracestate: 'congo=t61rcWkgMzE',
 * }
 * ```
 * @category Observability
 */
export type TraceCarrier = Readonly<Record<string, string>>

/**
 * How a caller's trace context goes with its tasks: `inject` writes it into a carrier when a
 * task is submitted, `extract` runs the task inside it in the worker. Register one with
 * {@link setContextPropagation} in the parent and in every worker (the pool's `initializer`
 * is the place); {@link openTelemetryPropagation} makes one for OpenTelemetry.
 *
 * @example
 * ```ts
 * import { AsyncLocalStorage } from 'node:async_hooks'
 * import { setContextPropagation, type ContextPropagation } from '@concurrent/executors'
 *
 * // A home-made request id that follows each task into its worker.
 * const requestId = new AsyncLocalStorage<string>()
 * const propagation: ContextPropagation = {
 *   inject: () => {
 *     const id = requestId.getStore()
 *     return id === undefined ? undefined : { 'x-request-id': id }
 *   },
 *   extract: (carrier, run) => requestId.run(carrier['x-request-id'] ?? 'none', run),
 * }
 * setContextPropagation(propagation)
 * ```
 * @category Observability
 */
export interface ContextPropagation {
  /**
   * Called in the caller's thread by `submit` (and for each call of a `map`), synchronously, in
   * the caller's async context, between the `start` and `end` events of the task's
   * `concurrent:task` trace.
   *
   * @returns the carrier to send with the call, or `undefined` to send none.
   */
  inject(): TraceCarrier | undefined
  /**
   * Called in the worker (in this thread for an `AsyncExecutor`) for a call that came with a
   * carrier: runs `run` — the task — inside the context the carrier describes, and returns
   * what it returns.
   */
  extract<T>(carrier: TraceCarrier, run: () => T): T
}

/**
 * The parts of `@opentelemetry/api` that {@link openTelemetryPropagation} uses: its `context`
 * and `propagation` singletons (`import * as api from '@opentelemetry/api'` has both).
 *
 * @example
 * ```ts
 * import { context, propagation } from '@opentelemetry/api'
 * import type { OpenTelemetryApi } from '@concurrent/executors'
 *
 * const api: OpenTelemetryApi<ReturnType<typeof context.active>> = { context, propagation }
 * ```
 * @typeParam C - OpenTelemetry's `Context`.
 * @category Observability
 */
export interface OpenTelemetryApi<C> {
  /** `api.context`: the active context, and running a function inside another. */
  readonly context: {
    active(): C
    with<F extends () => ReturnType<F>>(context: C, fn: F): ReturnType<F>
  }
  /** `api.propagation`: the global propagator (W3C Trace Context by default). */
  readonly propagation: {
    inject(context: C, carrier: Record<string, string>): void
    extract(context: C, carrier: Record<string, string>): C
  }
}

/**
 * A {@link ContextPropagation} for OpenTelemetry: it injects the active context with the global
 * propagator (W3C `traceparent` and `tracestate`, by default), and runs each task inside the
 * context extracted from them, so a span the task opens has the caller's span as its parent.
 * Pass it `@opentelemetry/api` itself: this package does not depend on OpenTelemetry.
 *
 * In a worker, the propagator and the context manager are the ones registered there (a
 * `NodeTracerProvider`'s `register()` sets both): set OpenTelemetry up in the pool's
 * `initializer`, and register this there too.
 *
 * @param api - `@opentelemetry/api` (its `context` and `propagation`).
 * @returns the propagation, for {@link setContextPropagation}.
 * @example
 * ```ts
 * import * as api from '@opentelemetry/api'
 * import { openTelemetryPropagation, setContextPropagation } from '@concurrent/executors'
 *
 * setContextPropagation(openTelemetryPropagation(api))
 * ```
 * @category Observability
 */
export function openTelemetryPropagation<C>(api: OpenTelemetryApi<C>): ContextPropagation {
  const { context, propagation } = api
  return {
    inject() {
      const carrier: Record<string, string> = {}
      propagation.inject(context.active(), carrier)
      return Object.keys(carrier).length === 0 ? undefined : carrier
    },
    extract(carrier, run) {
      return context.with(propagation.extract(context.active(), { ...carrier }), run)
    },
  }
}

interface Registry {
  propagation: ContextPropagation | undefined
}

const registry = ((globalThis as { [key: symbol]: Registry | undefined })[
  Symbol.for('concurrent.contextPropagation')
] ??= { propagation: undefined })

/**
 * Registers how trace context goes with tasks, in this thread or process: call it in the
 * parent (tasks submitted from now on carry the caller's context) and in every worker, where
 * tasks run inside the context they carry (the pool's `initializer` is the place, or the top of
 * the task module). `undefined` turns it off. Calls submitted before carry nothing.
 *
 * A propagation that throws never fails a task: the error is reported
 * (`process.emitWarning`) and the task goes without context.
 *
 * @param propagation - the hooks, or `undefined` for none.
 * @throws TypeError when `propagation` lacks `inject` or `extract`.
 * @example
 * ```ts
 * // main.ts
 * import * as api from '@opentelemetry/api'
 * import { openTelemetryPropagation, setContextPropagation, ThreadPoolExecutor, taskModule } from '@concurrent/executors'
 *
 * setContextPropagation(openTelemetryPropagation(api))
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * await using pool = new ThreadPoolExecutor({ initializer: tasks.setUpTracing })
 *
 * // tasks.ts
 * export function setUpTracing() {
 *   new NodeTracerProvider({ spanProcessors: [processor] }).register()
 *   setContextPropagation(openTelemetryPropagation(api))
 * }
 * ```
 * @category Observability
 */
export function setContextPropagation(propagation: ContextPropagation | undefined): void {
  if (
    propagation !== undefined &&
    (typeof propagation !== 'object' ||
      propagation === null ||
      typeof propagation.inject !== 'function' ||
      typeof propagation.extract !== 'function')
  ) {
    throw new TypeError(
      `Expected \`propagation\` to be an object with \`inject\` and \`extract\` functions, or undefined, got ${describe(propagation)}`,
    )
  }
  registry.propagation = propagation
}

/**
 * The caller's trace context, as the registered propagation writes it; `undefined` when none is
 * registered or it has nothing to send.
 *
 * @internal
 */
export function injectContext(): TraceCarrier | undefined {
  const propagation = registry.propagation
  if (propagation === undefined) return undefined
  try {
    const carrier = propagation.inject()
    return carrier === undefined || carrier === null ? undefined : carrier
  } catch (error) {
    reportCallbackError(
      error,
      'the inject() of the context propagation (the task went without trace context)',
    )
    return undefined
  }
}

/**
 * Runs `run` inside the context `carrier` describes, when there is one and a propagation is
 * registered in this thread; else simply runs it.
 *
 * @internal
 */
export function runInContext<T>(carrier: TraceCarrier | undefined, run: () => T): T {
  const propagation = registry.propagation
  if (carrier === undefined || propagation === undefined) return run()
  let ran = false
  try {
    return propagation.extract(carrier, () => {
      ran = true
      return run()
    })
  } catch (error) {
    // The task's own error passes through; only a failing extract is reported.
    if (ran) throw error
    reportCallbackError(
      error,
      'the extract() of the context propagation (the task ran without trace context)',
    )
    return run()
  }
}
