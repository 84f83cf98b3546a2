/**
 * What a worker does, shared by the thread and the process entry: boot (run the pool's
 * initializer once, then report ready), and run each `RunMessage` — find the task (importing its
 * module once, or compiling inline source once), run its calls in order, each inside its task
 * context, and report each call the moment it ends, with its progress and streamed values
 * before it on the same ordered channel. It never throws: a call's exception, a result that
 * cannot be sent back, a task that cannot be found, each ends as that call's `fail` message, so
 * a worker only ever goes away because it was stopped or crashed.
 *
 * {@link invoke} is the one way a task function is called, in a worker or in-process.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

import type { CancelToken } from '@concurrent/cancellation'
import type { ChunkResult } from '@concurrent/future'

import { runInContext } from '../context-propagation.js'
import { DataCloneError, TaskNotFoundError } from '../errors.js'
import {
  beginConcurrentTask,
  endConcurrentTask,
  endTask,
  enterTaskContext,
  exitTaskContext,
  runInTaskContext,
  type TaskContext,
} from '../task-context.js'
import { transfer, transferListOf } from '../transfer.js'
import { findUncloneable } from './cloneable.js'
import { encodeError } from './error-codec.js'
import { decodeValue, loadCodecs, type HandlePath } from './marshal.js'
import type { BootData, RunMessage, TaskSpec, WorkerMessage } from './protocol.js'

/** What differs between a thread and a process worker. */
export interface WorkerChannel {
  /**
   * Sends `message` to the parent, moving the buffers in `transfer` (threads).
   *
   * @throws when a value in the message cannot be cloned (nothing is sent then).
   */
  send(message: WorkerMessage, transfer?: readonly object[]): void
  /**
   * Takes call `index` of `message` for running and gives its token; `undefined` when the
   * parent took the call back first (the call is skipped).
   */
  claim(message: RunMessage, index: number): CancelToken | undefined
  /** Call `index` is over, whatever its outcome. */
  release(message: RunMessage, index: number, token: CancelToken): void
  /**
   * Called when the worker has nothing left to run: may wait briefly for the next message and
   * hand it to `receive` at once, without a trip through the event loop (threads).
   */
  poll?(): void
}

/**
 * What one call runs: the task once with `args`, or over the items of a chunk (each an
 * argument list, or with `chunk1` each the task's only argument).
 *
 * @internal
 */
export type Work =
  | { readonly kind: 'call'; readonly args: readonly unknown[] }
  | { readonly kind: 'chunk'; readonly items: ArrayLike<readonly unknown[]> }
  | { readonly kind: 'chunk1'; readonly items: ArrayLike<unknown> }

/**
 * How a call is invoked.
 *
 * @internal
 */
export interface Invocation {
  readonly context: TaskContext
  /**
   * The call has the thread to itself for its whole run (a worker runs one call at a time), so
   * its context is simply the thread's; in-process calls run side by side, each in its own
   * `AsyncLocalStorage` context.
   */
  readonly exclusive: boolean
  /** Receives what a streaming (async generator) task yields; without it, the values are dropped. */
  readonly onYield?: ((value: unknown) => void) | undefined
}

/** A task function, as the runtime sees it. @internal */
export type AnyFunction = (...args: unknown[]) => unknown

/**
 * Task modules loaded in this thread, and the functions found in them. Shared by every copy of
 * this module in the thread (a bundled worker entry, and the copy a task module imports), so
 * that a task module is loaded once: a TypeScript module
 * loaded twice through tsx would be two instances, each with its own module state.
 */
interface TaskCache {
  readonly modules: Map<string, Promise<Record<string, unknown>>>
  /** Module tasks already looked up, by URL and name: found again without awaiting. */
  readonly resolved: Map<string, AnyFunction>
  readonly inline: Map<string, AnyFunction>
}
const cacheKey = Symbol.for('concurrent.taskCache')
const { modules, resolved, inline } = ((globalThis as { [cacheKey]?: TaskCache })[cacheKey] ??= {
  modules: new Map(),
  resolved: new Map(),
  inline: new Map(),
})

/** The worker side of one thread or process. */
export class WorkerRuntime {
  readonly #channel: WorkerChannel
  readonly #waiting: RunMessage[] = []
  #ready = false
  #running = false

  constructor(channel: WorkerChannel) {
    this.#channel = channel
  }

  /**
   * Runs the pool's initializer (if any), then reports ready; until then, messages wait. An
   * initializer that throws is reported (`init-error`) and the worker runs nothing.
   */
  async boot(data: BootData): Promise<void> {
    this.#channel.send({ type: 'booted' })
    if (data.init !== undefined) {
      try {
        const fn = await lookup(data.init.task)
        if (data.init.handles !== undefined) await revive(data.init.args, data.init.handles)
        await fn(...data.init.args)
      } catch (error) {
        this.#channel.send({ type: 'init-error', error: encodeError(error) })
        return
      }
    }
    this.#ready = true
    this.#channel.send({ type: 'ready' })
    void this.#drain()
  }

  /** Takes a message to run; messages run one after another, in the order they came. */
  receive(message: RunMessage): void {
    this.#waiting.push(message)
    if (this.#ready && !this.#running) void this.#drain()
  }

  async #drain(): Promise<void> {
    this.#running = true
    try {
      for (;;) {
        let message = this.#waiting.shift()
        if (message === undefined) {
          this.#channel.poll?.()
          message = this.#waiting.shift()
          if (message === undefined) return
        }
        await this.#run(message)
      }
    } finally {
      this.#running = false
    }
  }

  async #run(message: RunMessage): Promise<void> {
    const count = callCount(message)
    let fn = cachedTask(message.task)
    if (fn === undefined) {
      try {
        fn = await lookup(message.task)
      } catch (error) {
        // Every call of the message fails the same way (each is its own future).
        for (let index = 0; index < count; index++) {
          const token = this.#channel.claim(message, index)
          if (token === undefined) continue
          this.#fail(message.id + index, error, 0)
          this.#channel.release(message, index, token)
        }
        return
      }
    }
    for (let index = 0; index < count; index++) {
      const token = this.#channel.claim(message, index)
      if (token === undefined) continue
      try {
        await this.#runCall(fn, message, index, token)
      } finally {
        this.#channel.release(message, index, token)
      }
    }
  }

  async #runCall(
    fn: AnyFunction,
    message: RunMessage,
    index: number,
    token: CancelToken,
  ): Promise<void> {
    const id = message.id + index
    const startedAt = performance.now()
    const took = (): number => performance.now() - startedAt
    const context: TaskContext = {
      token,
      progress: (value) => this.#sendValue({ type: 'progress', id, value }, 'a progress value'),
    }
    const work = workOf(message, index)
    let value: unknown
    try {
      // Cancelled while it waited for this worker: do not start it.
      token.throwIfCancelled()
      if (message.handles !== undefined) await revive(message.args, message.handles)
      const how: Invocation = {
        context,
        exclusive: true,
        onYield:
          message.packing === 'call'
            ? (yielded) => this.#sendValue({ type: 'yield', id, value: yielded }, 'a yielded value')
            : undefined,
      }
      // Inside the caller's trace, when the call brought one (context-propagation.ts).
      const trace = message.traces?.[index]
      value = await (trace === undefined
        ? invoke(fn, work, how)
        : runInContext(trace, () => invoke(fn, work, how)))
    } catch (error) {
      this.#fail(id, error, took())
      return
    }
    if (work.kind === 'call') {
      const found = findUncloneable(value)
      if (found !== undefined) {
        this.#fail(
          id,
          new DataCloneError(
            `The result of \`${message.task.name}\`${found.path} is ${found.problem}, which cannot be sent back to the caller: return plain data`,
          ),
          took(),
        )
        return
      }
    } else {
      const { values, failure } = value as ChunkResult<unknown>
      if (failure !== undefined) {
        this.#fail(id, failure.error, took(), values, message.task)
        return
      }
      value = values
    }
    try {
      this.#channel.send({ type: 'done', id, value, took: took() }, transferListOf([value]))
    } catch (error) {
      // Deeper than any check looks, or inside a class instance: the result cannot be sent.
      this.#fail(id, unsendable(message.task, error), took())
    }
  }

  #fail(
    id: number,
    error: unknown,
    took: number,
    values?: ArrayLike<unknown>,
    task?: TaskSpec,
  ): void {
    try {
      this.#channel.send({ type: 'fail', id, error: encodeError(error), took, values })
    } catch (failure) {
      // The results before a chunk's failing item could not be sent: send the error alone.
      this.#channel.send({
        type: 'fail',
        id,
        error: encodeError(
          values !== undefined && task !== undefined ? unsendable(task, failure) : error,
        ),
        took,
      })
    }
  }

  /** Sends a progress or yielded value; one that cannot be cloned throws into the task. */
  #sendValue(message: WorkerMessage, what: string): void {
    try {
      this.#channel.send(message)
    } catch (error) {
      throw new DataCloneError(
        `${what.charAt(0).toUpperCase()}${what.slice(1)} cannot be sent to the caller (${String((error as Error).message)}): send plain data`,
        undefined,
        { cause: error },
      )
    }
  }
}

/**
 * Turns the handles at `handles` in `args` (the fresh copy a message brought) back into
 * instances, in place, importing the modules that register their classes first if need be.
 */
async function revive(args: ArrayLike<unknown>, handles: readonly HandlePath[]): Promise<void> {
  await loadCodecs(args, handles, importModule)
  decodeValue(args, handles)
}

/** How many calls `message` carries. */
function callCount(message: RunMessage): number {
  return message.packing === 'batch' || message.packing === 'batch1' ? message.args.length : 1
}

/** What call `index` of `message` runs. */
function workOf(message: RunMessage, index: number): Work {
  const { args } = message
  switch (message.packing) {
    case 'call':
      return { kind: 'call', args: args as readonly unknown[] }
    case 'batch':
      return { kind: 'call', args: args[index] as readonly unknown[] }
    case 'batch1':
      return { kind: 'call', args: [args[index]] }
    case 'chunk':
      return { kind: 'chunk', items: args as ArrayLike<readonly unknown[]> }
    case 'chunk1':
      return { kind: 'chunk1', items: args }
  }
}

function unsendable(task: TaskSpec, error: unknown): DataCloneError {
  return new DataCloneError(
    `The result of \`${task.name}\` cannot be sent back to the caller (${String((error as Error).message)}): return plain data (objects, arrays, numbers, strings, typed arrays, Map, Set, Date), not functions, class instances with methods, generators or proxies`,
    undefined,
    { cause: error },
  )
}

/**
 * Calls `fn` as a task, inside its task context: once with `args`, or once per item of a chunk
 * (checking the token between items). When the task returns an async iterator (an async
 * generator function), its values go to `onYield` and the generator's return value is the
 * result. A chunk never throws an item's error: it resolves with the results of the items
 * before it and the error ({@link ChunkResult}), so a map yields those results first.
 *
 * @returns the call's value; for a chunk, its {@link ChunkResult}.
 * @internal
 */
export async function invoke(fn: AnyFunction, work: Work, how: Invocation): Promise<unknown> {
  const { context, exclusive } = how
  // A worker runs one call at a time: the call is the thread's context for its whole run.
  const inContext = <T>(call: () => T): T => (exclusive ? call() : runInTaskContext(context, call))
  if (exclusive) enterTaskContext(context)
  else beginConcurrentTask()
  try {
    if (work.kind !== 'call') return await inContext(() => invokeChunk(fn, work, context.token))
    const first = inContext(() => fn(...work.args))
    const value = isThenable(first) ? await first : first
    if (!isAsyncIterator(value)) return value
    for (;;) {
      context.token.throwIfCancelled()
      const step = await inContext(() => value.next())
      if (step.done === true) return step.value
      how.onYield?.(step.value)
    }
  } finally {
    endTask(context)
    if (exclusive) exitTaskContext()
    else endConcurrentTask()
  }
}

/** Runs the items of a chunk in order, up to the first that throws. */
async function invokeChunk(
  fn: AnyFunction,
  work: Exclude<Work, { kind: 'call' }>,
  token: CancelToken,
): Promise<ChunkResult<unknown>> {
  const { items } = work
  const spread = work.kind === 'chunk'
  const results = new Array<unknown>(items.length)
  for (let from = 0; ;) {
    const step = runPlain(fn, items, spread, token, results, from)
    if (step.failure !== undefined) {
      results.length = step.index
      return { values: results, failure: step.failure }
    }
    if (step.pending === undefined) break
    try {
      results[step.index] = await step.pending
    } catch (error) {
      results.length = step.index
      return { values: results, failure: { error } }
    }
    from = step.index + 1
  }
  return { values: spread ? results : packNumbers(results) }
}

/** Where {@link runPlain} stopped: at the end, at an item that returned a thenable, or threw. */
interface PlainStep {
  readonly index: number
  readonly pending?: PromiseLike<unknown>
  readonly failure?: { readonly error: unknown }
}

/**
 * Runs items from `from` on while they return plain values, with no await between them: a
 * synchronous loop the engine optimizes while it runs, so that a chunk of tiny items costs
 * little more than the loop itself, even in a worker that has just started.
 */
function runPlain(
  fn: AnyFunction,
  items: ArrayLike<unknown>,
  spread: boolean,
  token: CancelToken,
  results: unknown[],
  from: number,
): PlainStep {
  const end = items.length
  let i = from
  try {
    for (; i < end; i++) {
      if (token.cancelled) token.throwIfCancelled()
      const result = spread ? fn(...(items[i] as readonly unknown[])) : fn(items[i])
      if (
        typeof result === 'object' &&
        result !== null &&
        typeof (result as { then?: unknown }).then === 'function'
      ) {
        return { index: i, pending: result as PromiseLike<unknown> }
      }
      results[i] = result
    }
  } catch (error) {
    return { index: i, failure: { error } }
  }
  return { index: end }
}

/**
 * A map's results that are all numbers, as one typed array (an `Int32Array` when all are 32-bit
 * integers, else a `Float64Array`), moved back rather than copied number by number: reading it
 * by index gives the same values. Anything else as it is.
 */
function packNumbers(results: unknown[]): ArrayLike<unknown> {
  if (results.length < 2) return results
  let integers = true
  for (let i = 0; i < results.length; i++) {
    const value = results[i]
    if (typeof value !== 'number') return results
    if (integers && ((value | 0) !== value || (value === 0 && 1 / value < 0))) integers = false
  }
  return transfer(
    integers ? Int32Array.from(results as number[]) : Float64Array.from(results as number[]),
  )
}

/**
 * The function for `spec` if it was looked up before (no promise, no await); else undefined.
 *
 * @internal
 */
export function cachedTask(spec: TaskSpec): AnyFunction | undefined {
  return spec.kind === 'inline' ? inline.get(spec.source) : resolved.get(`${spec.url}#${spec.name}`)
}

/**
 * The function a spec stands for: an inline function compiled once, or a module export (the
 * module imported once per process or thread).
 *
 * @throws TaskNotFoundError when the module or the export is missing.
 * @internal
 */
export async function lookup(spec: TaskSpec): Promise<AnyFunction> {
  if (spec.kind === 'inline') {
    let fn = inline.get(spec.source)
    if (fn === undefined) {
      // Indirect eval: the source runs in the global scope, with no access to this module. Code
      // compiled by tsx calls `__name(fn, 'fn')`, a helper of the module it came from: the
      // worker passes its own.
      const compile = (0, eval)(`(__name) => (${spec.source})`) as (
        name: typeof keepName,
      ) => AnyFunction
      fn = compile(keepName)
      inline.set(spec.source, fn)
    }
    return fn
  }
  let loading = modules.get(spec.url)
  if (loading === undefined) {
    loading = importModule(spec.url)
    modules.set(spec.url, loading)
  }
  let module: Record<string, unknown>
  try {
    module = await loading
  } catch (error) {
    modules.delete(spec.url)
    const code = (error as { code?: unknown }).code
    if (
      code === 'ERR_MODULE_NOT_FOUND' &&
      String((error as { message?: unknown }).message).includes(fileOf(spec.url))
    ) {
      throw new TaskNotFoundError(
        `Task module ${spec.url} could not be found by the worker: check the path, and for TypeScript run under a loader such as tsx`,
        { moduleUrl: spec.url, exportName: spec.name },
        { cause: error },
      )
    }
    throw error
  }
  const fn = module[spec.name]
  if (typeof fn !== 'function') {
    const exported = Object.keys(module)
      .filter((key) => typeof module[key] === 'function')
      .map((key) => `\`${key}\``)
    throw new TaskNotFoundError(
      `Task module ${spec.url} has no exported function \`${spec.name}\`${fn === undefined ? '' : ` (it is a ${typeof fn})`}; its functions are ${exported.join(', ') || 'none'}`,
      { moduleUrl: spec.url, exportName: spec.name },
    )
  }
  resolved.set(`${spec.url}#${spec.name}`, fn as AnyFunction)
  return fn as AnyFunction
}

/**
 * Imports a task module. A TypeScript module (`.ts`, or a `.js` URL whose file is really
 * `.ts`, as TypeScript's import style has it) that the runtime cannot load by itself — worker
 * threads on Node 20 do not inherit `--import` loaders — is loaded through tsx's `tsImport`,
 * resolved from the task module's own folder, so the user's tsx is the one used.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>
  } catch (error) {
    const typescript = typeScriptUrl(url, (error as { code?: unknown }).code)
    if (typescript === undefined) throw error
    let tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>>
    try {
      ;({ tsImport } = (await import(tsxApiUrl(url))) as { tsImport: typeof tsImport })
    } catch (missing) {
      throw new TaskNotFoundError(
        `Task module ${url} is TypeScript, and tsx (which loads it in workers) is not installed where the module is: install it (\`npm i -D tsx\`) or build the module to JavaScript`,
        { moduleUrl: url },
        { cause: missing },
      )
    }
    return tsImport(typescript, url)
  }
}

/** The URL of tsx's ESM API as installed for the module at `url` (its `import` export). */
function tsxApiUrl(url: string): string {
  const manifestPath = createRequire(url).resolve('tsx/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } }>
  }
  const entry = manifest.exports?.['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs'
  return new URL(entry, pathToFileURL(manifestPath)).href
}

/** The URL to load with tsx, when `url` failed because it is TypeScript; else `undefined`. */
function typeScriptUrl(url: string, code: unknown): string | undefined {
  if (!url.startsWith('file:')) return undefined
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?tsx?$/.test(url)) return url
  if (code !== 'ERR_MODULE_NOT_FOUND') return undefined
  const path = fileURLToPath(url)
  if (existsSync(path)) return undefined
  for (const [js, ts] of [
    ['.js', '.ts'],
    ['.mjs', '.mts'],
    ['.cjs', '.cts'],
    ['.js', '.tsx'],
  ] as const) {
    if (path.endsWith(js) && existsSync(path.slice(0, -js.length) + ts)) {
      return pathToFileURL(path.slice(0, -js.length) + ts).href
    }
  }
  return undefined
}

/** esbuild's `__name` helper (its `keepNames` option), which tsx-compiled inline tasks call. */
function keepName<T extends object>(target: T, value: string): T {
  return Object.defineProperty(target, 'name', { value, configurable: true })
}

function fileOf(url: string): string {
  return url.startsWith('file:') ? decodeURIComponent(new URL(url).pathname) : url
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

function isAsyncIterator(value: unknown): value is AsyncIterator<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Symbol.asyncIterator in value &&
    typeof (value as { next?: unknown }).next === 'function'
  )
}
