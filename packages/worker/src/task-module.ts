/**
 * Task references: how a pool finds a function in a worker. As Python pickles a function by its
 * module and qualified name, a reference is a module URL plus an export name; the worker
 * imports the module (once) and calls the export. References are plain frozen objects, cheap
 * to create and to send; their TypeScript type carries the function's signature so `submit` is
 * typed end to end.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isAbsolute } from 'node:path'

import { type TaskReference } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'

import { TaskNotFoundError } from './errors.js'

/**
 * A reference to a function exported by a task module: what {@link taskModule} hands out.
 *
 * @typeParam A - the function's parameter types.
 * @typeParam R - the function's return type.
 *
 * @example
 * ```ts
 * import { taskModule, type TaskRef } from '@concurrent/worker'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * const isPrime: TaskRef<[number], boolean> = tasks.isPrime
 * console.log(isPrime.exportName) // 'isPrime'
 * ```
 * @category Executors
 */
export interface TaskRef<A extends readonly unknown[], R> extends TaskReference<A, R> {
  /** The module's URL (`file:` for files). */
  readonly moduleUrl: string
  /** The name of the export. */
  readonly exportName: string
}

/**
 * The typed task references of a module `M`: one {@link TaskRef} per exported function.
 *
 * @example
 * ```ts
 * import { taskModule, type TaskModule } from '@concurrent/worker'
 *
 * type Tasks = TaskModule<typeof import('./tasks.js')>
 * const tasks: Tasks = taskModule(new URL('./tasks.js', import.meta.url))
 * ```
 * @category Executors
 */
export type TaskModule<M> = {
  readonly [K in keyof M as M[K] extends (...args: never[]) => unknown ? K : never]: M[K] extends (
    ...args: infer A
  ) => infer R
    ? TaskRef<A, R>
    : never
}

/**
 * Typed references to the functions a module exports, for running them in worker pools.
 *
 * The module is not imported here: each worker imports it the first time it runs one of its
 * tasks. The file must exist (checked now, so a wrong path fails at the call site); a missing
 * export is reported by the worker as a {@link TaskNotFoundError}. TypeScript modules work when
 * the program runs under a loader such as `tsx` (workers inherit it), see the package README.
 *
 * @typeParam M - the module's type: `typeof import('./tasks.js')`.
 * @param url - the module's URL; build it with `new URL('./tasks.js', import.meta.url)`. An
 * absolute path is accepted too.
 * @returns an object with one {@link TaskRef} per exported function.
 * @throws {@link TaskNotFoundError} when `url` is a file that does not exist.
 * @throws TypeError when `url` is relative or not a URL.
 * @example
 * ```ts
 * import { taskModule } from '@concurrent/worker'
 *
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 * const future = pool.submit(tasks.isPrime, 97) // Future<boolean>
 * ```
 * @category Executors
 */
export function taskModule<M>(url: URL | string): TaskModule<M> {
  const moduleUrl = normalizeModuleUrl(url)
  const refs = new Map<string, TaskRef<readonly unknown[], unknown>>()
  return new Proxy({} as TaskModule<M>, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined
      let ref = refs.get(property)
      if (ref === undefined) {
        ref = Object.freeze({ moduleUrl, exportName: property })
        refs.set(property, ref)
      }
      return ref
    },
  })
}

/**
 * `true` if `value` is a {@link TaskRef}.
 *
 * @example
 * ```ts
 * import { isTaskRef } from '@concurrent/worker'
 *
 * isTaskRef(tasks.isPrime) // true
 * isTaskRef((n: number) => n) // false
 * ```
 * @category Executors
 */
export function isTaskRef(value: unknown): value is TaskRef<readonly unknown[], unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { moduleUrl?: unknown }).moduleUrl === 'string' &&
    typeof (value as { exportName?: unknown }).exportName === 'string'
  )
}

const typeScriptTwins: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
}

function normalizeModuleUrl(url: URL | string): string {
  let href: string
  if (url instanceof URL) {
    href = url.href
  } else if (typeof url === 'string' && isAbsolute(url)) {
    href = pathToFileURL(url).href
  } else if (typeof url === 'string' && URL.canParse(url)) {
    href = new URL(url).href
  } else {
    throw new TypeError(
      `Expected \`url\` to be a URL or an absolute path, got ${describe(url)}: build it with \`new URL('./tasks.js', import.meta.url)\``,
    )
  }
  if (href.startsWith('file:')) {
    const path = fileURLToPath(href)
    const extension = /\.[cm]?js$/.exec(path)?.[0]
    const stem = extension === undefined ? path : path.slice(0, -extension.length)
    const twins = extension === undefined ? [] : (typeScriptTwins[extension] ?? [])
    const candidates = [path, ...twins.map((twin) => stem + twin)]
    if (!candidates.some((candidate) => existsSync(candidate))) {
      throw new TaskNotFoundError(
        `Task module ${path} does not exist: check the path (it is resolved against the URL's base, usually \`import.meta.url\`)`,
        { moduleUrl: href },
      )
    }
  }
  return href
}
