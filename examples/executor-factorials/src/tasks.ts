/**
 * `math.factorial(n)` as a `bigint`, the way CPython computes it: multiply the halves of the
 * range recursively, so that the big multiplications are between numbers of similar size.
 */
export function calculateFactorial(n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Expected \`n\` to be an integer from 0 and up, got \`${n}\``)
  }
  return product(2, n)
}

/** The product of the integers in `[low, high]` (1 when empty). */
function product(low: number, high: number): bigint {
  if (high - low < 16) {
    let result = 1n
    for (let i = low; i <= high; i++) result *= BigInt(i)
    return result
  }
  const middle = Math.floor((low + high) / 2)
  return product(low, middle) * product(middle + 1, high)
}
