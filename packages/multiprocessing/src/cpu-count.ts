/**
 * `cpuCount()`: Python's `multiprocessing.cpu_count()`.
 */
import { availableParallelism } from 'node:os'

/**
 * How many tasks this machine can run in parallel — Python's `multiprocessing.cpu_count()`
 * (Node's `os.availableParallelism()`, which also respects CPU affinity, like Python 3.13's
 * `process_cpu_count()`). It is the default number of workers of a {@link Pool}.
 *
 * @returns the number of logical CPUs available, at least 1.
 * @example
 * ```ts
 * import { cpuCount, Pool } from '@concurrent/multiprocessing'
 *
 * await using pool = new Pool(cpuCount())
 * ```
 * @category Processes
 */
export function cpuCount(): number {
  return availableParallelism()
}
