/**
 * Python's classic `as_completed` example (from the `concurrent.futures` docs), ported:
 *
 * ```python
 * with ThreadPoolExecutor(max_workers=3) as executor:
 *     future_to_url = {executor.submit(load_url, url, 60): url for url in URLS}
 *     for future in as_completed(future_to_url):
 *         url = future_to_url[future]
 *         try:
 *             data = future.result()
 *         except Exception as exc:
 *             print('%r generated an exception: %s' % (url, exc))
 *         else:
 *             print('%r page is %d bytes' % (url, len(data)))
 * ```
 *
 * Each page's delay is set in server.ts so that the completion order differs from the
 * submission order but is the same on every run. Downloads are I/O-bound, so the executor is an `AsyncExecutor` (in-process, at most
 * `maxWorkers` at once), not a pool of threads. The pages come from a local server this
 * program starts on a free port and stops at the end, so it runs offline.
 */
import { AsyncExecutor, asCompleted, type Future } from '@concurrent/executors'

import { startServer } from './server.js'
import { loadUrl } from './tasks.js'

const server = await startServer()
const URLS = ['news', 'docs', 'home', 'missing', 'about', 'blog'].map(
  (name) => `${server.origin}/pages/${name}`,
)

console.log('Serving pages on 127.0.0.1 (a free port); three downloads at a time:')
try {
  await using executor = new AsyncExecutor({ maxWorkers: 3 })
  const futureToUrl = new Map<Future<Uint8Array>, string>(
    URLS.map((url) => [executor.with({ timeout: 60_000 }).submit(loadUrl, url), url]),
  )
  for await (const future of asCompleted(futureToUrl.keys())) {
    const url = futureToUrl.get(future)?.replace(server.origin, '')
    try {
      const data = await future.result()
      console.log(`'${url}' page is ${data.byteLength} bytes`)
    } catch (exc) {
      console.log(`'${url}' generated an exception: ${String(exc)}`)
    }
  }
} finally {
  await server.close()
}
