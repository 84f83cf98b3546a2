/** Memory limits of a worker thread. */
/**
 * `resourceLimits` of a worker thread (see `node:worker_threads`).
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from '@concurrent/executors'
 *
 * const pool = new ThreadPoolExecutor({ resourceLimits: { maxOldGenerationSizeMb: 256 } })
 * ```
 * @category Executors
 */
export interface ResourceLimits {
  /** The main heap's maximum size, in MB. */
  readonly maxOldGenerationSizeMb?: number
  /** The young generation's maximum size, in MB. */
  readonly maxYoungGenerationSizeMb?: number
  /** The size of the range reserved for generated code, in MB. */
  readonly codeRangeSizeMb?: number
  /** The thread's stack size, in MB. */
  readonly stackSizeMb?: number
}
