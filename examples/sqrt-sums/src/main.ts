/**
 * The seeds' "ProcessPoolExecutor — the modern way", ported:
 *
 * ```python
 * with ProcessPoolExecutor() as ex:          # auto-detects CPU count
 *     results = list(ex.map(compute, inputs))
 * print(f"Done. First result: {results[0]:.2f}")
 * ```
 *
 * No `if __name__ == "__main__":` guard: workers import `tasks.ts`, never this file.
 */
import { ProcessPoolExecutor, taskModule } from '@concurrent/executors'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const inputs = Array<number>(8).fill(1_000_000) // 8 heavy calculations

const results: number[] = []
{
  await using ex = new ProcessPoolExecutor() // maxWorkers: os.availableParallelism()
  for await (const result of ex.map(tasks.compute, inputs)) results.push(result)
} // leaving the block shuts the pool down, as Python's `with` does

console.log(`Done. First result: ${results[0]?.toFixed(2)}`)
console.log(`All eight agree: ${results.every((result) => result === results[0])}`)
