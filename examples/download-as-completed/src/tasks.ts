/**
 * The download task. It runs on an `AsyncExecutor`, in the main thread: waiting on the network
 * needs no worker, only a limit on how many requests are in flight.
 */
import { currentSignal } from '@concurrent/executors'

/** A response that was not a 2xx, with its status for the caller to read. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`GET ${new URL(url).pathname} answered ${status}`)
  }
}

/**
 * Python's `load_url(url, timeout)`: the body of `url` as bytes. Passing the task's signal to
 * `fetch` means that cancelling the future (or a per-task timeout) aborts the request.
 */
export async function loadUrl(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: currentSignal() })
  if (!response.ok) throw new HttpError(url, response.status)
  return new Uint8Array(await response.arrayBuffer())
}
