/**
 * One call of a task, as an executor hands it to a runner and the runner reports on it: the
 * one description of a call on the parent's side, used by the worker pools' backend and by the
 * in-process runner alike. Which calls go to a worker together (a chunk is one call; a batch is
 * many calls in one message) is the runner's business: it reports on every call by itself.
 */
import type { WorkerCrashedError } from '@concurrent/future'

import type { TraceCarrier } from '../context-propagation.js'
import type { HandlePath } from './marshal.js'
import type { TaskSpec } from './protocol.js'
import type { AnyFunction, Work } from './run.js'

/**
 * Receives what a call sends while it runs, and how it ended.
 *
 * @internal
 */
export interface CallListener {
  /** A value the task sent with `reportProgress`. */
  progress(value: unknown): void
  /** A value a streaming task yielded; without it, the call is not a stream. */
  readonly yield?: ((value: unknown) => void) | undefined
  /**
   * The call is over: called exactly once per start, never from inside {@link Runner.start}
   * (so the executor has the call's {@link RunningCall} first). A listener rather than a
   * promise per call: on the path of every tiny task, a promise and its reaction were a large
   * share of the cost.
   */
  settled(outcome: CallOutcome): void
}

/**
 * One call, ready to be started.
 *
 * @typeParam T - how the runner finds the task: a {@link TaskSpec} for workers, the function
 * itself (or a spec) in-process.
 * @internal
 */
export interface Call<T = TaskSpec> {
  readonly task: T
  readonly work: Work
  /** Buffers to move to a worker thread rather than copy (`Transferable`s). */
  readonly transfer: readonly object[]
  /** Where the call was submitted, joined to a task error's stack. */
  readonly callerStack: (() => string | undefined) | undefined
  readonly listener: CallListener
  /**
   * Where the arguments hold handles of registered classes (a `Queue`, a `Lock`), revived by
   * the worker before the task runs: paths into the message's `args`. A call with handles
   * travels alone, never in a batch.
   */
  readonly handles?: readonly HandlePath[] | undefined
  /** Runs once the call is over for good (what encoding its handles opened, it closes). */
  readonly release?: (() => void) | undefined
  /** The caller's trace context, run around the task in the worker (context-propagation.ts). */
  readonly trace?: TraceCarrier | undefined
}

/**
 * A call as `prepare` makes it, before the executor gives it a listener.
 *
 * @internal
 */
export type PreparedCall<T = TaskSpec> = Omit<Call<T>, 'listener'>

/**
 * How a call ended.
 *
 * - `value`/`error`: it ran and returned or threw (a chunk always ends with a `value`, its
 *   {@link ChunkResult}, unless it could not run at all).
 * - `withdrawn`: it was cancelled before it started, and never ran.
 * - `unstarted`: its worker went away before starting it (it died running an earlier call of
 *   the same message, or could not start at all); it never ran and may run again.
 * - `crash`: its worker died while running it.
 * - `broken`: the runner can run nothing any more (the initializer failed, workers keep failing
 *   to start); `error` says why.
 *
 * @internal
 */
export type CallOutcome =
  | { readonly kind: 'value'; readonly value: unknown; readonly took: number }
  | { readonly kind: 'error'; readonly error: unknown; readonly took: number }
  | { readonly kind: 'withdrawn' }
  | { readonly kind: 'unstarted' }
  | { readonly kind: 'crash'; readonly error: WorkerCrashedError }
  | { readonly kind: 'broken'; readonly error: unknown }

/**
 * A call handed to a runner.
 *
 * @internal
 */
export interface RunningCall {
  /** The thread id or process id of the worker it went to; `undefined` in-process. */
  readonly workerId: number | undefined
  /**
   * Stops the call: one that has not started never will (its outcome is `withdrawn`); a running
   * one has its token cancelled and its signal aborted.
   */
  cancel(): void
  /** Terminates the worker running the call; its outcome becomes a `crash` with `reason`. */
  terminate(reason: string): void
}

/**
 * What runs calls for an executor: a pool of workers, or the calling thread.
 *
 * @internal
 */
export interface Runner<T> {
  /**
   * Starts `calls` on one worker, in order (more than one makes a batch: one message, each
   * call reported by itself to its listener's `settled`). The executor calls it only when a
   * worker is free for them.
   *
   * @returns one handle per call, in the same order.
   */
  start(calls: ReadonlyArray<Call<T>>): RunningCall[]
  /** Whether `start` takes more than one call at a time. */
  readonly batches: boolean
  /** How many workers exist now (starting, busy or idle). */
  readonly workers: number
  /** Stops the workers once nothing runs; resolves when they have exited. */
  close(): Promise<void>
  /**
   * Stops every worker at once, running calls included (their outcome becomes a `crash`):
   * `'SIGTERM'` asks, `'SIGKILL'` kills. Resolves when they have exited.
   */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** From now on, running calls do not keep the program alive. */
  release(): void
}

export type { AnyFunction }
