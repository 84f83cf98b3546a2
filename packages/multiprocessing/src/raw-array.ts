/**
 * `RawArray`: Python's `multiprocessing.RawArray`, an array in shared memory. It is simply a
 * typed array over a `SharedArrayBuffer`: indexing, `length`, iteration and every typed array
 * method work as usual, and it reaches worker threads as the same memory (structured clone
 * shares a `SharedArrayBuffer` rather than copying it).
 */
import { describe } from '@concurrent/future/internal'

import {
  arrayTypeOf,
  isBigCode,
  type Typecode,
  type TypedArrayFor,
  type ValueFor,
} from './typecodes.js'

/**
 * Creates an array of typecode `typecode` in shared memory — Python's
 * `multiprocessing.RawArray(typecode, size_or_initializer)`: zero-filled with `size` elements,
 * or a copy of `initializer`.
 *
 * The result is a typed array (`Int32Array` for `'i'`, `Float64Array` for `'d'`…) over a
 * `SharedArrayBuffer`. Pass it to tasks on worker threads (a `ThreadPoolExecutor`, or a
 * {@link Pool} or {@link Process} with `kind: 'thread'`) and they all see the same elements; it
 * has no lock (hence "raw"): guard read-modify-write sequences with a {@link Lock}. A child
 * process shares no memory, so handing it to a task in a process throws `DataCloneError` at
 * the call site.
 *
 * @param typecode - the element type, a Python `array` typecode.
 * @param sizeOrInitializer - the number of elements, or the elements themselves.
 * @returns a typed array over new shared memory.
 * @throws TypeError for an unknown typecode, or initial values of the wrong type.
 * @throws RangeError for a negative or fractional size.
 * @example
 * ```ts
 * import { RawArray } from '@concurrent/multiprocessing'
 *
 * const squares = RawArray('d', 10) // Float64Array(10) on shared memory
 * await pool.starmap(tasks.fillSquare, Array.from({ length: 10 }, (_, i) => [squares, i]))
 * console.log([...squares]) // [0, 1, 4, 9, …]
 * const counts = RawArray('q', [1n, 2n, 3n]) // BigInt64Array
 * ```
 * @category Shared memory
 */
export function RawArray<C extends Typecode>(
  typecode: C,
  sizeOrInitializer: number | Iterable<ValueFor<C>>,
): TypedArrayFor<C> {
  const ArrayType = arrayTypeOf(typecode)
  if (typeof sizeOrInitializer === 'number') {
    if (!Number.isInteger(sizeOrInitializer) || sizeOrInitializer < 0) {
      throw new RangeError(
        `Expected \`size\` to be an integer from 0 and up, got ${describe(sizeOrInitializer)}`,
      )
    }
    const buffer = new SharedArrayBuffer(sizeOrInitializer * ArrayType.BYTES_PER_ELEMENT)
    return new ArrayType(buffer) as TypedArrayFor<C>
  }
  if (
    sizeOrInitializer === null ||
    typeof sizeOrInitializer !== 'object' ||
    !(Symbol.iterator in sizeOrInitializer)
  ) {
    throw new TypeError(
      `Expected a size or an iterable of initial values, got ${describe(sizeOrInitializer)}`,
    )
  }
  const values = [...sizeOrInitializer]
  const big = isBigCode(typecode)
  values.forEach((value, index) => {
    if (typeof value !== (big ? 'bigint' : 'number')) {
      throw new TypeError(
        `Expected element ${index} of a '${typecode}' array to be a ${big ? 'bigint' : 'number'}, got ${describe(value)}`,
      )
    }
  })
  const buffer = new SharedArrayBuffer(values.length * ArrayType.BYTES_PER_ELEMENT)
  const array = new ArrayType(buffer) as TypedArrayFor<C>
  ;(array as unknown as { set(values: ArrayLike<unknown>): void }).set(values)
  return array
}
