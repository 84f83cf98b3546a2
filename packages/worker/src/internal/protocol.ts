/**
 * The messages between the parent and a worker, one discriminated union on `type`, imported by
 * both sides. A task travels to the worker as the payload of one tinypool `run()` call
 * (`RunMessage`); what comes back as that call's result is a `ResultMessage` or an
 * `ErrorMessage` — the entry never throws, so a rejection from tinypool always means the worker
 * itself failed. Progress and streamed values travel beside the result (`ProgressMessage`,
 * `YieldMessage`): over a `BroadcastChannel` for threads, over the process's IPC channel for
 * child processes. The parent tells a child process to cancel with a `CancelMessage`; thread
 * workers see cancellation through shared memory instead.
 *
 * A batch (`RunMessage` with `batch: true`) carries many independent calls of one task in one
 * message. The worker runs them in order and reports each as an `ItemMessage` the moment it
 * ends — over the batch's own `MessagePort` for threads, the IPC channel for processes — so a
 * worker that dies mid-batch loses no finished call's result, and the parent can tell the call
 * that was running from the ones that never started.
 */

import type { EncodedError } from './error-codec.js'

/**
 * How the worker finds the function to run.
 *
 * @internal
 */
export type TaskSpec =
  | { readonly kind: 'module'; readonly url: string; readonly name: string }
  | { readonly kind: 'inline'; readonly source: string; readonly name: string }

/** The worker's end of a batch's `MessageChannel`: what it uses of a `MessagePort`. */
export interface BatchPort {
  postMessage(value: unknown, transferList?: readonly object[]): void
}

/** Runs a task (or a chunk of calls to it) in a worker. */
export interface RunMessage {
  readonly type: 'run'
  readonly id: number
  readonly task: TaskSpec
  /** The arguments; for a chunk, a list of argument lists (or of single arguments, `flat`). */
  readonly args: readonly unknown[]
  readonly chunk: boolean
  /**
   * A chunk of a one-argument task sent as the list of those arguments: structured clone
   * copies a flat list many times faster than a list of one-element lists.
   */
  readonly flat: boolean
  /**
   * Independent calls of the task, one per entry of `args` (an argument list, or the only
   * argument when `flat`), each reported as an {@link ItemMessage}.
   */
  readonly batch: boolean
  /**
   * The cancel token's shared state (threads only). For a batch of n calls, 2n flags: call i
   * is claimed at slot i (0 waiting, {@link BATCH_STARTED} once the worker starts it,
   * {@link BATCH_CANCELLED} once the parent cancelled it first) and its token is slot n + i.
   */
  readonly cancel: SharedArrayBuffer | undefined
  /**
   * Where a batch's item and progress messages go (threads only): a `MessagePort`, typed by
   * the one method the worker calls so that the shipped declarations need no `@types/node`.
   */
  readonly port?: BatchPort | undefined
  /** The pool's initializer, run once per worker before its first task. */
  readonly init: { readonly task: TaskSpec; readonly args: readonly unknown[] } | undefined
  /** The pool's `maxTasksPerChild`: the worker asks to retire after this many tasks. */
  readonly maxTasks: number | undefined
  /** Where to send progress and streamed values (threads: a BroadcastChannel name). */
  readonly channel: string | undefined
}

/** The task returned (or, for a streaming task, finished after yielding `yielded` values). */
export interface ResultMessage {
  readonly type: 'result'
  readonly id: number
  readonly value: unknown
  /**
   * How many progress and yield messages the task sent: they travel beside the reply, and the
   * parent settles the task only once it has them all.
   */
  readonly sent: number
  /** The worker has run `maxTasksPerChild` tasks and asks to be replaced. */
  readonly retire: boolean
  /** How long the task ran in the worker, in ms. */
  readonly took: number
}

/** The task threw (or the initializer did, with `init: true`). */
export interface ErrorMessage {
  readonly type: 'error'
  readonly id: number
  readonly error: EncodedError
  readonly init: boolean
  readonly sent: number
  readonly retire: boolean
  readonly took: number
}

/** A value the task sent with `reportProgress`. */
export interface ProgressMessage {
  readonly type: 'progress'
  readonly id: number
  /** Which call of a batch reported it. */
  readonly index?: number
  readonly value: unknown
}

/** One call of a batch ended: with its value, or with the error it threw. */
export type ItemMessage =
  | { readonly type: 'item'; readonly id: number; readonly index: number; readonly value: unknown }
  | {
      readonly type: 'item'
      readonly id: number
      readonly index: number
      readonly error: EncodedError
    }

/** A batch call's claim flag: the worker has started it. */
export const BATCH_STARTED = 1
/** A batch call's claim flag: the parent cancelled it before the worker started it. */
export const BATCH_CANCELLED = 2

/** A value a streaming (async generator) task yielded, numbered from 0. */
export interface YieldMessage {
  readonly type: 'yield'
  readonly id: number
  readonly index: number
  readonly value: unknown
}

/** Parent → child process: cancel the task's token (or that of call `index` of a batch). */
export interface CancelMessage {
  readonly type: 'cancel'
  readonly id: number
  readonly index?: number
}

/** Child process → parent, right before it dies of an uncaught error. */
export interface CrashMessage {
  readonly type: 'crash'
  readonly error: EncodedError
}

export type ReplyMessage = ResultMessage | ErrorMessage
export type SideMessage = ProgressMessage | YieldMessage | ItemMessage | CrashMessage

/** A message of ours, told apart from anything else on a shared channel. */
export function isSideMessage(value: unknown): value is SideMessage {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { type?: unknown }).type
  return type === 'progress' || type === 'yield' || type === 'item' || type === 'crash'
}
