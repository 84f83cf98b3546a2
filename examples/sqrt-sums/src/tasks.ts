/** `sum(math.sqrt(i) for i in range(n))`: a CPU-bound loop with nothing to share. */
export function compute(n: number): number {
  let sum = 0
  for (let i = 0; i < n; i++) sum += Math.sqrt(i)
  return sum
}
