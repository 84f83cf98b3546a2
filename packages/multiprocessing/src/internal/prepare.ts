/**
 * Getting a task and its arguments ready for a worker: each argument is marshalled for the
 * pool's kind (see `marshal.ts`), and when one of them holds a queue, a pipe, a lock or shared
 * memory, the call is routed through the trampoline task, which revives them in the worker —
 * at the places marshalling recorded, passed beside the arguments, and nowhere else. Plain
 * arguments go straight to the user's task, at no cost, and are never looked at for
 * descriptors. What marshalling opened (pipe handles) is released by the caller once the task
 * is over.
 */
import type { Task } from '@concurrent/future'
import { taskModule, type TaskModule } from '@concurrent/worker'
import { taskSpecOf, type TaskSpec } from '@concurrent/worker/internal'

import { marshal, type Destination, type HandlePath } from './marshal.js'

let trampolineModule: TaskModule<typeof import('./trampoline.js')> | undefined
/**
 * The trampoline's task module, made on first use rather than at import: in a program bundled
 * with this package inline, trampoline.js is not next to this code, and creating a pool then
 * fails first, with the error that says how to bundle instead.
 */
function trampoline(): TaskModule<typeof import('./trampoline.js')> {
  return (trampolineModule ??= taskModule<typeof import('./trampoline.js')>(
    new URL('./trampoline.js', import.meta.url),
  ))
}

/** A task to submit with its arguments, and what to run once it is over. */
export interface PreparedCall {
  readonly task: Task<readonly unknown[], unknown>
  readonly args: readonly unknown[]
  readonly release: () => void
}

/** A task to map over argument lists, and what to run once the map is over. */
export interface PreparedItems {
  readonly task: Task<readonly unknown[], unknown>
  /** Argument lists (spread into the task). */
  readonly items: ReadonlyArray<readonly unknown[]>
  readonly release: () => void
}

/**
 * Prepares `task(...args)` for a worker of `kind`. With `always`, the call goes through the
 * trampoline even with plain arguments (a `Process` target, which reports its pid).
 *
 * @throws `InlineTaskError`/TypeError for a bad task, `DataCloneError` for an argument that
 * cannot go to `kind`.
 */
export function prepareCall(
  task: unknown,
  args: readonly unknown[],
  kind: Destination,
  options: { readonly always?: boolean; readonly reportPid?: boolean } = {},
): PreparedCall {
  const spec = taskSpecOf(task)
  const releases: Array<() => void> = []
  const release = (): void => {
    for (const fn of releases.splice(0)) fn()
  }
  let marshalled: MarshalledArgs
  try {
    marshalled = marshalArgs(args, kind, releases, (i) => `argument ${i + 1} of \`${spec.name}\``)
  } catch (error) {
    release()
    throw error
  }
  if (options.always !== true && marshalled.handles.length === 0) {
    return { task: task as Task<readonly unknown[], unknown>, args, release }
  }
  return {
    task: trampoline().call as Task<readonly unknown[], unknown>,
    args: [spec, marshalled.args, marshalled.handles, options.reportPid ?? false],
    release,
  }
}

/**
 * Prepares a map of `task` over argument lists for workers of `kind`.
 *
 * @throws as {@link prepareCall}.
 */
export function prepareItems(
  task: unknown,
  items: ReadonlyArray<readonly unknown[]>,
  kind: Destination,
): PreparedItems {
  const spec = taskSpecOf(task)
  const releases: Array<() => void> = []
  const release = (): void => {
    for (const fn of releases.splice(0)) fn()
  }
  let marshalled: MarshalledArgs[]
  try {
    marshalled = items.map((args, item) =>
      marshalArgs(
        args,
        kind,
        releases,
        (i) => `argument ${i + 1} of \`${spec.name}\` for item ${item} of the input`,
      ),
    )
  } catch (error) {
    release()
    throw error
  }
  if (marshalled.every((next) => next.handles.length === 0)) {
    return { task: task as Task<readonly unknown[], unknown>, items, release }
  }
  return {
    task: trampoline().call as Task<readonly unknown[], unknown>,
    items: marshalled.map((next) => [spec, next.args, next.handles, false]),
    release,
  }
}

/**
 * A lazy map's input as argument lists for the trampoline (whether an item holds shareable
 * objects is not known ahead), with the releases of what marshalling opened collected in
 * `releases`.
 */
export function prepareLazy<T>(
  task: unknown,
  iterable: Iterable<T> | AsyncIterable<T>,
  toArgs: (item: T) => readonly unknown[],
  kind: Destination,
  releases: Array<() => void>,
): {
  task: Task<readonly unknown[], unknown>
  items: Iterable<unknown[]> | AsyncIterable<unknown[]>
} {
  const spec: TaskSpec = taskSpecOf(task)
  let index = 0
  const prepare = (item: T): unknown[] => {
    const at = index++
    const next = marshalArgs(
      toArgs(item),
      kind,
      releases,
      (i) => `argument ${i + 1} of \`${spec.name}\` for item ${at} of the input`,
    )
    return [spec, next.args, next.handles, false]
  }
  const items =
    Symbol.asyncIterator in iterable
      ? (async function* () {
          for await (const item of iterable) yield prepare(item)
        })()
      : (function* () {
          for (const item of iterable) yield prepare(item)
        })()
  return { task: trampoline().call as Task<readonly unknown[], unknown>, items }
}

/** Arguments ready to travel, and the places of the descriptors in them (from the list). */
interface MarshalledArgs {
  readonly args: unknown[]
  readonly handles: HandlePath[]
}

function marshalArgs(
  args: readonly unknown[],
  kind: Destination,
  releases: Array<() => void>,
  where: (index: number) => string,
): MarshalledArgs {
  const handles: HandlePath[] = []
  const marshalled = args.map((arg, index) => {
    if (typeof arg !== 'object' || arg === null) return arg
    const next = marshal(arg, { destination: kind, releases, where: () => where(index) })
    for (const path of next.handles) handles.push([index, ...path])
    return next.value
  })
  return { args: marshalled, handles }
}
