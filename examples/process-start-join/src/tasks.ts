/** The targets of the seeds' `Process` examples. */

/** Thread worker function: prints which worker it is, and the process it runs in. */
export function worker(num: number): void {
  console.log(`Worker: ${num} (pid ${process.pid})`)
}

/** CPU-heavy work: the sum of the squares below ten million, exactly (a bigint, like Python's int). */
export function heavyTask(name: string): string {
  console.log(`[${name}] running in process ${process.pid}`)
  let total = 0n
  for (let i = 0n; i < 10_000_000n; i++) total += i * i
  console.log(`[${name}] done. sum=${total}`)
  return total.toString()
}
