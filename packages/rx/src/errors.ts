/**
 * Raised by {@link executeMap} with `overflow: 'error'` when its source pushes a value while
 * `buffersize` values are already waiting for a free slot: the source produces faster than
 * the executor can run the tasks, and RxJS has no way to ask it to slow down. Bound the source
 * (`throttleTime`, `sampleTime`), drop values with `overflow: 'drop-oldest'` or `'drop-newest'`,
 * or raise `buffersize`.
 *
 * @example
 * ```ts
 * import { BufferOverflowError, executeMap } from '@concurrent/rx'
 *
 * frames$.pipe(executeMap(pool, tasks.detect, { buffersize: 100 })).subscribe({
 *   error: (error) => {
 *     if (error instanceof BufferOverflowError) console.error(`fell ${error.buffersize} frames behind`)
 *   },
 * })
 * ```
 * @category Errors
 */
export class BufferOverflowError extends Error {
  override readonly name = 'BufferOverflowError'
  /** The `buffersize` that was exceeded. */
  readonly buffersize: number

  /**
   * @param buffersize - the limit that was exceeded.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(buffersize: number, options?: ErrorOptions) {
    super(
      `executeMap's buffer is full (buffersize ${buffersize}): the source emits faster than the executor runs tasks; raise \`buffersize\`, or choose overflow 'drop-oldest' or 'drop-newest'`,
      options,
    )
    this.buffersize = buffersize
  }
}
