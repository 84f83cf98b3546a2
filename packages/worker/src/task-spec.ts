/**
 * What `submit` checks before a task leaves for a worker, so mistakes surface at the call site:
 * the task is a reference or a self-contained function, and its arguments can be cloned.
 */
import { describe } from '@concurrent/future'

import { DataCloneError } from './errors.js'
import { inlineSpec } from './internal/inline.js'
import type { TaskSpec } from './internal/protocol.js'
import { isTaskRef } from './task-module.js'

export type { TaskSpec } from './internal/protocol.js'

/**
 * How a worker finds `task`: a module reference, or inline source.
 *
 * @throws `InlineTaskError` for a closure or a function without shippable source.
 * @throws TypeError when `task` is neither a task reference nor a function.
 * @internal
 */
export function taskSpecOf(task: unknown): TaskSpec {
  if (typeof task === 'function') return inlineSpec(task as (...args: never[]) => unknown)
  if (isTaskRef(task)) return { kind: 'module', url: task.moduleUrl, name: task.exportName }
  throw new TypeError(
    `Expected a task: a reference from taskModule() or a self-contained function, got ${describe(task)}`,
  )
}

/** A short name for a task, for messages. @internal */
export function taskName(spec: TaskSpec): string {
  return spec.name
}

const NODE_BUDGET = 2_000

/**
 * Throws a {@link DataCloneError} naming the argument when one of `args` certainly cannot be
 * structured-cloned (a function, symbol, promise, weak collection), looking a few levels deep
 * within a small budget; anything it does not reach is checked by `postMessage` itself.
 *
 * @internal
 */
export function checkCloneable(args: readonly unknown[], task: string): void {
  args.forEach((arg, index) => {
    const found = findUncloneable(arg)
    if (found !== undefined) {
      throw new DataCloneError(
        `Argument ${index + 1} of \`${task}\`${found.path} is ${found.problem}, which cannot be sent to a worker: pass plain data, and do the work that needs it inside the task`,
        index,
      )
    }
  })
}

/**
 * Where in `value` (a few levels deep, within a small budget) something certainly cannot be
 * structured-cloned, and what it is; `undefined` when nothing was found.
 *
 * @internal
 */
export function findUncloneable(value: unknown): { path: string; problem: string } | undefined {
  let budget = NODE_BUDGET
  const visit = (
    node: unknown,
    path: string,
    depth: number,
  ): { path: string; problem: string } | undefined => {
    if (budget-- <= 0) return undefined
    const problem = uncloneable(node)
    if (problem !== undefined) return { path, problem }
    if (depth >= 4 || typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) {
      return undefined
    }
    let entries: Iterable<[string, unknown]>
    if (Array.isArray(node)) {
      entries = node.map((item: unknown, i): [string, unknown] => [`[${i}]`, item])
    } else if (node instanceof Map) {
      entries = [...node].map(([key, item]): [string, unknown] => [`.get(${String(key)})`, item])
    } else if (node instanceof Set) {
      entries = [...node].map((item): [string, unknown] => [' (a Set member)', item])
    } else if (
      Object.getPrototypeOf(node) === Object.prototype ||
      Object.getPrototypeOf(node) === null
    ) {
      entries = Object.entries(node).map(([key, item]): [string, unknown] => [`.${key}`, item])
    } else {
      return undefined
    }
    for (const [step, item] of entries) {
      const found = visit(item, path + step, depth + 1)
      if (found !== undefined) return found
      if (budget <= 0) return undefined
    }
    return undefined
  }
  return visit(value, '', 0)
}

function uncloneable(value: unknown): string | undefined {
  switch (typeof value) {
    case 'function':
      return `a function${(value as { name?: string }).name ? ` (\`${(value as { name: string }).name}\`)` : ''}`
    case 'symbol':
      return 'a symbol'
    case 'object':
      if (value instanceof Promise) return 'a promise (await it first)'
      if (value instanceof WeakMap || value instanceof WeakSet) return 'a weak collection'
      return undefined
    default:
      return undefined
  }
}
