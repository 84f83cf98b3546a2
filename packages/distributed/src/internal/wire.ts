/**
 * What travels through the queue, and nothing else: a job names its task by a module path
 * relative to `root` plus an export name (`src/tasks.ts#isPrime`), and carries its arguments
 * as `v8.serialize` bytes (structured clone, as the process pool sends them) in base64, since
 * BullMQ stores job data as JSON; small plain data that JSON carries exactly goes as JSON text
 * instead, which costs a tenth as much to write and read. No code crosses: a worker imports
 * only modules under its own `root`, and refuses any path that leads out of it.
 *
 * The same bytes-in-base64 form carries results, progress values and a failed task's encoded
 * error back. Client and worker share this module, so the two sides cannot drift apart.
 */
import { existsSync, realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { deserialize, serialize } from 'node:v8'

import {
  DataCloneError,
  InlineTaskError,
  isTaskRef,
  TaskNotFoundError,
  taskModule,
  type TaskRef,
} from '@concurrent/worker'

import { checkCloneable, describe, type EncodedError } from './internals.js'

/** How a job's arguments are laid out: one call, a chunk of argument lists, or of single arguments. */
export type JobMode = 'call' | 'chunk' | 'flat'

/** A job's data, as BullMQ stores it. */
export interface JobData {
  /** `path/relative/to/root.js#exportName`, with `/` separators. */
  readonly task: string
  /** `v8.serialize(args)` in base64: the call's arguments, or the chunk's items. */
  readonly args: string
  readonly mode: JobMode
  /** Milliseconds the task may run, counted on the worker from the start of each run. */
  readonly timeout?: number
  /** Set by the worker when the task failed: a {@link FailureRecord} in base64. */
  readonly error?: string
}

/** What a worker records about a failed run, for the client to rebuild the task's error. */
export interface FailureRecord {
  /** `job.attemptsStarted` of the run that failed: tells a stale record from the last run's. */
  readonly attempt: number
  readonly error: EncodedError
  /** For a chunk: the results of its items before the one that threw. */
  readonly values?: readonly unknown[] | undefined
}

/**
 * Marks a value encoded as JSON text; never the first character of base64. Anything else is
 * `v8.serialize` bytes in base64.
 */
const JSON_MARK = '!'

/**
 * The value as text: JSON after {@link JSON_MARK} when JSON gives back exactly what structured
 * clone would (small plain data, see {@link isPlainJson}), else its structured-clone bytes in
 * base64.
 *
 * @throws as `v8.serialize`, for a value structured clone cannot copy.
 */
export function encodeValue(value: unknown): string {
  return isPlainJson(value)
    ? JSON_MARK + JSON.stringify(value)
    : serialize(value).toString('base64')
}

/** The value {@link encodeValue} encoded. */
export function decodeValue(text: string): unknown {
  return text.startsWith(JSON_MARK)
    ? JSON.parse(text.slice(JSON_MARK.length))
    : deserialize(Buffer.from(text, 'base64'))
}

/** Past these, a value goes through `v8.serialize`, which copies long data faster than JSON. */
const PLAIN_NODES = 64
const PLAIN_STRING = 1_024
const PLAIN_DEPTH = 8

/**
 * Whether `JSON.parse(JSON.stringify(value))` equals what structured clone makes of `value`, for
 * a small value: strings, booleans, `null`, finite numbers other than `-0`, and arrays and plain
 * objects of those (no holes, `undefined`, extra array properties, other classes or prototypes).
 */
function isPlainJson(value: unknown): boolean {
  let budget = PLAIN_NODES
  const visit = (node: unknown, depth: number): boolean => {
    if (--budget < 0) return false
    switch (typeof node) {
      case 'string':
        return node.length <= PLAIN_STRING
      case 'boolean':
        return true
      case 'number':
        return Number.isFinite(node) && !Object.is(node, -0)
      case 'object': {
        if (node === null) return true
        if (depth >= PLAIN_DEPTH) return false
        const prototype = Object.getPrototypeOf(node) as unknown
        if (prototype === Array.prototype) {
          const items = node as readonly unknown[]
          for (let i = 0; i < items.length; i++) if (!visit(items[i], depth + 1)) return false
          return Object.keys(items).length === items.length
        }
        if (prototype !== Object.prototype) return false
        for (const key of Object.keys(node)) {
          if (!visit((node as Record<string, unknown>)[key], depth + 1)) return false
        }
        return true
      }
      default:
        return false
    }
  }
  return visit(value, 0)
}

/**
 * The arguments' bytes, in base64; the call site's clear error when one cannot be cloned.
 *
 * @throws DataCloneError naming the argument.
 */
export function encodeArgs(args: readonly unknown[], task: string): string {
  checkCloneable(args, task)
  try {
    return encodeValue(args)
  } catch (error) {
    throw new DataCloneError(
      `The arguments of \`${task}\` cannot be sent through the queue (${(error as Error).message}): pass plain data (structured clone), and do the work that needs the rest inside the task`,
      undefined,
      { cause: error },
    )
  }
}

/** A task's wire name for messages: `isPrime (src/tasks.ts)`. */
export function describeTask(task: string): string {
  const { path, exportName } = splitTask(task)
  return `${exportName} (${path})`
}

/** Wire names already worked out, by task reference, then by root. */
const wireNames = new WeakMap<object, Map<string, string>>()

/**
 * The wire name of `task`, a reference from `taskModule()`: its module's path relative to
 * `root`, then `#` and the export name.
 *
 * @throws InlineTaskError for a function: no code travels through the queue.
 * @throws TypeError for anything that is not a task reference, or a module that is not a file.
 * @throws RangeError for a module outside `root`.
 */
export function wireTask(task: unknown, root: string): string {
  if (typeof task === 'object' && task !== null) {
    const known = wireNames.get(task)?.get(root)
    if (known !== undefined) return known
  }
  if (typeof task === 'function') {
    const name = (task as { name?: string }).name
    throw new InlineTaskError(
      `ClusterExecutor runs task references only: no code travels through the queue, so the inline function${name ? ` \`${name}\`` : ''} cannot be sent. Export it from a task module under root (${root}) and pass \`taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url)).${name || 'yourTask'}\``,
    )
  }
  if (!isTaskRef(task)) {
    throw new TypeError(`Expected a task: a reference from taskModule(), got ${describe(task)}`)
  }
  const ref = task
  if (!ref.moduleUrl.startsWith('file:')) {
    throw new TypeError(
      `Expected the task module of \`${ref.exportName}\` to be a file under root (${root}), got ${ref.moduleUrl}: a cluster's workers load task modules from their own copy of the code base`,
    )
  }
  const file = realFile(fileURLToPath(ref.moduleUrl))
  const path = relative(root, file)
  if (path === '' || path.startsWith('..') || isAbsolute(path)) {
    throw new RangeError(
      `Expected the task module of \`${ref.exportName}\` to be under root (${root}), got ${file}: each worker finds a task by its path relative to root, so a module outside it cannot be named. Pass the folder that holds your task modules as \`root\``,
    )
  }
  const wire = `${path.split(sep).join('/')}#${ref.exportName}`
  let byRoot = wireNames.get(ref)
  if (byRoot === undefined) {
    byRoot = new Map()
    wireNames.set(ref, byRoot)
  }
  byRoot.set(root, wire)
  return wire
}

/** `file` with its folder's symbolic links resolved, as `root` has them. */
function realFile(file: string): string {
  try {
    return join(realpathSync(dirname(file)), basename(file))
  } catch {
    return file
  }
}

/** The module path and export name of a wire name. */
export function splitTask(task: string): { path: string; exportName: string } {
  const hash = task.lastIndexOf('#')
  return hash <= 0
    ? { path: task, exportName: '' }
    : { path: task.slice(0, hash), exportName: task.slice(hash + 1) }
}

/**
 * The task reference a worker runs for the wire name `task`, resolved under its own `root`.
 *
 * @throws TaskNotFoundError when the name is malformed, leads outside `root`, or names a file
 * this worker does not have.
 */
export function resolveTask(
  task: string,
  root: string,
  where: string,
): TaskRef<readonly unknown[], unknown> {
  const { path, exportName } = splitTask(task)
  const segments = path.split('/')
  if (exportName === '' || isAbsolute(path) || segments.includes('..') || path.includes('\\')) {
    throw new TaskNotFoundError(
      `The worker ${where} refuses the task \`${task}\`: a task is a module path relative to root, then # and an export name, and never leads out of root`,
      { moduleUrl: path, exportName },
    )
  }
  const file = resolve(root, ...segments)
  const moduleUrl = pathToFileURL(file).href
  if (!hasModule(file)) {
    throw new TaskNotFoundError(
      `The worker ${where} has no task module ${path} under its root (${root}): deploy the same code base (built) on every worker host, or start the worker with the right --root`,
      { moduleUrl, exportName },
    )
  }
  const refs = taskModule<Record<string, (...args: never[]) => unknown>>(moduleUrl)
  return refs[exportName] as TaskRef<readonly unknown[], unknown>
}

const typeScriptTwins: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
}

/** Whether `file` exists, or (for `x.js`) its TypeScript twin does, as `taskModule` accepts. */
function hasModule(file: string): boolean {
  if (existsSync(file)) return true
  const extension = /\.[cm]?js$/.exec(file)?.[0]
  if (extension === undefined) return false
  const stem = file.slice(0, -extension.length)
  return (typeScriptTwins[extension] ?? []).some((twin) => existsSync(stem + twin))
}

/**
 * The job data of a job this package added, or a sentence saying why `data` is not one.
 */
export function parseJobData(data: unknown): JobData | string {
  if (typeof data !== 'object' || data === null) return `its data is ${describe(data)}`
  const { task, args, mode, timeout } = data as Record<string, unknown>
  if (typeof task !== 'string') return `its \`task\` is ${describe(task)}`
  if (typeof args !== 'string') return `its \`args\` is ${describe(args)}`
  if (mode !== 'call' && mode !== 'chunk' && mode !== 'flat')
    return `its \`mode\` is ${describe(mode)}`
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
    return `its \`timeout\` is ${describe(timeout)}`
  }
  return data as JobData
}

/**
 * The name a worker gives BullMQ (shown by dashboards as the job's `processedBy`, and listed by
 * `Queue.getWorkers()`): its host, process id, and how many tasks it runs at once.
 */
export function workerName(host: string, pid: number, slots: number, runtime: string): string {
  return `${host.replace(/\s/g, '-')}/${pid}/${slots}x${runtime}`
}

/** How many tasks a worker named by {@link workerName} runs at once; 0 for another name. */
export function slotsOf(name: string): number {
  const match = /\/(\d+)x(?:thread|process|async)$/.exec(name)
  return match === null ? 0 : Number(match[1])
}
