/** The seeds' `square`. */
export function square(n: number): number {
  return n * n
}

/** The seeds' other `square`, with `**`. */
export function squarePower(number: number): number {
  return number ** 2
}
