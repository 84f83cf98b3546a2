/**
 * Python's `array` typecodes, for shared memory: which typed array stores each, and whether its
 * values are numbers or bigints. `'l'` and `'L'` are 64 bits wide, as a C `long` is on 64-bit
 * Linux and macOS (Python's `array('l').itemsize` there is 8).
 */

/**
 * The typecodes {@link Value}, {@link RawValue} and {@link RawArray} take — Python's `array`
 * module codes: `'b'`/`'B'` signed/unsigned 8-bit, `'h'`/`'H'` 16-bit, `'i'`/`'I'` 32-bit,
 * `'l'`/`'L'` and `'q'`/`'Q'` 64-bit (values are `bigint`), `'f'` 32-bit and `'d'` 64-bit
 * floating point.
 *
 * @example
 * ```ts
 * import { RawArray, type Typecode } from '@concurrent/multiprocessing'
 *
 * const code: Typecode = 'd'
 * const samples = RawArray(code, 1_024) // a Float64Array over shared memory
 * ```
 * @category Shared memory
 */
export type Typecode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'f' | 'd'

/**
 * The typed array that stores values of typecode `C`.
 *
 * @example
 * ```ts
 * import type { TypedArrayFor } from '@concurrent/multiprocessing'
 *
 * const bytes: TypedArrayFor<'B'> = new Uint8Array(new SharedArrayBuffer(16))
 * ```
 * @category Shared memory
 */
export type TypedArrayFor<C extends Typecode> = {
  b: Int8Array
  B: Uint8Array
  h: Int16Array
  H: Uint16Array
  i: Int32Array
  I: Uint32Array
  l: BigInt64Array
  L: BigUint64Array
  q: BigInt64Array
  Q: BigUint64Array
  f: Float32Array
  d: Float64Array
}[C]

/**
 * The JavaScript type of a value of typecode `C`: `bigint` for the 64-bit integer codes,
 * `number` for the others.
 *
 * @example
 * ```ts
 * import type { ValueFor } from '@concurrent/multiprocessing'
 *
 * const small: ValueFor<'i'> = 42 // number
 * const large: ValueFor<'q'> = 42n // bigint
 * ```
 * @category Shared memory
 */
export type ValueFor<C extends Typecode> = C extends 'l' | 'L' | 'q' | 'Q' ? bigint : number

type TypedArrayConstructor = new (
  buffer: SharedArrayBuffer,
  byteOffset?: number,
  length?: number,
) => TypedArrayFor<Typecode>

const constructors: Readonly<
  Record<Typecode, TypedArrayConstructor & { BYTES_PER_ELEMENT: number }>
> = {
  b: Int8Array,
  B: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  l: BigInt64Array,
  L: BigUint64Array,
  q: BigInt64Array,
  Q: BigUint64Array,
  f: Float32Array,
  d: Float64Array,
}

/** The constructor for typecode `code`. @throws TypeError naming the codes for an unknown one. */
export function arrayTypeOf(code: unknown): TypedArrayConstructor & { BYTES_PER_ELEMENT: number } {
  if (typeof code !== 'string' || !Object.hasOwn(constructors, code)) {
    throw new TypeError(
      `Expected a typecode (${Object.keys(constructors)
        .map((c) => `'${c}'`)
        .join(
          ', ',
        )}), got \`${String(code)}\` (${typeof code}); ctypes types such as c_int are not supported, use their typecode ('i')`,
    )
  }
  return constructors[code as Typecode]
}

/** Whether values of typecode `code` are bigints. */
export function isBigCode(code: Typecode): boolean {
  return code === 'l' || code === 'L' || code === 'q' || code === 'Q'
}
