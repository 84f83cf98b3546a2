/**
 * Marking values to be moved to (or from) a worker thread instead of copied. A mark is kept in
 * a WeakSet beside the value, so `transfer(buffer)` returns the buffer itself and types stay
 * honest; the pool looks for marked values among a task's arguments (and the worker among a
 * task's result) and hands them to `postMessage` as its transfer list.
 */
// Shared by every copy of this module in the thread (see task-context.ts for why copies exist).
const state = ((globalThis as Record<symbol, unknown>)[Symbol.for('concurrent.transfer')] ??= {
  marked: new WeakSet<object>(),
  everMarked: false,
}) as { marked: WeakSet<object>; everMarked: boolean }
const { marked } = state

/**
 * Marks `value` to be moved to the worker (as a task argument) or back to the caller (as a
 * task's result) instead of copied: an `ArrayBuffer`, a typed array or `DataView` (its buffer is
 * moved), a `MessagePort`, or an object or array holding such values (one level deep). After
 * the move the sender's buffer is detached (length 0).
 *
 * For process pools there is no shared memory to move into: the value is copied, and the
 * sender's buffer stays intact.
 *
 * @returns `value` itself, marked.
 * @example
 * ```ts
 * import { transfer } from '@concurrent/worker'
 *
 * const pixels = new Uint8Array(1920 * 1080 * 4)
 * const resized = await pool.submit(tasks.resize, transfer(pixels), 640) // no copy
 *
 * // tasks.ts: move the result back too
 * export function resize(pixels: Uint8Array, width: number) {
 *   const out = scale(pixels, width)
 *   return transfer(out)
 * }
 * ```
 * @category Executors
 */
export function transfer<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    marked.add(value)
    state.everMarked = true
  }
  return value
}

/**
 * The transfer list for the marked values among `values` (and one level inside them): Node's
 * `Transferable`s, typed as `object` so that the shipped declarations need no `@types/node`.
 *
 * @internal
 */
export function transferListOf(values: readonly unknown[]): object[] {
  if (!state.everMarked) return []
  const list: object[] = []
  for (const value of values) {
    if (typeof value !== 'object' || value === null) continue
    if (marked.has(value)) {
      collect(value, list)
    } else if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        if (typeof item === 'object' && item !== null && marked.has(item)) collect(item, list)
      }
    }
  }
  return list
}

function collect(value: object, list: object[]): void {
  if (value instanceof ArrayBuffer || isMessagePort(value)) {
    add(list, value)
  } else if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) add(list, value.buffer)
  } else {
    for (const inner of Array.isArray(value) ? value : Object.values(value)) {
      if (inner instanceof ArrayBuffer || isMessagePort(inner)) add(list, inner as object)
      else if (ArrayBuffer.isView(inner) && inner.buffer instanceof ArrayBuffer)
        add(list, inner.buffer)
    }
  }
}

function add(list: object[], item: object): void {
  if (!list.includes(item)) list.push(item)
}

function isMessagePort(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    value.constructor?.name === 'MessagePort' &&
    typeof (value as { postMessage?: unknown }).postMessage === 'function'
  )
}
