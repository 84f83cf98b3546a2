/**
 * Closing connections without hanging: a client that lost Redis would wait forever for its
 * `QUIT` to be sent (commands wait for the connection to come back), so closes are bounded,
 * and a client that is not connected is simply disconnected.
 */
import type { Redis } from 'ioredis'

/** Milliseconds a close may take before its connection is dropped instead. */
export const CLOSE_BOUND = 5_000

/** Whether `work` settled within `ms` (its outcome is otherwise ignored). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      bound,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Quits `client` if it is connected (at most {@link CLOSE_BOUND} ms), else disconnects it. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready' && (await settlesWithin(client.quit(), CLOSE_BOUND))) return
  client.disconnect()
}
