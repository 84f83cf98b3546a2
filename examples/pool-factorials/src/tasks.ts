/** The seeds' `calculate_factorial`: `math.factorial(n)`, exactly, as a bigint. */
export function calculateFactorial(n: number): bigint {
  let result = 1n
  for (let i = 2n; i <= BigInt(n); i++) result *= i
  return result
}
