/**
 * The parent side of the worker pools: it starts worker threads or processes, hands each the
 * calls the executor starts, and reports how every call ended.
 *
 * ```
 * executor ─start(calls)─▶ WorkerBackend ─RunMessage─▶ transport ─▶ entry ─▶ WorkerRuntime
 *    ▲                         │ one PoolWorker per worker:                        │
 *    │                         │ starting ▶ initializing ▶ ready ▶ stopping ▶ gone │
 *    └─ listener.settled() ◀─────┴──── done / fail / skipped, progress, yields ◀─────┘
 * ```
 *
 * It is not a queue: the executor calls `start` only when a worker is free, and the calls of
 * one `start` go to one worker in one message (a batch, when there are several). Each call is
 * reported by itself, the moment it ends.
 *
 * What it promises:
 * - **Every call settles.** However its worker goes — the task calls `process.exit()`, throws
 *   from a timer, runs out of memory, is killed, is terminated for an interrupt — the call it
 *   was running ends as a `crash` (with exit code, signal and the worker's own error), and the
 *   calls of the same message it had not started end as `unstarted`, to run again elsewhere.
 * - **A worker that cannot start never wedges the pool.** Its calls end as `unstarted` and go
 *   to another worker; after {@link MAX_START_FAILURES} start failures in a row, or an
 *   initializer that fails or ends its worker, the backend is broken and every call ends as
 *   `broken`, with the cause (for a process, the end of its stderr).
 * - **Cancel is exact on threads.** A call's claim flag in shared memory decides the race
 *   between the parent taking it back and the worker starting it. A process decides it itself:
 *   it skips a call cancelled before it started, and says so.
 * - **Idle workers never keep the program alive**; busy ones do, until `release()`.
 */
import { BrokenExecutorError, WorkerCrashedError, type ChunkResult } from '@concurrent/future'

import { DataCloneError, WorkerStartError } from './errors.js'
import type { Call, CallOutcome, Runner, RunningCall } from './internal/call.js'
import type { HandlePath } from './internal/marshal.js'
import { decodeError } from './internal/error-codec.js'
import {
  CLAIM_STARTED,
  CLAIM_WITHDRAWN,
  parseWorkerMessage,
  type BootData,
  type DoneMessage,
  type FailMessage,
  type Packing,
  type RunMessage,
  type TaskSpec,
  type WorkerMessage,
} from './internal/protocol.js'
import { startWorker, type Transport } from './internal/transport.js'
import type { ResourceLimits } from './resource-limits.js'

/**
 * Options of {@link WorkerBackend}.
 *
 * @internal
 */
export interface WorkerBackendOptions {
  /** Worker threads, or child processes. */
  readonly runtime: 'thread' | 'process'
  /** The executor's name, for messages. */
  readonly name: string
  readonly maxWorkers: number
  readonly minWorkers: number
  /** Milliseconds an idle worker above `minWorkers` lives. */
  readonly idleTimeout: number
  readonly resourceLimits?: ResourceLimits | undefined
  readonly execArgv?: readonly string[] | undefined
  readonly env?: Readonly<Record<string, string>> | undefined
  /** The initializer, prepared as a call's arguments are (`prepareInitializer`). */
  readonly initializer?: Initializer | undefined
  /** Replace a worker once it has run this many calls. */
  readonly maxTasksPerChild?: number | undefined
  /**
   * Processes: each worker's inspector listens on `host`, on the lowest port from `port` up
   * that no other live worker of this backend has.
   */
  readonly inspect?: { readonly host: string; readonly port: number } | undefined
  /** Told when a worker starts and when it is gone (for diagnostics). */
  readonly observer?: WorkerObserver | undefined
}

/**
 * Why a worker went away: the backend let it go (`idle`, `maxTasksPerChild`, `shutdown`),
 * ended it (`terminated`: an interrupt past its grace period, `terminateWorkers()`, a broken
 * executor), it went by itself (`crashed`), or it never started (`startFailed`).
 *
 * @internal
 */
export type WorkerExitReason =
  'idle' | 'maxTasksPerChild' | 'shutdown' | 'terminated' | 'crashed' | 'startFailed'

/**
 * What a backend tells about its workers' lives.
 *
 * @internal
 */
export interface WorkerObserver {
  /** A worker was spawned (it starts up next). */
  started(worker: { readonly id: number; readonly inspectPort: number | undefined }): void
  /** A worker that {@link WorkerObserver.started} is gone. */
  exited(worker: {
    readonly id: number
    readonly exitCode: number | null
    readonly signal: string | null
    readonly reason: WorkerExitReason
    /** What the worker reported about its death, or its start failure. */
    readonly error: unknown
    /** Calls it ran. */
    readonly calls: number
  }): void
}

/**
 * A pool's initializer, ready for its workers.
 *
 * @internal
 */
export interface Initializer {
  readonly task: TaskSpec
  readonly args: readonly unknown[]
  /** Where `args` holds handles, revived in each worker. */
  readonly handles?: readonly HandlePath[] | undefined
  /** Runs once the workers are gone (what encoding the handles opened, it closes). */
  readonly release?: (() => void) | undefined
}

/** A signal's name (`'SIGKILL'`). */
type Signal = `SIG${string}`

/**
 * Workers that fail to start one after another, with none starting in between, before the
 * backend gives up and is broken.
 */
export const MAX_START_FAILURES = 3

type WorkerState = 'starting' | 'initializing' | 'ready' | 'stopping' | 'gone'

/** Which moves a worker can make. */
const moves: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  starting: ['initializing', 'stopping', 'gone'],
  initializing: ['ready', 'stopping', 'gone'],
  ready: ['stopping', 'gone'],
  stopping: ['gone'],
  gone: [],
}

/** What a {@link Slot} asks of its backend. */
interface SlotOwner {
  cancel(worker: PoolWorker | undefined, slot: Slot): void
  terminate(worker: PoolWorker | undefined, slot: Slot, reason: string): void
}

/** One call of a message in flight, and the executor's handle on it. */
class Slot implements RunningCall {
  readonly call: Call
  readonly workerId: number | undefined
  /** Whether the call is not over yet (its listener has not been told how it ended). */
  open = true
  readonly #owner: SlotOwner
  readonly #worker: PoolWorker | undefined

  constructor(call: Call, worker: PoolWorker | undefined, owner: SlotOwner) {
    this.call = call
    this.#worker = worker
    this.workerId = worker?.transport?.id
    this.#owner = owner
  }

  cancel(): void {
    this.#owner.cancel(this.#worker, this)
  }

  terminate(reason: string): void {
    this.#owner.terminate(this.#worker, this, reason)
  }
}

/** A message in flight on a worker: its calls, in order. */
interface InFlight {
  /** The id of the first call. */
  readonly first: number
  readonly slots: readonly Slot[]
  /** Threads: the calls' claim flags, then their tokens. */
  readonly flags: Int32Array | undefined
  /** Calls not settled yet. */
  open: number
  /** Calls that ran (for `maxTasksPerChild`). */
  ran: number
  /** Why the parent ended the worker (an interrupt past its grace period, `stop()`). */
  ended: string | undefined
}

/** The parent's record of one worker. */
class PoolWorker {
  #state: WorkerState = 'starting'
  transport: Transport | undefined
  inFlight: InFlight | undefined
  /** What the worker reported about its own death (`crash`), or its `error` event. */
  crashCause: unknown
  callsRun = 0
  idleTimer: ReturnType<typeof setTimeout> | undefined
  /** It reached `ready` once: a process that dies after that was running its first open call. */
  wasReady = false
  /** Called once it is gone (for `close()` and `stop()`). */
  onGone: (() => void) | undefined
  /** Why the backend ended it, once it did. */
  stopReason: WorkerExitReason | undefined
  /** Processes with `inspect`: the port its inspector listens on. */
  inspectPort: number | undefined

  get state(): WorkerState {
    return this.#state
  }

  /** The one place a worker's state changes. @returns whether the move was made. */
  move(next: WorkerState): boolean {
    if (!moves[this.#state].includes(next)) return false
    this.#state = next
    return true
  }
}

/** Backends not yet closed, so a test suite can prove it leaves no workers behind. */
const liveBackends = ((globalThis as { [key: symbol]: Set<WorkerBackend> | undefined })[
  Symbol.for('concurrent.liveBackends')
] ??= new Set<WorkerBackend>())

/**
 * Runs calls on worker threads or processes; the engine under the thread and process pools.
 *
 * @internal
 */
export class WorkerBackend implements Runner<TaskSpec> {
  readonly batches = true
  readonly #options: WorkerBackendOptions
  readonly #boot: BootData
  readonly #workers = new Set<PoolWorker>()
  /** Ready workers with nothing to run, the most recently used last. */
  readonly #idle: PoolWorker[] = []
  /** Call ids: unique in the backend, increasing, so a worker sees them in order. */
  #nextId = 0
  #startFailures = 0
  #broken: BrokenExecutorError | undefined
  #released = false
  #closed: Promise<void> | undefined
  readonly #slotOwner: SlotOwner = {
    cancel: (worker, slot) => this.#cancel(worker, slot),
    terminate: (worker, slot, reason) => this.#terminate(worker, slot, reason),
  }

  constructor(options: WorkerBackendOptions) {
    this.#options = options
    const init = options.initializer
    this.#boot = {
      init:
        init === undefined
          ? undefined
          : { task: init.task, args: init.args, ...(init.handles && { handles: init.handles }) },
    }
    liveBackends.add(this)
    this.#ensureMinimum()
  }

  /** How many workers exist now (starting, busy or idle). */
  get workers(): number {
    return this.#workers.size
  }

  /** How many workers are ready with nothing to run. */
  get idle(): number {
    return this.#idle.length
  }

  start(calls: readonly Call[]): RunningCall[] {
    const worker = this.#broken === undefined ? (this.#idle.pop() ?? this.#spawn()) : undefined
    const slots = calls.map((call) => new Slot(call, worker, this.#slotOwner))
    if (worker === undefined || worker.state === 'gone') {
      // Broken, or the worker could not even be spawned (already counted as a start failure).
      // Reported after `start` returns, as the contract says.
      const outcome = this.#unrunnable()
      queueMicrotask(() => {
        for (const slot of slots) this.#settle(undefined, slot, outcome)
      })
      return slots
    }
    this.#post(worker, slots)
    return slots
  }

  /** Stops the workers (nothing is running); resolves when they have exited. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#stopAll((worker) => worker.transport?.stop(), 'shutdown')
    return this.#closed
  }

  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const stopped = this.#stopAll((worker) => worker.transport?.kill(signal), 'terminated', signal)
    this.#closed ??= stopped
    return stopped
  }

  release(): void {
    this.#released = true
    for (const worker of this.#workers) worker.transport?.unref()
  }

  #stopAll(
    end: (worker: PoolWorker) => void,
    reason: WorkerExitReason,
    signal?: string,
  ): Promise<void> {
    const gone: Array<Promise<void>> = []
    for (const worker of this.#workers) {
      gone.push(new Promise((resolve) => (worker.onGone = resolve)))
      if (worker.inFlight !== undefined) {
        worker.inFlight.ended ??= `the worker running this task was stopped (${signal ?? 'shutdown'})`
      }
      clearTimeout(worker.idleTimer)
      if (worker.move('stopping')) worker.stopReason ??= reason
      // Held until it has exited, so that whoever awaits this sees it through.
      worker.transport?.ref()
      end(worker)
    }
    this.#idle.length = 0
    return Promise.all(gone).then(() => {
      liveBackends.delete(this)
      this.#options.initializer?.release?.()
    })
  }

  /** Starts a worker; one that cannot even be spawned comes back `gone`, counted as a failure. */
  #spawn(): PoolWorker {
    const worker = new PoolWorker()
    this.#workers.add(worker)
    const { inspect } = this.#options
    if (inspect !== undefined) worker.inspectPort = this.#freeInspectPort(inspect.port)
    try {
      worker.transport = startWorker(
        {
          runtime: this.#options.runtime,
          boot: this.#boot,
          resourceLimits: this.#options.resourceLimits,
          execArgv: this.#options.execArgv,
          env: this.#options.env,
          inspect:
            inspect === undefined || worker.inspectPort === undefined
              ? undefined
              : { host: inspect.host, port: worker.inspectPort },
        },
        {
          message: (raw) => this.#onMessage(worker, raw),
          gone: (exitCode, signal, failure) => this.#onGone(worker, exitCode, signal, failure),
        },
      )
    } catch (error) {
      this.#onGone(worker, null, null, error)
      return worker
    }
    // Idle workers never keep the program alive; a worker is held only while it runs calls.
    worker.transport.unref()
    this.#options.observer?.started({ id: worker.transport.id, inspectPort: worker.inspectPort })
    return worker
  }

  /** The lowest port from `base` up that no live worker's inspector has. */
  #freeInspectPort(base: number): number {
    const taken = new Set<number>()
    for (const worker of this.#workers) {
      if (worker.inspectPort !== undefined) taken.add(worker.inspectPort)
    }
    let port = base
    while (taken.has(port)) port++
    return port
  }

  /** Hands `slots` to `worker` as one message. */
  #post(worker: PoolWorker, slots: Slot[]): void {
    const first = this.#nextId
    this.#nextId += slots.length
    const isThread = this.#options.runtime === 'thread'
    const shared = isThread ? new SharedArrayBuffer(8 * slots.length) : undefined
    const inFlight: InFlight = {
      first,
      slots,
      flags: shared === undefined ? undefined : new Int32Array(shared),
      open: slots.length,
      ran: 0,
      ended: undefined,
    }
    const { packing, args, transfer } = pack(slots)
    const { task, handles } = (slots[0] as Slot).call
    // A call with handles travels alone (the executor never batches it).
    const message: RunMessage =
      handles === undefined
        ? { type: 'run', id: first, task, packing, args, shared }
        : { type: 'run', id: first, task, packing, args, shared, handles }
    const traces = tracesOf(slots)
    // Only a message with trace contexts has the field: every other stays as small to clone.
    if (traces !== undefined) (message as { traces?: typeof traces }).traces = traces
    clearTimeout(worker.idleTimer)
    try {
      worker.transport?.post(message, transfer)
    } catch (error) {
      // A value deeper than the call-site check looks could not be cloned: nothing was sent,
      // and the worker is free for the next call.
      const failure = cloneFailure(error)
      this.#becomeIdle(worker)
      // Reported after `start` returns, as the contract says.
      queueMicrotask(() => {
        for (const slot of slots) {
          this.#settle(undefined, slot, { kind: 'error', error: failure, took: 0 })
        }
      })
      return
    }
    worker.inFlight = inFlight
    if (!this.#released) worker.transport?.ref()
  }

  #onMessage(worker: PoolWorker, raw: unknown): void {
    const message = parseWorkerMessage(raw, this.#options.runtime === 'process')
    if (message === undefined) return
    switch (message.type) {
      case 'booted':
        worker.move('initializing')
        return
      case 'ready':
        if (!worker.move('ready')) return
        worker.wasReady = true
        this.#startFailures = 0
        if (worker.inFlight === undefined) this.#becomeIdle(worker)
        return
      case 'init-error':
        this.#break(
          new BrokenExecutorError(
            `the initializer of ${this.#options.name} failed, so it can run no tasks`,
            { cause: decodeError(message.error) },
          ),
        )
        if (worker.move('stopping')) worker.stopReason = 'terminated'
        worker.transport?.kill('SIGKILL')
        return
      case 'crash':
        worker.crashCause = decodeError(message.error)
        return
      default:
        this.#onCallMessage(worker, message)
    }
  }

  #onCallMessage(
    worker: PoolWorker,
    message: Exclude<WorkerMessage, { type: 'booted' | 'ready' | 'init-error' | 'crash' }>,
  ): void {
    const inFlight = worker.inFlight
    if (inFlight === undefined) return
    const slot = inFlight.slots[message.id - inFlight.first]
    if (slot?.open !== true) return
    switch (message.type) {
      case 'progress':
        slot.call.listener.progress(message.value)
        return
      case 'yield':
        slot.call.listener.yield?.(message.value)
        return
      case 'skipped':
        this.#settle(worker, slot, { kind: 'withdrawn' })
        return
      case 'done':
      case 'fail':
        inFlight.ran++
        this.#settle(worker, slot, outcomeOf(slot.call, message))
        return
    }
  }

  /**
   * Settles `slot`'s call. When it was the last open call of its worker's message, the worker
   * is free first, so that the executor's next call finds it idle.
   */
  #settle(worker: PoolWorker | undefined, slot: Slot, outcome: CallOutcome): void {
    if (!slot.open) return
    slot.open = false
    const inFlight = worker?.inFlight
    if (worker !== undefined && inFlight !== undefined && --inFlight.open === 0) {
      worker.inFlight = undefined
      worker.callsRun += inFlight.ran
      this.#afterMessage(worker)
    }
    slot.call.listener.settled(outcome)
  }

  /** A worker finished a message: retire it, or make it idle. */
  #afterMessage(worker: PoolWorker): void {
    if (worker.state !== 'ready') return
    const max = this.#options.maxTasksPerChild
    if (max !== undefined && worker.callsRun >= max) {
      this.#retire(worker, 'maxTasksPerChild')
      return
    }
    this.#becomeIdle(worker)
  }

  #becomeIdle(worker: PoolWorker): void {
    if (worker.state !== 'ready' || this.#closed !== undefined) return
    worker.transport?.unref()
    this.#idle.push(worker)
    if (this.#workers.size > this.#options.minWorkers) {
      worker.idleTimer = setTimeout(() => {
        if (worker.inFlight === undefined && this.#workers.size > this.#options.minWorkers) {
          this.#retire(worker, 'idle')
        }
      }, this.#options.idleTimeout)
      worker.idleTimer.unref()
    }
  }

  /** Lets an idle worker go (idle timeout, `maxTasksPerChild`); it is replaced on demand. */
  #retire(worker: PoolWorker, reason: WorkerExitReason): void {
    const index = this.#idle.indexOf(worker)
    if (index !== -1) this.#idle.splice(index, 1)
    if (worker.move('stopping')) {
      worker.stopReason = reason
      worker.transport?.stop()
    }
  }

  #cancel(worker: PoolWorker | undefined, slot: Slot): void {
    const inFlight = worker?.inFlight
    if (worker === undefined || inFlight === undefined || !slot.open) return
    const index = inFlight.slots.indexOf(slot)
    if (inFlight.flags !== undefined) {
      const flags = inFlight.flags
      // Whoever swaps the 0 out owns the call: the worker to start it, or the parent to take it
      // back, in which case the worker will skip it.
      if (Atomics.compareExchange(flags, index, 0, CLAIM_WITHDRAWN) === 0) {
        this.#settle(worker, slot, { kind: 'withdrawn' })
        return
      }
      const token = inFlight.slots.length + index
      Atomics.store(flags, token, 1)
      Atomics.notify(flags, token)
      return
    }
    // A process decides for itself: it skips the call (`skipped`), or cancels its token.
    try {
      worker.transport?.post({ type: 'cancel', id: inFlight.first + index }, [])
    } catch {
      // The channel is gone: the worker's end settles the call.
    }
  }

  #terminate(worker: PoolWorker | undefined, slot: Slot, reason: string): void {
    const inFlight = worker?.inFlight
    if (worker === undefined || inFlight === undefined || !slot.open) return
    inFlight.ended ??= reason
    if (worker.move('stopping')) worker.stopReason = 'terminated'
    worker.transport?.kill('SIGKILL')
  }

  /** The worker is gone, however it went: settle what it had, and replace it if need be. */
  #onGone(
    worker: PoolWorker,
    exitCode: number | null,
    signal: Signal | null,
    failure: unknown,
  ): void {
    const state = worker.state
    worker.move('gone')
    this.#workers.delete(worker)
    const index = this.#idle.indexOf(worker)
    if (index !== -1) this.#idle.splice(index, 1)
    clearTimeout(worker.idleTimer)
    const cause = worker.crashCause ?? failure
    const inFlight = worker.inFlight
    worker.inFlight = undefined
    switch (state) {
      case 'starting':
        this.#onStartFailure(worker, exitCode, signal, cause)
        break
      case 'initializing':
        this.#break(
          new BrokenExecutorError(
            `the initializer of ${this.#options.name} ended its worker (${how(exitCode, signal)}) before it finished, so the executor can run no tasks`,
            {
              cause: crashError(
                `the worker ${how(exitCode, signal)} while running the initializer`,
                worker,
                exitCode,
                signal,
                cause,
              ),
            },
          ),
        )
        break
      default:
        break
    }
    if (inFlight !== undefined) this.#settleLeftovers(worker, inFlight, exitCode, signal, cause)
    if (worker.transport !== undefined) {
      this.#options.observer?.exited({
        id: worker.transport.id,
        exitCode,
        signal,
        reason: worker.stopReason ?? (state === 'starting' ? 'startFailed' : 'crashed'),
        error: cause,
        calls: worker.callsRun + (inFlight?.ran ?? 0),
      })
    }
    worker.onGone?.()
    this.#ensureMinimum()
  }

  /** A worker went away before it was ready: its calls go elsewhere, unless it keeps happening. */
  #onStartFailure(
    worker: PoolWorker,
    exitCode: number | null,
    signal: Signal | null,
    cause: unknown,
  ): void {
    if (this.#closed !== undefined) return
    this.#startFailures++
    const stderr = worker.transport?.stderrTail().trim() ?? ''
    const error = new WorkerStartError(
      `a worker of ${this.#options.name} could not start: ${cause === undefined ? `it ${how(exitCode, signal)}` : describeCause(cause)}${stderr === '' ? '' : `; its stderr ends with:\n${stderr}`}`,
      { exitCode, signal, stderr },
      cause === undefined ? undefined : { cause },
    )
    if (this.#startFailures >= MAX_START_FAILURES) {
      this.#break(
        new BrokenExecutorError(
          `workers of ${this.#options.name} cannot start (${this.#startFailures} failed in a row), so it can run no tasks: ${error.message}`,
          { cause: error },
        ),
      )
    }
  }

  /**
   * The calls of a worker's message that were not over when it went: the one it was running
   * crashed with it; the ones it had not started can run elsewhere.
   */
  #settleLeftovers(
    worker: PoolWorker,
    inFlight: InFlight,
    exitCode: number | null,
    signal: Signal | null,
    cause: unknown,
  ): void {
    let blamed = false
    inFlight.slots.forEach((slot, index) => {
      if (!slot.open) return
      let started: boolean
      if (inFlight.flags !== undefined) {
        started =
          Atomics.compareExchange(inFlight.flags, index, 0, CLAIM_WITHDRAWN) === CLAIM_STARTED
      } else {
        // A process runs its calls in order: the first not reported is the one it was running,
        // if it had got as far as running anything.
        started = !blamed && worker.wasReady
      }
      if (!started) {
        this.#settle(
          undefined,
          slot,
          this.#broken === undefined ? { kind: 'unstarted' } : this.#unrunnable(),
        )
        return
      }
      blamed = true
      const message = inFlight.ended ?? `the worker running this task ${how(exitCode, signal)}`
      this.#settle(undefined, slot, {
        kind: 'crash',
        error: crashError(
          message,
          worker,
          exitCode,
          signal,
          inFlight.ended === undefined ? cause : undefined,
        ),
      })
    })
  }

  /** The outcome of a call that cannot run: the backend is broken, or the worker never started. */
  #unrunnable(): CallOutcome {
    return this.#broken === undefined
      ? { kind: 'unstarted' }
      : { kind: 'broken', error: this.#broken }
  }

  /** Nothing more can run: workers still starting are of no use, and are ended. */
  #break(error: BrokenExecutorError): void {
    if (this.#broken !== undefined) return
    this.#broken = error
    for (const worker of this.#workers) {
      if (worker.inFlight === undefined && worker.move('stopping')) {
        worker.stopReason = 'terminated'
        worker.transport?.kill('SIGKILL')
      }
    }
  }

  #ensureMinimum(): void {
    if (this.#broken !== undefined || this.#closed !== undefined) return
    while (this.#workers.size < this.#options.minWorkers) {
      const worker = this.#spawn()
      if (worker.state === 'gone') return
    }
  }
}

/** How the calls of one message travel: packed by shape, with one transfer list. */
function pack(slots: readonly Slot[]): {
  packing: Packing
  args: ArrayLike<unknown>
  transfer: readonly object[]
} {
  const first = (slots[0] as Slot).call
  if (slots.length === 1) {
    const { work } = first
    switch (work.kind) {
      case 'call':
        return { packing: 'call', args: work.args, transfer: first.transfer }
      case 'chunk':
        return { packing: 'chunk', args: work.items, transfer: first.transfer }
      case 'chunk1':
        return { packing: 'chunk1', args: work.items, transfer: first.transfer }
    }
  }
  const lists = slots.map(({ call }) => (call.work as { readonly args: readonly unknown[] }).args)
  const transfer = slots.flatMap(({ call }) => call.transfer)
  // One-argument calls travel as a flat list of those arguments: far cheaper to clone.
  if (lists.every((args) => args.length === 1)) {
    return { packing: 'batch1', args: lists.map((args) => args[0]), transfer }
  }
  return { packing: 'batch', args: lists, transfer }
}

/** The callers' trace contexts of a message's calls; `undefined` when none has one. */
function tracesOf(slots: readonly Slot[]): RunMessage['traces'] {
  for (const slot of slots) {
    if (slot.call.trace !== undefined) return slots.map(({ call }) => call.trace)
  }
  return undefined
}

/** How a call that ran ended, as its worker reported it. */
function outcomeOf(call: Call, message: DoneMessage | FailMessage): CallOutcome {
  const chunk = call.work.kind !== 'call'
  if (message.type === 'done') {
    const value = chunk
      ? ({ values: message.value as ArrayLike<unknown> } satisfies ChunkResult<unknown>)
      : message.value
    return { kind: 'value', value, took: message.took }
  }
  const error = decodeError(message.error, call.callerStack?.())
  if (chunk && message.values !== undefined) {
    const value: ChunkResult<unknown> = { values: message.values, failure: { error } }
    return { kind: 'value', value, took: message.took }
  }
  return { kind: 'error', error, took: message.took }
}

function crashError(
  message: string,
  worker: PoolWorker,
  exitCode: number | null,
  signal: Signal | null,
  cause: unknown,
): WorkerCrashedError {
  return new WorkerCrashedError(
    cause === undefined ? message : `${message}: ${describeCause(cause)}`,
    { exitCode, signal, workerId: worker.transport?.id },
    cause === undefined ? undefined : { cause },
  )
}

/** A value deeper than the call-site check looks could not be sent to the worker. */
function cloneFailure(error: unknown): DataCloneError {
  const message = error instanceof Error ? error.message : String(error)
  return new DataCloneError(
    `An argument cannot be sent to a worker: ${message}. Send plain data (objects, arrays, numbers, strings, typed arrays, Map, Set, Date), not functions, promises, class instances with methods, proxies or handles`,
    undefined,
    { cause: error },
  )
}

function how(exitCode: number | null, signal: Signal | null): string {
  return signal === null ? `exited with code ${String(exitCode)}` : `was killed by ${signal}`
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`
  // Node hands a worker's uncaught error over as a plain object when it cannot keep the class.
  const { name, message } = (cause ?? {}) as { name?: unknown; message?: unknown }
  if (typeof message === 'string') return typeof name === 'string' ? `${name}: ${message}` : message
  return String(cause)
}
