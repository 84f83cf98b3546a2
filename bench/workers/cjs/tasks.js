// The bench's task functions, as plain JavaScript so that no contender pays for a TypeScript
// loader when a worker starts. Every pool runs exactly this code: through `tasks.mjs` (the ESM
// face the pools load) or, for poolifier's cluster workers, which must register their task
// functions synchronously, directly from here. Each task takes one argument: the peers' `run`
// and `execute` pass one value.
'use strict'

/** The tiny task: all overhead. */
function addOne(x) {
  return x + 1
}

/** The seed's `is_prime`: trial division up to the square root. */
function isPrime(n) {
  if (n < 2) return false
  const limit = Math.floor(Math.sqrt(n))
  for (let i = 2; i <= limit; i++) {
    if (n % i === 0) return false
  }
  return true
}

/** A hand-made chunk for the pools that have no chunked map: `isPrime` over `[start, end)`. */
function isPrimeRange([start, end]) {
  const results = new Array(end - start)
  for (let n = start; n < end; n++) results[n - start] = isPrime(n)
  return results
}

/** `isPrime` over a list of numbers: what a plain worker thread gets, a slice of the input. */
function isPrimeList(numbers) {
  const results = new Array(numbers.length)
  for (let i = 0; i < numbers.length; i++) results[i] = isPrime(numbers[i])
  return results
}

/** A hand-made chunk of `addOne` over `[start, end)`. */
function addOneRange([start, end]) {
  const results = new Array(end - start)
  for (let n = start; n < end; n++) results[n - start] = n + 1
  return results
}

/** The seed's `compute(n)`: the sum of `sqrt(i)` for `i < n`. */
function sqrtSum(n) {
  let total = 0
  for (let i = 0; i < n; i++) total += Math.sqrt(i)
  return total
}

/** `n!` as a BigInt, by splitting the product in halves (as CPython's `math.factorial` does). */
function factorial(n) {
  return n < 2 ? 1n : product(2, n)
}

function product(low, high) {
  if (high - low < 16) {
    let result = BigInt(low)
    for (let i = low + 1; i <= high; i++) result *= BigInt(i)
    return result
  }
  const middle = (low + high) >>> 1
  return product(low, middle) * product(middle + 1, high)
}

/** The seed's `square(n)`. */
function square(n) {
  return n * n
}

/** Busy for `ms` milliseconds without ever yielding or looking at a token. */
function spin(ms) {
  const end = performance.now() + ms
  let x = 0
  while (performance.now() < end) x++
  return x
}

module.exports = {
  addOne,
  isPrime,
  isPrimeRange,
  isPrimeList,
  addOneRange,
  sqrtSum,
  factorial,
  square,
  spin,
}
