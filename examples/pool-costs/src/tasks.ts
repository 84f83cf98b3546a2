/** Tasks that do (almost) nothing, so that what is timed is the pool, not the work. */

/** A tiny task: one cheap test. */
export function isOdd(n: number): boolean {
  return n % 2 === 1
}

/** Receives a buffer and says how big it was: the cost is in getting it there. */
export function byteLength(bytes: Uint8Array): number {
  return bytes.byteLength
}
