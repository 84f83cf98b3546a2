/**
 * A quick look for what certainly cannot cross to another thread or process (a function, a
 * symbol, a promise, a weak collection), a few levels deep within a small budget, so that the
 * error names the place: `argument 2 of \`resize\`.options.onDone is a function`. Whatever it
 * does not reach, structured clone itself refuses when the message is sent.
 */
import { DataCloneError } from '../errors.js'

/**
 * Throws a {@link DataCloneError} naming the argument when one of `args` certainly cannot be
 * structured-cloned (a function, symbol, promise, weak collection), looking a few levels deep
 * within a small budget; anything it does not reach is checked when the message is sent.
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

const NODE_BUDGET = 2_000

/**
 * Where in `value` (a few levels deep, within a small budget) something certainly cannot be
 * structured-cloned, and what it is; `undefined` when nothing was found.
 *
 * @internal
 */
export function findUncloneable(value: unknown): { path: string; problem: string } | undefined {
  let budget = NODE_BUDGET
  type Found = { path: string; problem: string } | undefined
  const visit = (node: unknown, path: () => string, depth: number): Found => {
    budget--
    const problem = uncloneable(node)
    if (problem !== undefined) return { path: path(), problem }
    if (depth >= 4 || typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) {
      return undefined
    }
    // Children are visited lazily, and paths built only for what is reported: a chunk of
    // 100,000 plain items costs no more than the budget.
    const inner = (item: unknown, step: () => string): Found =>
      budget > 0 ? visit(item, () => path() + step(), depth + 1) : undefined
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && budget > 0; i++) {
        const found = inner(node[i], () => `[${i}]`)
        if (found !== undefined) return found
      }
    } else if (node instanceof Map) {
      for (const [key, item] of node) {
        const found = inner(item, () => `.get(${String(key)})`)
        if (found !== undefined || budget <= 0) return found
      }
    } else if (node instanceof Set) {
      for (const item of node) {
        const found = inner(item, () => ' (a Set member)')
        if (found !== undefined || budget <= 0) return found
      }
    } else if (
      Object.getPrototypeOf(node) === Object.prototype ||
      Object.getPrototypeOf(node) === null
    ) {
      for (const key in node) {
        const found = inner((node as Record<string, unknown>)[key], () => `.${key}`)
        if (found !== undefined || budget <= 0) return found
      }
    }
    return undefined
  }
  return visit(value, () => '', 0)
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
