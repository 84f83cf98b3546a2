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
  let budget = NODE_BUDGET
  const visit = (value: unknown, path: string, depth: number, index: number): void => {
    if (budget-- <= 0) return
    const problem = uncloneable(value)
    if (problem !== undefined) {
      throw new DataCloneError(
        `Argument ${index + 1} of \`${task}\`${path} is ${problem}, which cannot be sent to a worker: pass plain data, and do the work that needs it inside the task`,
        index,
      )
    }
    if (depth >= 4 || typeof value !== 'object' || value === null || ArrayBuffer.isView(value))
      return
    if (Array.isArray(value)) {
      value.forEach((item: unknown, i) => visit(item, `${path}[${i}]`, depth + 1, index))
    } else if (value instanceof Map) {
      for (const [key, item] of value) visit(item, `${path}.get(${String(key)})`, depth + 1, index)
    } else if (value instanceof Set) {
      for (const item of value) visit(item, `${path} (a Set member)`, depth + 1, index)
    } else if (
      Object.getPrototypeOf(value) === Object.prototype ||
      Object.getPrototypeOf(value) === null
    ) {
      for (const [key, item] of Object.entries(value))
        visit(item, `${path}.${key}`, depth + 1, index)
    }
  }
  args.forEach((arg, index) => visit(arg, '', 0, index))
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
