/**
 * What a worker does with a `RunMessage`, shared by the thread and the process entry: run the
 * pool's initializer once, find the task (importing its module once, or compiling inline
 * source once), run it inside its task context, stream what an async generator yields, and
 * turn the outcome — value or exception — into a reply. It never throws: a rejection from
 * tinypool must only ever mean that the worker itself failed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

import type { CancelToken } from '@concurrent/cancellation'

import { DataCloneError, TaskNotFoundError } from '../errors.js'
import { findUncloneable } from '../task-spec.js'
import { transfer } from '../transfer.js'
import {
  enterTaskContext,
  exitTaskContext,
  runInTaskContext,
  type TaskContext,
} from '../task-context.js'
import { encodeError } from './error-codec.js'
import type { ReplyMessage, RunMessage, SideMessage, TaskSpec } from './protocol.js'

/** What differs between a thread and a process worker. */
export interface WorkerSide {
  /** The task's token: shared memory in a thread, a local token a process cancels by message. */
  token(message: RunMessage): CancelToken
  /**
   * The token of call `index` of a batch, once the worker has claimed the call; `undefined` if
   * the parent cancelled it before it started (skip it).
   */
  itemToken(message: RunMessage, index: number): CancelToken | undefined
  /** Sends progress, streamed values and batch results to the parent. */
  send(message: RunMessage, side: SideMessage): void
  /** Called when the task (or a batch call, with its own token) is over, whatever the outcome. */
  done(message: RunMessage, token: CancelToken): void
}

/** A task function, as the runtime sees it. @internal */
export type AnyFunction = (...args: unknown[]) => unknown

const modules = new Map<string, Promise<Record<string, unknown>>>()
/** Module tasks already looked up, by URL and name: found again without awaiting. */
const resolved = new Map<string, AnyFunction>()
const inline = new Map<string, AnyFunction>()
let initialized: Promise<void> | undefined
let tasksRun = 0

export async function runMessage(message: RunMessage, side: WorkerSide): Promise<ReplyMessage> {
  const token = message.batch ? undefined : side.token(message)
  const startedAt = performance.now()
  const took = (): number => performance.now() - startedAt
  let sent = 0
  tasksRun++
  const retire = message.maxTasks !== undefined && tasksRun >= message.maxTasks
  // Counted once sent: a value that cannot be sent (it throws) must not be waited for.
  const send = (value: SideMessage): void => {
    side.send(message, value)
    sent++
  }
  try {
    if (message.init !== undefined) {
      try {
        initialized ??= runInit(message.init)
        await initialized
      } catch (error) {
        return {
          type: 'error',
          id: message.id,
          error: encodeError(error),
          init: true,
          sent,
          retire,
          took: took(),
        }
      }
    }
    const fn = cachedTask(message.task) ?? (await lookup(message.task))
    if (token === undefined) {
      await runBatch(fn, message, side, send)
      return { type: 'result', id: message.id, value: undefined, sent, retire, took: took() }
    }
    // Cancelled while it waited for this worker: do not start it.
    token.throwIfCancelled()
    let yielded = 0
    const value = await invokeTask(
      fn,
      message.args,
      message.chunk,
      { token, progress: (value) => send({ type: 'progress', id: message.id, value }) },
      (value) => send({ type: 'yield', id: message.id, index: yielded++, value }),
      true,
      message.flat,
    )
    checkResult(message.task, value)
    return { type: 'result', id: message.id, value, sent, retire, took: took() }
  } catch (error) {
    return {
      type: 'error',
      id: message.id,
      error: encodeError(error),
      init: false,
      sent,
      retire,
      took: took(),
    }
  } finally {
    if (token !== undefined) side.done(message, token)
  }
}

/**
 * Runs the calls of a batch in order, each with its own token, reporting each outcome as soon
 * as the call ends. A call the parent cancelled before the worker reached it is skipped.
 */
async function runBatch(
  fn: AnyFunction,
  message: RunMessage,
  side: WorkerSide,
  send: (value: SideMessage) => void,
): Promise<void> {
  for (let index = 0; index < message.args.length; index++) {
    const token = side.itemToken(message, index)
    if (token === undefined) continue
    try {
      await runCall(fn, message, index, token, send)
    } finally {
      side.done(message, token)
    }
  }
}

/** Runs call `index` of a batch and reports how it ended. */
async function runCall(
  fn: AnyFunction,
  message: RunMessage,
  index: number,
  token: CancelToken,
  send: (value: SideMessage) => void,
): Promise<void> {
  const { id, args } = message
  let value: unknown
  try {
    value = await invokeTask(
      fn,
      message.flat ? [args[index]] : (args[index] as unknown[]),
      false,
      { token, progress: (value) => send({ type: 'progress', id, index, value }) },
      ignore,
      true,
    )
    checkResult(message.task, value)
  } catch (error) {
    send({ type: 'item', id, index, error: encodeError(error) })
    return
  }
  try {
    send({ type: 'item', id, index, value })
  } catch (error) {
    // Deeper than the check looks, or inside a class instance: the result could not be sent.
    const failure = new DataCloneError(
      `The result of \`${message.task.name}\` cannot be sent back to the caller (${String((error as Error).message)}): return plain data`,
      undefined,
      { cause: error },
    )
    send({ type: 'item', id, index, error: encodeError(failure) })
  }
}

/** @throws DataCloneError when a task's result cannot be sent back. */
function checkResult(task: TaskSpec, value: unknown): void {
  const found = findUncloneable(value)
  if (found !== undefined) {
    throw new DataCloneError(
      `The result of \`${task.name}\`${found.path} is ${found.problem}, which cannot be sent back to the caller: return plain data`,
    )
  }
}

function ignore(): void {}

/**
 * Calls `fn` as a task: inside its task context, once with `args`, or once per argument list of
 * a chunk (checking the token between items). When the task returns an async iterator (an
 * async generator function), its values go to `onYield` and the generator's return value is
 * the result. `exclusive` makes the task the thread's context for its whole run (a worker);
 * `flat` says a chunk holds each call's only argument rather than argument lists.
 *
 * @internal
 */
export async function invokeTask(
  fn: AnyFunction,
  args: readonly unknown[],
  chunk: boolean,
  context: TaskContext,
  onYield: (value: unknown) => void,
  exclusive = false,
  flat = false,
): Promise<unknown> {
  // A worker runs one task at a time: the task is the thread's context for its whole run.
  // In-process tasks run side by side, each in its own AsyncLocalStorage context.
  const inContext = <T>(call: () => T): T => (exclusive ? call() : runInTaskContext(context, call))
  if (exclusive) enterTaskContext(context)
  try {
    const { token } = context
    if (chunk) {
      // No await between items that return plain values: a chunk of tiny items must cost
      // little more than the loop itself.
      return await inContext(async () => {
        const results = new Array<unknown>(args.length)
        let numbers = true
        let integers = true
        for (let i = 0; i < args.length; i++) {
          token.throwIfCancelled()
          // A flat chunk holds each call's only argument; otherwise each item is an argument list.
          const result = flat ? fn(args[i]) : fn(...(args[i] as unknown[]))
          const value = isThenable(result) ? await result : result
          if (typeof value !== 'number') numbers = false
          else if ((value | 0) !== value || (value === 0 && 1 / value < 0)) integers = false
          results[i] = value
        }
        if (!flat || !numbers || args.length < 2) return results
        // A map's results that are all numbers go back as one typed array, moved rather than
        // copied number by number: reading it by index gives the same values.
        return transfer(
          integers ? Int32Array.from(results as number[]) : Float64Array.from(results as number[]),
        )
      })
    }
    const first = inContext(() => fn(...args))
    const value = isThenable(first) ? await first : first
    if (!isAsyncIterator(value)) return value
    for (;;) {
      token.throwIfCancelled()
      const step = await inContext(() => value.next())
      if (step.done === true) return step.value
      onYield(step.value)
    }
  } finally {
    if (exclusive) exitTaskContext()
  }
}

async function runInit(init: NonNullable<RunMessage['init']>): Promise<void> {
  const fn = await lookup(init.task)
  await fn(...init.args)
}

/** The function for `spec` if it was looked up before (no promise, no await); else undefined. */
function cachedTask(spec: TaskSpec): AnyFunction | undefined {
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
