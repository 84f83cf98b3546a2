/**
 * The messages between the parent and a worker: one discriminated union on `type` for each
 * direction, imported by both sides.
 *
 * A worker thread talks to its parent over a `MessagePort` of its own (so a task posting on
 * `parentPort` cannot be mistaken for the runtime); a worker process over its IPC channel,
 * which tasks can write to as well (`process.send`). So everything the parent receives is
 * checked by {@link parseWorkerMessage} before it is used: a message that is not one of ours,
 * or is one of ours with a field of the wrong type, is dropped, never trusted.
 *
 * One `RunMessage` carries the calls of one task: a single call, a chunk (one call that runs
 * the task over many items), or a batch (many independent calls, each reported on its own).
 * The worker runs them in order and reports each call as it ends (`DoneMessage` or
 * `FailMessage`), with its progress and streamed values before it on the same ordered channel.
 */
import type { TraceCarrier } from '../context-propagation.js'
import type { EncodedError } from './error-codec.js'
import { isHandleList, type HandlePath } from './marshal.js'

/**
 * How a worker finds the function to run.
 *
 * @internal
 */
export type TaskSpec =
  | { readonly kind: 'module'; readonly url: string; readonly name: string }
  | { readonly kind: 'inline'; readonly source: string; readonly name: string }

/**
 * How the argument lists of a message's calls are packed.
 *
 * - `call`: one call; `args` is its argument list.
 * - `batch`: `args.length` independent calls; `args[i]` is the argument list of call i.
 * - `batch1`: the same for a one-argument task: `args[i]` is call i's only argument (a flat
 *   list clones many times faster than a list of one-element lists).
 * - `chunk`: one call over many items (a slice of a `map`); `args[i]` is item i's argument list.
 * - `chunk1`: the same for a one-argument task: `args[i]` is item i's only argument; a slice of
 *   numbers travels as one `Int32Array` or `Float64Array`.
 *
 * @internal
 */
export type Packing = 'call' | 'batch' | 'batch1' | 'chunk' | 'chunk1'

/** Parent → worker: run calls of one task. */
export interface RunMessage {
  readonly type: 'run'
  /** The id of the message's first call; call i is `id + i`. */
  readonly id: number
  readonly task: TaskSpec
  readonly packing: Packing
  readonly args: ArrayLike<unknown>
  /**
   * Threads: two `Int32` per call. Slot i is call i's claim (0 waiting, {@link CLAIM_STARTED}
   * once the worker starts it, {@link CLAIM_WITHDRAWN} once the parent took it back); slot
   * n + i is call i's cancel token.
   */
  readonly shared?: SharedArrayBuffer | undefined
  /**
   * Where `args` holds handles of registered classes, to revive before the call runs (see
   * `marshal.ts`). Only on a message of one call (`call`, `chunk` or `chunk1`).
   */
  readonly handles?: readonly HandlePath[] | undefined
  /** The callers' trace contexts, by call; absent when no call has one. */
  readonly traces?: ReadonlyArray<TraceCarrier | undefined> | undefined
}

/** Parent → worker process: stop call `id` (skip it if it has not started). */
export interface CancelMessage {
  readonly type: 'cancel'
  readonly id: number
}

/** Parent → worker process, first of all: what the worker needs to start. */
export interface BootMessage {
  readonly type: 'boot'
  readonly boot: BootData
}

/** What a worker is started with. */
export interface BootData {
  /** The pool's initializer, run once before the worker reports ready. */
  readonly init:
    | {
        readonly task: TaskSpec
        readonly args: readonly unknown[]
        /** Where `args` holds handles, as in a {@link RunMessage}. */
        readonly handles?: readonly HandlePath[] | undefined
      }
    | undefined
}

export type ParentMessage = RunMessage | CancelMessage | BootMessage

/** A call's claim flag: the worker has started it. */
export const CLAIM_STARTED = 1
/** A call's claim flag: the parent took it back before the worker started it. */
export const CLAIM_WITHDRAWN = 2

/** Worker → parent: the runtime is loaded; the initializer (if any) runs next. */
export interface BootedMessage {
  readonly type: 'booted'
}

/** Worker → parent: ready for calls. */
export interface ReadyMessage {
  readonly type: 'ready'
}

/** Worker → parent: the initializer threw; the worker runs nothing. */
export interface InitErrorMessage {
  readonly type: 'init-error'
  readonly error: EncodedError
}

/** A value a call sent with `reportProgress`. */
export interface ProgressMessage {
  readonly type: 'progress'
  readonly id: number
  readonly value: unknown
}

/** A value a streaming (async generator) call yielded. */
export interface YieldMessage {
  readonly type: 'yield'
  readonly id: number
  readonly value: unknown
}

/** Call `id` returned `value` (a chunk: the results of its items). */
export interface DoneMessage {
  readonly type: 'done'
  readonly id: number
  readonly value: unknown
  /** How long the call ran in the worker, in ms. */
  readonly took: number
}

/**
 * Call `id` threw. For a chunk, `values` are the results of the items before the one that
 * threw.
 */
export interface FailMessage {
  readonly type: 'fail'
  readonly id: number
  readonly error: EncodedError
  readonly took: number
  readonly values?: ArrayLike<unknown> | undefined
}

/** Call `id` was cancelled before it started, and skipped (processes). */
export interface SkippedMessage {
  readonly type: 'skipped'
  readonly id: number
}

/** Worker process → parent, right before it dies of an uncaught error. */
export interface CrashMessage {
  readonly type: 'crash'
  readonly error: EncodedError
}

export type WorkerMessage =
  | BootedMessage
  | ReadyMessage
  | InitErrorMessage
  | ProgressMessage
  | YieldMessage
  | DoneMessage
  | FailMessage
  | SkippedMessage
  | CrashMessage

/**
 * The key that marks a message as the runtime's own on a channel tasks can write to too (a
 * worker process's IPC channel).
 */
export const BRAND = '@concurrent/worker'

/** `message` as sent on a shared channel. */
export function branded<M extends ParentMessage | WorkerMessage>(message: M): M {
  return { ...message, [BRAND]: 1 }
}

/**
 * `raw` as a {@link WorkerMessage} if it is one, with every field of the type it must have;
 * `undefined` for anything else (a task's own message, garbage).
 *
 * @param branded - the channel is shared with tasks: only branded messages count.
 */
export function parseWorkerMessage(raw: unknown, branded: boolean): WorkerMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const message = raw as Record<string, unknown>
  if (branded && message[BRAND] !== 1) return undefined
  switch (message.type) {
    case 'booted':
    case 'ready':
      return message as unknown as WorkerMessage
    case 'init-error':
    case 'crash':
      return isEncodedError(message.error) ? (message as unknown as WorkerMessage) : undefined
    case 'progress':
    case 'yield':
    case 'skipped':
      return isId(message.id) ? (message as unknown as WorkerMessage) : undefined
    case 'done':
      return isId(message.id) && typeof message.took === 'number'
        ? (message as unknown as WorkerMessage)
        : undefined
    case 'fail':
      return isId(message.id) &&
        typeof message.took === 'number' &&
        isEncodedError(message.error) &&
        (message.values === undefined || isArrayLike(message.values))
        ? (message as unknown as WorkerMessage)
        : undefined
    default:
      return undefined
  }
}

/**
 * `raw` as a {@link ParentMessage} if it is one; `undefined` for anything else. A worker
 * process's IPC channel carries its parent's messages only, but a program may fork our entry
 * by mistake, so it is checked all the same.
 */
export function parseParentMessage(raw: unknown): ParentMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const message = raw as Record<string, unknown>
  switch (message.type) {
    case 'run':
      return isId(message.id) &&
        isTaskSpec(message.task) &&
        typeof message.packing === 'string' &&
        isArrayLike(message.args) &&
        (message.handles === undefined || isHandleList(message.handles)) &&
        (message.traces === undefined || Array.isArray(message.traces))
        ? (message as unknown as ParentMessage)
        : undefined
    case 'cancel':
      return isId(message.id) ? (message as unknown as ParentMessage) : undefined
    case 'boot':
      return isBootData(message.boot) ? (message as unknown as ParentMessage) : undefined
    default:
      return undefined
  }
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (
    Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof DataView)) ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { length?: unknown }).length === 'number')
  )
}

function isBootData(value: unknown): value is BootData {
  if (typeof value !== 'object' || value === null) return false
  const { init } = value as { init?: unknown }
  if (init === undefined) return true
  if (typeof init !== 'object' || init === null) return false
  const { task, args, handles } = init as Record<string, unknown>
  return isTaskSpec(task) && Array.isArray(args) && (handles === undefined || isHandleList(handles))
}

function isTaskSpec(value: unknown): value is TaskSpec {
  if (typeof value !== 'object' || value === null) return false
  const spec = value as Record<string, unknown>
  if (typeof spec.name !== 'string') return false
  return (
    (spec.kind === 'module' && typeof spec.url === 'string') ||
    (spec.kind === 'inline' && typeof spec.source === 'string')
  )
}

/** The shape the error codec decodes; anything else is described, not decoded. */
function isEncodedError(value: unknown): value is EncodedError {
  if (typeof value !== 'object' || value === null) return false
  const kind = (value as { kind?: unknown }).kind
  return kind === 'error' || kind === 'value' || kind === 'cycle'
}

/** The parent's pid, for a worker process to check against its own parent at start. */
export const PARENT_ENV = 'CONCURRENT_PARENT_PID'

/** `1` when the kernel kills the worker process with its parent (`setpriv --pdeathsig`). */
export const DEATH_SIGNAL_ENV = 'CONCURRENT_PARENT_DEATH_SIGNAL'
