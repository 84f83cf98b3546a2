/**
 * The parent side of the worker backend: runs units of work on tinypool workers and reports
 * how each one ended, adding what tinypool lacks.
 *
 * ```
 * executor queue ──run(unit)──▶ WorkerBackend ──pool.run(RunMessage)──▶ tinypool ──▶ worker
 *                                   │  ▲                                               entry
 *        progress / yields ◀────────┘  └──── ReplyMessage (value or encoded error) ◀────┘
 *        (BroadcastChannel for threads, the IPC channel for processes)
 * ```
 *
 * It is not a queue: the executor hands it a unit only when a worker can start it, so
 * tinypool's own queue never holds more than the workers that are still starting up.
 *
 * What it adds to tinypool:
 * - **Crashes always settle.** Every tinypool worker gets an `exit` listener (prepended, so it
 *   runs before tinypool's own). A worker that exits while tinypool still counts it — a thread
 *   calling `process.exit()`, a process killed by a signal — is reported to tinypool as an
 *   `error` carrying a {@link WorkerCrashedError} with the exit code and signal, so tinypool
 *   drops the worker, rejects its task with our error, and starts a replacement. (Left alone,
 *   tinypool keeps a dead thread forever: its task never settles and `destroy()` hangs.)
 * - **Errors keep their class.** The entry never throws; task errors come back encoded by the
 *   error codec. Any rejection from tinypool is therefore the worker's own failure.
 * - **Cooperative cancel, then terminate.** `cancel()` flips the task's token (shared memory
 *   for threads, a message for processes); `terminate()` kills just that task's worker, found
 *   by the per-task channel tinypool attaches to the worker running it.
 */
import type { ChildProcess } from 'node:child_process'
import type { EventEmitter } from 'node:events'
import { setImmediate as nextTurn } from 'node:timers/promises'
import {
  BroadcastChannel,
  MessageChannel,
  type MessagePort,
  type Transferable,
} from 'node:worker_threads'

import { WorkerCrashedError } from '@concurrent/future'
import Tinypool, { type TinypoolChannel, type TinypoolWorker } from 'tinypool'

import { DataCloneError } from './errors.js'
import { decodeError } from './internal/error-codec.js'
import {
  BATCH_CANCELLED,
  BATCH_STARTED,
  isSideMessage,
  type ItemMessage,
  type ReplyMessage,
  type RunMessage,
  type SideMessage,
  type TaskSpec,
} from './internal/protocol.js'
import { resolveWorkerEntry } from './internal/worker-entry.js'

/** Options of {@link WorkerBackend}.
 *
 * @internal
 */
export interface WorkerBackendOptions {
  /** Worker threads, or child processes. */
  readonly runtime: 'thread' | 'process'
  readonly maxWorkers: number
  readonly minWorkers: number
  /** Milliseconds an idle worker above `minWorkers` lives. */
  readonly idleTimeout: number
  readonly resourceLimits?: ResourceLimits | undefined
  readonly execArgv?: readonly string[] | undefined
  readonly env?: Readonly<Record<string, string>> | undefined
  readonly initializer?: { readonly task: TaskSpec; readonly args: readonly unknown[] } | undefined
  readonly maxTasksPerChild?: number | undefined
}

/**
 * `resourceLimits` of a worker thread (see `node:worker_threads`).
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from '@concurrent/executors'
 *
 * const pool = new ThreadPoolExecutor({ resourceLimits: { maxOldGenerationSizeMb: 256 } })
 * ```
 * @category Executors
 */
export interface ResourceLimits {
  /** The main heap's maximum size, in MB. */
  readonly maxOldGenerationSizeMb?: number
  /** The young generation's maximum size, in MB. */
  readonly maxYoungGenerationSizeMb?: number
  /** The size of the range reserved for generated code, in MB. */
  readonly codeRangeSizeMb?: number
  /** The thread's stack size, in MB. */
  readonly stackSizeMb?: number
}

/** One unit of work: a task, or a chunk of calls to it.
 *
 * @internal
 */
export interface UnitRequest {
  readonly task: TaskSpec
  readonly args: readonly unknown[]
  readonly chunk: boolean
  /** A chunk whose `args` are single arguments rather than argument lists. */
  readonly flat?: boolean | undefined
  /** What to move rather than copy: `Transferable`s, typed as `object` (no `@types/node`). */
  readonly transfer: readonly object[]
  /** Where the submitting call was, to join to a task error's stack. */
  readonly callerStack?: (() => string | undefined) | undefined
  readonly onProgress?: ((value: unknown) => void) | undefined
  readonly onYield?: ((value: unknown) => void) | undefined
}

/** How a unit ended.
 *
 * @internal
 */
export type UnitOutcome =
  | { readonly kind: 'value'; readonly value: unknown; readonly took?: number }
  | { readonly kind: 'error'; readonly error: unknown; readonly took?: number }
  | { readonly kind: 'init-error'; readonly error: unknown }
  | { readonly kind: 'crash'; readonly error: WorkerCrashedError | DataCloneError }

/** A unit handed to a worker.
 *
 * @internal
 */
export interface RunningUnit {
  /** Settles (never rejects) once the unit is over and its worker is free or gone. */
  readonly outcome: Promise<UnitOutcome>
  /** Asks the task to stop: its token is cancelled, its signal aborts. */
  cancel(): void
  /** Terminates the worker running the task; the outcome becomes a crash. */
  terminate(reason: string): void
}

/** One call of a batch.
 *
 * @internal
 */
export interface BatchCall {
  /** The call's argument list. */
  readonly args: readonly unknown[]
  /** Where the submitting call was, to join to a task error's stack. */
  readonly callerStack?: (() => string | undefined) | undefined
}

/** Where a batch reports its calls, by their index in the batch.
 *
 * @internal
 */
export interface BatchListener {
  /**
   * Called once with how call `index` ended — unless the parent took it back ({@link
   * RunningBatch.claim}) or it never started (it is then listed in the batch's outcome).
   */
  onOutcome(index: number, outcome: UnitOutcome): void
  onProgress(index: number, value: unknown): void
}

/** A batch handed to a worker: many independent calls of one task in one message.
 *
 * @internal
 */
export interface RunningBatch {
  /**
   * Settles (never rejects) once the batch is over and its worker is free or gone, after every
   * call's `onOutcome`: with the calls that never started (their worker died first), to be run
   * again.
   */
  readonly outcome: Promise<{ readonly unstarted: readonly number[] }>
  /**
   * Takes call `index` back before the worker starts it. Exact for threads (the worker and the
   * parent race for one shared flag). A process runs its calls in order, so the first call not
   * yet reported counts as started; a later one is skipped if the message arrives before the
   * worker reaches it, and otherwise its token is cancelled and its outcome dropped.
   *
   * @returns `true` if the call will not be reported; `false` if the worker has started it.
   */
  claim(index: number): boolean
  /** Asks running call `index` to stop: its token is cancelled, its signal aborts. */
  cancel(index: number): void
  /** Terminates the worker running the batch; the calls not yet over end as described above. */
  terminate(reason: string): void
}

let backends = 0

interface Batch {
  readonly calls: readonly BatchCall[]
  readonly listener: BatchListener
  /** Calls whose outcome arrived. */
  readonly reported: Uint8Array
  /** Calls the parent took back. */
  readonly claimed: Uint8Array
  /** Threads: the claim flags shared with the worker (then the calls' tokens). */
  readonly flags: Int32Array | undefined
  readonly port: MessagePort | undefined
}

interface Unit {
  readonly id: number
  readonly request: UnitRequest | undefined
  readonly batch: Batch | undefined
  readonly channel: TinypoolChannel
  readonly token: Int32Array | undefined
  sendToWorker: ((message: unknown) => void) | undefined
  /** Cancel was asked for; a unit not yet given to a process is told once it is. */
  cancelled: boolean
  crashCause: unknown
  received: number
  expected: number | undefined
  allReceived: (() => void) | undefined
}

type PoolWorker = TinypoolWorker & {
  readonly thread?: EventEmitter
  readonly process?: ChildProcess
  readonly channel?: TinypoolChannel
}

const liveProcesses = new Set<ChildProcess>()

/** Backends not yet destroyed, so a test suite can prove it leaves no workers behind. */
const liveBackends = ((globalThis as { [key: symbol]: Set<WorkerBackend> | undefined })[
  Symbol.for('concurrent.liveBackends')
] ??= new Set<WorkerBackend>())
let exitHookInstalled = false

/**
 * Runs units of work on tinypool workers; the engine under the thread and process pools.
 *
 * @internal
 */
export class WorkerBackend {
  readonly #options: WorkerBackendOptions
  readonly #pool: Tinypool
  readonly #units = new Map<number, Unit>()
  readonly #known = new WeakSet<TinypoolWorker>()
  readonly #channelName: string | undefined
  readonly #broadcast: BroadcastChannel | undefined
  #nextId = 0
  /** Replies waiting for progress or streamed values still on their way (threads). */
  #waitingForSideMessages = 0
  #destroyed: Promise<void> | undefined

  constructor(options: WorkerBackendOptions) {
    this.#options = options
    const isThread = options.runtime === 'thread'
    this.#pool = new Tinypool({
      filename: resolveWorkerEntry(options.runtime),
      name: 'run',
      runtime: isThread ? 'worker_threads' : 'child_process',
      // Idle threads wait on their event loop, as any Node thread does, not blocked in
      // Atomics.wait: their timers and intervals keep running (a timer that throws while the
      // worker is idle crashes it then, not the next task), and it costs no measurable speed.
      useAtomics: false,
      maxThreads: options.maxWorkers,
      minThreads: options.minWorkers,
      idleTimeout: options.idleTimeout,
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
      ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
      ...(options.env === undefined
        ? {}
        : { env: { ...(process.env as Record<string, string>), ...options.env } }),
      ...(isThread ? {} : { serialization: 'advanced' as const }),
    })
    // Tinypool reports failures of idle workers as 'error' events on the pool; those workers
    // are already replaced, and an unhandled 'error' event would crash the program.
    this.#pool.on('error', () => undefined)
    if (isThread) {
      this.#channelName = `concurrent:${process.pid}:${++backends}`
      this.#broadcast = new BroadcastChannel(this.#channelName)
      this.#broadcast.unref()
      this.#broadcast.onmessage = (event) => {
        const message = (event as MessageEvent).data as unknown
        if (isSideMessage(message) && message.type !== 'crash') {
          const unit = this.#units.get(message.id)
          if (unit !== undefined) this.#onSideMessage(unit, message)
        }
      }
    } else {
      installExitHook()
    }
    this.#watchWorkers()
    liveBackends.add(this)
  }

  /** How many workers exist now (starting, busy or idle). */
  get workers(): number {
    return this.#pool.threads.length
  }

  /** Hands `request` to a worker. The caller makes sure one can start it now. */
  run(request: UnitRequest): RunningUnit {
    const isThread = this.#options.runtime === 'thread'
    const token = isThread ? new Int32Array(new SharedArrayBuffer(4)) : undefined
    const { unit, running } = this.#launch(
      { request, batch: undefined, token },
      {
        task: request.task,
        args: request.args,
        chunk: request.chunk,
        flat: request.flat ?? false,
        batch: false,
        cancel: token?.buffer,
      },
      isThread && request.transfer.length > 0
        ? ([...request.transfer] as Transferable[])
        : undefined,
    )
    const outcome = running.then(
      (reply) => this.#onReply(unit, reply),
      (error: unknown) => this.#onFailure(unit, error),
    )
    return {
      outcome,
      cancel: () => this.#cancel(unit),
      terminate: (reason) => this.#terminate(unit, reason),
    }
  }

  /**
   * Hands a worker many independent calls of `task` in one message: one `postMessage` and one
   * wake-up for all of them. The worker runs them in order and reports each call as it ends,
   * so results, progress and cancellation stay per call. The caller makes sure a worker can
   * start the batch now.
   */
  runBatch(task: TaskSpec, calls: readonly BatchCall[], listener: BatchListener): RunningBatch {
    const n = calls.length
    const isThread = this.#options.runtime === 'thread'
    const buffer = isThread ? new SharedArrayBuffer(8 * n) : undefined
    const ports = isThread ? new MessageChannel() : undefined
    const batch: Batch = {
      calls,
      listener,
      reported: new Uint8Array(n),
      claimed: new Uint8Array(n),
      flags: buffer === undefined ? undefined : new Int32Array(buffer),
      port: ports?.port1,
    }
    // One-argument calls travel as a flat list of those arguments: far cheaper to clone.
    const flat = calls.every((call) => call.args.length === 1)
    const { unit, running } = this.#launch(
      { request: undefined, batch, token: undefined },
      {
        task,
        args: calls.map((call) => (flat ? call.args[0] : call.args)),
        chunk: false,
        flat,
        batch: true,
        cancel: buffer,
        port: ports?.port2,
      },
      ports === undefined ? undefined : [ports.port2],
    )
    ports?.port1.on('message', (message: unknown) => {
      if (isSideMessage(message)) this.#onSideMessage(unit, message)
    })
    const outcome = running.then(
      (reply) => this.#onBatchReply(unit, batch, reply),
      (error: unknown) => this.#onBatchFailure(unit, batch, error),
    )
    return {
      outcome,
      claim: (index) => {
        if (batch.reported[index] === 1) return false
        if (batch.flags !== undefined) {
          const flag = Atomics.compareExchange(batch.flags, index, 0, BATCH_CANCELLED)
          if (flag === BATCH_STARTED) return false
        } else {
          // A process runs its calls in order: once the batch has reached it, the first call
          // neither reported nor taken back is the one it is running (or about to run).
          if (unit.sendToWorker !== undefined && index === firstOpen(batch)) return false
          this.#cancelCall(unit, index)
        }
        batch.claimed[index] = 1
        return true
      },
      cancel: (index) => {
        if (batch.flags !== undefined) {
          Atomics.store(batch.flags, n + index, 1)
          Atomics.notify(batch.flags, n + index)
        } else {
          this.#cancelCall(unit, index)
        }
      },
      terminate: (reason) => this.#terminate(unit, reason),
    }
  }

  /**
   * Terminates every worker and waits until they have exited; tasks still running end as
   * crashes. Idempotent.
   */
  destroy(): Promise<void> {
    this.#destroyed ??= this.#pool.destroy().finally(() => {
      this.#broadcast?.close()
      liveBackends.delete(this)
    })
    return this.#destroyed
  }

  /** Registers a unit of work and hands its message to tinypool. */
  #launch(
    of: Pick<Unit, 'request' | 'batch' | 'token'>,
    work: Omit<RunMessage, 'type' | 'id' | 'init' | 'maxTasks' | 'channel'>,
    transferList: Transferable[] | undefined,
  ): { readonly unit: Unit; readonly running: Promise<ReplyMessage> } {
    const id = this.#nextId++
    const unit: Unit = {
      id,
      ...of,
      sendToWorker: undefined,
      cancelled: false,
      crashCause: undefined,
      received: 0,
      expected: undefined,
      allReceived: undefined,
      channel: this.#channelFor(() => unit),
    }
    const message: RunMessage = {
      type: 'run',
      id,
      ...work,
      init: this.#options.initializer,
      maxTasks: this.#options.maxTasksPerChild,
      channel: this.#channelName,
    }
    this.#units.set(id, unit)
    const running = this.#pool.run(message, {
      channel: unit.channel,
      ...(transferList === undefined ? {} : { transferList }),
    }) as Promise<ReplyMessage>
    this.#watchWorkers()
    return { unit, running }
  }

  /** The per-unit channel tinypool attaches to the worker running it (and, for processes, relays). */
  #channelFor(unit: () => Unit): TinypoolChannel {
    if (this.#options.runtime === 'thread') return { onClose: noop }
    return {
      onClose: noop,
      onMessage: (send) => {
        const current = unit()
        current.sendToWorker = send
        if (current.cancelled) send({ type: 'cancel', id: current.id })
        current.batch?.claimed.forEach((claimed, index) => {
          if (claimed === 1) send({ type: 'cancel', id: current.id, index })
        })
      },
      postMessage: (message: unknown) => {
        if (isSideMessage(message)) this.#onSideMessage(unit(), message)
      },
    }
  }

  /** Processes: tells the worker to cancel call `index` of a batch (it may be running). */
  #cancelCall(unit: Unit, index: number): void {
    unit.sendToWorker?.({ type: 'cancel', id: unit.id, index })
  }

  #terminate(unit: Unit, reason: string): void {
    const worker = this.#workerOf(unit)
    if (worker !== undefined) {
      worker.emit(
        'error',
        new WorkerCrashedError(reason, { workerId: worker.threadId, exitCode: null }),
      )
    }
  }

  async #onBatchReply(
    unit: Unit,
    batch: Batch,
    reply: ReplyMessage,
  ): Promise<{ readonly unstarted: readonly number[] }> {
    await this.#sideMessages(unit, reply.sent)
    this.#units.delete(unit.id)
    batch.port?.close()
    if (reply.retire) this.#retire(unit)
    this.#watchWorkers()
    const unstarted: number[] = []
    batch.calls.forEach((call, index) => {
      if (batch.reported[index] === 1 || batch.claimed[index] === 1) return
      if (reply.type === 'result') {
        // Every call the worker did not report, it skipped; none should be left.
        unstarted.push(index)
        return
      }
      // The task could not be found, or the initializer failed: every call ends that way.
      const error = decodeError(reply.error, call.callerStack?.())
      batch.listener.onOutcome(
        index,
        reply.init ? { kind: 'init-error', error } : { kind: 'error', error },
      )
    })
    return { unstarted }
  }

  /**
   * The batch's worker died, or the batch could not be sent. Calls already reported stand; the
   * one that was running fails with the crash; those never started are handed back.
   */
  async #onBatchFailure(
    unit: Unit,
    batch: Batch,
    failure: unknown,
  ): Promise<{ readonly unstarted: readonly number[] }> {
    // Outcomes the worker posted right before it died may still be on their way.
    await nextTurn()
    await nextTurn()
    batch.port?.close()
    const crash = this.#onFailure(unit, failure)
    const unstarted: number[] = []
    let blamed = crash.error.name === 'DataCloneError'
    batch.calls.forEach((call, index) => {
      if (batch.reported[index] === 1 || batch.claimed[index] === 1) return
      const started =
        batch.flags === undefined
          ? // Processes: calls run in order, so the first not reported was running — if the
            // batch reached a worker at all.
            !blamed && unit.sendToWorker !== undefined
          : Atomics.compareExchange(batch.flags, index, 0, BATCH_CANCELLED) === BATCH_STARTED
      if (started) {
        blamed = true
        batch.listener.onOutcome(index, crash)
      } else {
        unstarted.push(index)
      }
    })
    return { unstarted }
  }

  #cancel(unit: Unit): void {
    if (unit.token !== undefined) {
      Atomics.store(unit.token, 0, 1)
      Atomics.notify(unit.token, 0)
    } else {
      unit.cancelled = true
      unit.sendToWorker?.({ type: 'cancel', id: unit.id })
    }
  }

  async #onReply(unit: Unit, reply: ReplyMessage): Promise<UnitOutcome> {
    await this.#sideMessages(unit, reply.sent)
    this.#units.delete(unit.id)
    if (reply.retire) this.#retire(unit)
    this.#watchWorkers()
    // How long the task ran in the worker, message time left out.
    const { took } = reply
    if (reply.type === 'result') return { kind: 'value', value: reply.value, took }
    const error = decodeError(reply.error, unit.request?.callerStack?.())
    return reply.init ? { kind: 'init-error', error } : { kind: 'error', error, took }
  }

  /**
   * Waits until the `sent` progress, streamed and batch messages the worker sent beside its
   * reply have all arrived (threads: they travel on another channel than the reply).
   */
  async #sideMessages(unit: Unit, sent: number): Promise<void> {
    if (unit.received >= sent) return
    unit.expected = sent
    // The worker is idle now and no longer keeps the program alive: the channel must, until
    // the last value arrives, or a program awaiting this task could exit in between. (A batch's
    // port keeps it alive by itself while it listens.)
    const channel = unit.batch === undefined ? this.#broadcast : undefined
    if (channel !== undefined && this.#waitingForSideMessages++ === 0) channel.ref()
    try {
      await new Promise<void>((resolve) => (unit.allReceived = resolve))
    } finally {
      if (channel !== undefined && --this.#waitingForSideMessages === 0) channel.unref()
    }
  }

  #onFailure(
    unit: Unit,
    failure: unknown,
  ): { readonly kind: 'crash'; readonly error: WorkerCrashedError | DataCloneError } {
    this.#units.delete(unit.id)
    this.#watchWorkers()
    if (failure instanceof Error && failure.name === 'DataCloneError') {
      return {
        kind: 'crash',
        error: new DataCloneError(
          `An argument cannot be sent to a worker: ${failure.message}. Send plain data (objects, arrays, numbers, strings, typed arrays, Map, Set, Date), not functions, promises or handles`,
          undefined,
          { cause: failure },
        ),
      }
    }
    if (failure instanceof WorkerCrashedError) {
      if (unit.crashCause === undefined) return { kind: 'crash', error: failure }
      return {
        kind: 'crash',
        error: new WorkerCrashedError(
          `${failure.message}: ${describeCause(unit.crashCause)}`,
          failure,
          { cause: unit.crashCause },
        ),
      }
    }
    const cause = unit.crashCause ?? failure
    return {
      kind: 'crash',
      error: new WorkerCrashedError(
        `the worker running this task failed: ${describeCause(cause)}`,
        {},
        { cause },
      ),
    }
  }

  #onSideMessage(unit: Unit, message: SideMessage): void {
    switch (message.type) {
      case 'progress':
      case 'yield':
      case 'item':
        unit.received++
        if (message.type === 'item') this.#onCallOutcome(unit, message)
        else if (message.type === 'yield') unit.request?.onYield?.(message.value)
        else if (message.index === undefined) unit.request?.onProgress?.(message.value)
        else unit.batch?.listener.onProgress(message.index, message.value)
        if (unit.expected !== undefined && unit.received >= unit.expected) unit.allReceived?.()
        return
      case 'crash':
        unit.crashCause = decodeError(message.error)
        return
    }
  }

  #onCallOutcome(unit: Unit, message: ItemMessage): void {
    const batch = unit.batch
    const call = batch?.calls[message.index]
    if (batch === undefined || call === undefined) return
    batch.reported[message.index] = 1
    // A call taken back while it was already running (processes) ends unreported.
    if (batch.claimed[message.index] === 1) return
    batch.listener.onOutcome(
      message.index,
      'error' in message
        ? { kind: 'error', error: decodeError(message.error, call.callerStack?.()) }
        : { kind: 'value', value: message.value },
    )
  }

  /** The worker running `unit`: the one tinypool attached the unit's channel to. */
  #workerOf(unit: Unit): PoolWorker | undefined {
    return (this.#pool.threads as PoolWorker[]).find((worker) => worker.channel === unit.channel)
  }

  /** Replaces the worker that ran `unit`, once it has asked to retire (`maxTasksPerChild`). */
  #retire(unit: Unit): void {
    const worker = this.#workerOf(unit)
    // If the worker already took another task, its channel changed; it retires after that one.
    if (worker !== undefined) {
      worker.emit('error', new Error('retired after maxTasksPerChild tasks'))
    }
  }

  /** Gives every worker tinypool has started an exit listener that runs before tinypool's. */
  #watchWorkers(): void {
    for (const worker of this.#pool.threads as PoolWorker[]) {
      if (this.#known.has(worker)) continue
      this.#known.add(worker)
      const emitter = worker.thread ?? worker.process
      if (emitter === undefined) continue
      if (worker.process !== undefined) {
        const child = worker.process
        liveProcesses.add(child)
        child.once('exit', () => liveProcesses.delete(child))
      }
      emitter.prependListener('exit', (code?: number | null, signal?: NodeJS.Signals | null) => {
        this.#onExit(worker, code ?? null, signal ?? null)
      })
    }
  }

  #onExit(worker: PoolWorker, exitCode: number | null, signal: NodeJS.Signals | null): void {
    // Tinypool removes a worker from its list before terminating it; one still listed died.
    if (!this.#pool.threads.includes(worker)) return
    const how = signal === null ? `exited with code ${String(exitCode)}` : `was killed by ${signal}`
    worker.emit(
      'error',
      new WorkerCrashedError(`the worker running this task ${how}`, {
        exitCode,
        signal,
        workerId: worker.threadId,
      }),
    )
  }
}

/** Kills worker processes when the program exits, so none is left running as an orphan. */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of liveProcesses) child.kill('SIGKILL')
  })
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`
  // Node hands a worker's uncaught error over as a plain object when it cannot keep the class.
  const { name, message } = (cause ?? {}) as { name?: unknown; message?: unknown }
  if (typeof message === 'string') return typeof name === 'string' ? `${name}: ${message}` : message
  return String(cause)
}

/** The first call of `batch` neither reported nor taken back. */
function firstOpen(batch: Batch): number {
  for (let index = 0; index < batch.calls.length; index++) {
    if (batch.reported[index] === 0 && batch.claimed[index] === 0) return index
  }
  return -1
}

function noop(): void {}
