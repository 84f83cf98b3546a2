/**
 * Inline tasks: a function passed to `submit` is shipped to the worker as its source text and
 * compiled there once per worker (cached by source). Only self-contained functions survive
 * that trip, so the source is parsed here, at the call site, and every identifier it uses that
 * is neither its own nor a global of the runtime is reported by name, with the fix. The check
 * runs once per function object (cached in a WeakMap).
 */
import { createRequire } from 'node:module'

import type * as Acorn from 'acorn'
import type * as EslintScope from 'eslint-scope'

import { InlineTaskError } from '../errors.js'
import type { TaskSpec } from './protocol.js'

const specs = new WeakMap<object, TaskSpec>()

// `arguments` is the function's own. `__name` is the helper that code compiled by tsx (esbuild's
// `keepNames`) wraps inner functions and classes in; the worker provides it.
const provided = new Set(['arguments', '__name'])

// Loaded on first use: only the submitting side needs a parser, and workers import this
// package too (for the in-task API) without paying for one.
let parser: { acorn: typeof Acorn; scope: typeof EslintScope } | undefined
function loadParser(): { acorn: typeof Acorn; scope: typeof EslintScope } {
  if (parser === undefined) {
    const require = createRequire(import.meta.url)
    parser = {
      acorn: require('acorn') as typeof Acorn,
      scope: require('eslint-scope') as typeof EslintScope,
    }
  }
  return parser
}

/** The spec that ships `fn` by source. @throws {@link InlineTaskError} when it cannot be. */
export function inlineSpec(fn: (...args: never[]) => unknown): TaskSpec {
  let spec = specs.get(fn)
  if (spec === undefined) {
    spec = { kind: 'inline', source: checkedSource(fn), name: fn.name || 'anonymous' }
    specs.set(fn, spec)
  }
  return spec
}

function checkedSource(fn: (...args: never[]) => unknown): string {
  const source = Function.prototype.toString.call(fn)
  const label = fn.name ? `\`${fn.name}\`` : 'an inline function'
  if (source.endsWith('{ [native code] }')) {
    throw new InlineTaskError(
      `${label} is a native or bound function, which has no source to send to a worker: pass a function expression, or put the function in a task module and use taskModule()`,
    )
  }
  if (/^class\b/.test(source)) {
    throw new InlineTaskError(`${label} is a class; a task must be a function`)
  }
  const { acorn, scope } = loadParser()
  let program: Acorn.Program
  try {
    program = acorn.parse(`(${source})`, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      ranges: true,
    })
  } catch (error) {
    throw new InlineTaskError(
      `${label} cannot be sent to a worker as source (it is probably an object method): use an arrow function or a function expression, or put it in a task module and use taskModule()`,
      [],
      { cause: error },
    )
  }
  const manager = scope.analyze(program as unknown as Parameters<typeof scope.analyze>[0], {
    ecmaVersion: 2022,
    sourceType: 'script',
  })
  const free = new Set(manager.globalScope?.through.map((reference) => reference.identifier.name))
  const outer = [...free].filter((name) => !(name in globalThis) && !provided.has(name))
  if (outer.length > 0) {
    const names = outer.map((name) => `\`${name}\``).join(', ')
    throw new InlineTaskError(
      `${label} uses ${names} from the scope around it, but inline tasks are sent to the worker as source text and lose their closure. Pass ${outer.length === 1 ? 'it' : 'them'} as ${outer.length === 1 ? 'an argument' : 'arguments'}, or move the function into a task module and use taskModule()`,
      outer,
    )
  }
  return source
}
