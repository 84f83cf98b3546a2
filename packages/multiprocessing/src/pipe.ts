/**
 * `Pipe()`: Python's `multiprocessing.Pipe`, a pair of connected {@link Connection}s.
 */
import { describe } from '@concurrent/future/internal'

import { createPipe, type Connection } from './connection.js'

/**
 * Options of {@link Pipe}.
 *
 * @example
 * ```ts
 * import { Pipe } from '@concurrent/multiprocessing'
 *
 * const [receiver, sender] = Pipe<string>({ duplex: false }) // receiver reads, sender writes
 * ```
 * @category Communication
 */
export interface PipeOptions {
  /**
   * Both connections send and receive. With `false`, the first connection only receives and
   * the second only sends, as in Python's `Pipe(duplex=False)`.
   *
   * @defaultValue `true`
   */
  readonly duplex?: boolean | undefined
}

/**
 * Creates a pipe and returns its two ends: what one sends, the other receives, in order —
 * Python's `multiprocessing.Pipe()`. Keep one end and pass the other to a task (of any
 * executor, or through {@link Pool} or {@link Process}), in a worker thread or a child process
 * alike; or pass both
 * ends to two tasks. The pipe lives in the calling thread.
 *
 * @typeParam T - the type of the values sent through the pipe.
 * @returns `[first, second]`; with `duplex: false`, `first` receives and `second` sends.
 * @throws TypeError when `duplex` is not a boolean.
 * @example
 * ```ts
 * import { Pipe, Process, taskModule } from '@concurrent/multiprocessing'
 *
 * // tasks.ts: export async function pong(connection: Connection<string>) {
 * //   for (let message = await connection.recv(); message !== 'bye'; message = await connection.recv()) {
 * //     await connection.send(message.replace('ping', 'pong'))
 * //   }
 * // }
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))
 *
 * const [parent, child] = Pipe<string>()
 * const process = new Process({ target: tasks.pong, args: [child] })
 * void process.start()
 * await parent.send('ping 1')
 * console.log(await parent.recv()) // 'pong 1'
 * await parent.send('bye')
 * await process.join()
 * ```
 * @category Communication
 */
export function Pipe<T = unknown>(options: PipeOptions = {}): [Connection<T>, Connection<T>] {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected Pipe options to be an object, got ${describe(options)}`)
  }
  const { duplex = true } = options
  if (typeof duplex !== 'boolean') {
    throw new TypeError(`Expected \`duplex\` to be a boolean, got ${describe(duplex)}`)
  }
  return createPipe<T>(duplex)
}
