/** Validation helpers with p-queue's message shape, shared by every option check. */

/**
 * Describes a value the way an error message should show it: `` `0` (number) ``.
 *
 * @internal
 */
export function describe(value: unknown): string {
  let shown: string
  try {
    shown = typeof value === 'string' ? `'${value}'` : String(value)
  } catch {
    shown = Object.prototype.toString.call(value)
  }
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`
}

/**
 * Throws unless `value` is `undefined` or a number of milliseconds from 0 up (`Infinity` allowed):
 * a TypeError for a value that is not a number, a RangeError for a number out of range.
 *
 * @internal
 */
export function checkTimeout(
  value: unknown,
  name = 'timeout',
): asserts value is number | undefined {
  if (value === undefined) return
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    const ErrorClass = typeof value === 'number' ? RangeError : TypeError
    throw new ErrorClass(
      `Expected \`${name}\` to be a number of milliseconds from 0 and up, got ${describe(value)}`,
    )
  }
}

/**
 * Throws unless `value` is `undefined` or an integer from `min` up (`Infinity` when `infinite`):
 * a TypeError for a value that is not a number, a RangeError for any other number.
 *
 * @internal
 */
export function checkInteger(
  value: unknown,
  name: string,
  min: number,
  { infinite = false }: { infinite?: boolean } = {},
): asserts value is number | undefined {
  if (value === undefined) return
  const ok =
    typeof value === 'number' && (Number.isInteger(value) || (infinite && value === Infinity))
  if (!ok || value < min) {
    const ErrorClass = typeof value === 'number' ? RangeError : TypeError
    throw new ErrorClass(
      `Expected \`${name}\` to be an integer from ${min} and up${infinite ? ' (or Infinity)' : ''}, got ${describe(value)}`,
    )
  }
}

/**
 * Throws unless `value` is `undefined` or an `AbortSignal`.
 *
 * @internal
 */
export function checkSignal(
  value: unknown,
  name = 'signal',
): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new TypeError(`Expected \`${name}\` to be an AbortSignal, got ${describe(value)}`)
  }
}
