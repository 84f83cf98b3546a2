/**
 * Where a worker starts: the entry module tinypool loads in each worker thread or process
 * (`entry/thread.js`, `entry/process.js`), a file of this package found next to this module.
 *
 * It is not a search. A bundler that inlines `@concurrent/worker` into a program moves this code
 * into the bundle and leaves the entry files behind, and tinypool's own worker files with them
 * (tinypool locates those next to its code, which is then the bundle too). A worker started from
 * a missing file never reports back, so such a program would hang with its futures pending.
 * Looking for the entry of this package elsewhere would not help, since tinypool's files would
 * still be missing. The file is therefore checked when a pool is created, and a missing one is
 * an error that says how to bundle instead.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { WorkerEntryNotFoundError } from '../errors.js'

/** Where to read how to bundle a program that uses the pools. */
const BUNDLING_GUIDE =
  'https://github.com/concurrent-js/concurrent/blob/main/docs/tasks-written-in-typescript.md#bundlers'

/**
 * The URL of the entry module for `runtime`'s workers.
 *
 * @param runtime - worker threads, or child processes.
 * @param meta - the `import.meta` of the module asking (a parameter for tests).
 * @returns the `file:` URL of the entry, which exists.
 * @throws {@link WorkerEntryNotFoundError} when this code does not run from the installed
 *   package: it was bundled, so the worker files it needs are not where it looks.
 * @internal
 */
export function resolveWorkerEntry(
  runtime: 'thread' | 'process',
  meta: { readonly url?: string | undefined } = import.meta,
): string {
  // A bundle in CommonJS format has no `import.meta.url` at all (esbuild leaves `{}`).
  const from = meta.url
  const entry = typeof from === 'string' ? new URL(`../entry/${runtime}.js`, from) : undefined
  if (entry?.protocol === 'file:' && existsSync(fileURLToPath(entry))) return entry.href
  const where =
    from === undefined
      ? '@concurrent/worker runs without `import.meta.url` (bundled to CommonJS?)'
      : `@concurrent/worker runs from ${from}, where its worker entry (../entry/${runtime}.js) is missing`
  throw new WorkerEntryNotFoundError(
    `Cannot start ${runtime === 'thread' ? 'worker threads' : 'worker processes'}: ${where}. ` +
      'A bundler has inlined it into the program, but workers start from files of ' +
      '@concurrent/worker and tinypool that a bundle does not contain. Keep @concurrent/* and ' +
      'tinypool external and install them where the program runs (esbuild: ' +
      `\`--packages=external\`; Vite, Rollup and webpack: ${BUNDLING_GUIDE}).`,
    entry?.href,
  )
}
