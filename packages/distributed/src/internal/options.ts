/**
 * Checks shared by the client and the worker: queue names, `root`, and the retry options, each
 * throwing a TypeError/RangeError that names the option, what it expects and what it got.
 */
import { existsSync, realpathSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { checkInteger, describe } from './internals.js'

/**
 * How long to wait before each retry of a failed task: a number of milliseconds (the same
 * before every retry), or BullMQ's backoff options — `'fixed'`, or `'exponential'` (`delay`,
 * then twice that, and so on), with an optional `jitter` from 0 to 1.
 *
 * @example
 * ```ts
 * import type { Backoff } from '@concurrent/distributed'
 *
 * const steady: Backoff = 1_000
 * const growing: Backoff = { type: 'exponential', delay: 500, jitter: 0.2 }
 * ```
 * @category Executors
 */
export type Backoff =
  | number
  | {
      readonly type: 'fixed' | 'exponential'
      readonly delay: number
      readonly jitter?: number | undefined
    }

/** BullMQ's priorities run from 1 (first) to 2,097,152; ours are centred on 0. */
export const PRIORITY_LIMIT = 2 ** 20 - 1

/** Throws unless `value` is a usable queue name or key prefix. */
export function checkName(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value === '' || value.includes(':')) {
    throw new TypeError(
      `Expected \`${name}\` to be a non-empty string without \`:\`, got ${describe(value)}`,
    )
  }
}

/** Throws unless `value` is `undefined` or a {@link Backoff}. */
export function checkBackoff(value: unknown): asserts value is Backoff | undefined {
  if (value === undefined) return
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `Expected \`backoff\` to be an integer number of milliseconds from 0 and up, got ${describe(value)}`,
      )
    }
    return
  }
  const { type, delay, jitter } = (value ?? {}) as Record<string, unknown>
  if (typeof value !== 'object' || value === null || (type !== 'fixed' && type !== 'exponential')) {
    throw new TypeError(
      `Expected \`backoff\` to be milliseconds or { type: 'fixed' | 'exponential', delay }, got ${describe(value)}`,
    )
  }
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0) {
    throw new RangeError(
      `Expected \`backoff.delay\` to be an integer number of milliseconds from 0 and up, got ${describe(delay)}`,
    )
  }
  if (jitter !== undefined && (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))) {
    throw new RangeError(
      `Expected \`backoff.jitter\` to be a number from 0 to 1, got ${describe(jitter)}`,
    )
  }
}

/** Throws unless `value` is `undefined` or an integer number of attempts from 1 up. */
export function checkAttempts(value: unknown): asserts value is number | undefined {
  checkInteger(value, 'attempts', 1)
}

/** Throws unless `value` is `undefined` or an integer priority BullMQ can hold. */
export function checkPriority(value: unknown): asserts value is number | undefined {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > PRIORITY_LIMIT) {
    const ErrorClass = typeof value === 'number' ? RangeError : TypeError
    throw new ErrorClass(
      `Expected \`priority\` to be an integer from -${PRIORITY_LIMIT} to ${PRIORITY_LIMIT}, got ${describe(value)}`,
    )
  }
}

/**
 * The folder `root` names (a path or a `file:` URL), as an absolute real path.
 *
 * @throws TypeError when it is not a path or URL; RangeError when it is not an existing folder.
 */
export function rootOf(value: unknown): string {
  let path: string | undefined
  if (value instanceof URL && value.protocol === 'file:') path = fileURLToPath(value)
  else if (typeof value === 'string' && value.startsWith('file:')) path = fileURLToPath(value)
  else if (typeof value === 'string' && isAbsolute(value)) path = value
  if (path === undefined) {
    throw new TypeError(
      `Expected \`root\` to be an absolute path or a file: URL of a folder, got ${describe(value instanceof URL ? value.href : value)}`,
    )
  }
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new RangeError(`Expected \`root\` to be an existing folder, got ${describe(path)}`)
  }
  return realpathSync(path)
}

/**
 * The folder of the nearest `package.json` at or above `folder`, or `folder` itself when there
 * is none.
 */
export function nearestPackageRoot(folder: string): string {
  const start = realpathSync(folder)
  for (let at = start; ; at = dirname(at)) {
    if (existsSync(join(at, 'package.json'))) return at
    if (dirname(at) === at) return start
  }
}

/**
 * The default `root` of a program: the folder of the nearest `package.json` above its main
 * module (`process.argv[1]`), or above the working directory when there is no main module.
 */
export function programRoot(): string {
  const main = process.argv[1]
  let folder = process.cwd()
  if (main !== undefined) {
    try {
      folder = dirname(realpathSync(main))
    } catch {
      // A main module that is not a file (a REPL, `node -e`): the working directory.
    }
  }
  return nearestPackageRoot(folder)
}
