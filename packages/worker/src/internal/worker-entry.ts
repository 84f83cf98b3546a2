/**
 * Where a worker starts: the entry module each worker thread or process runs (`entry/thread.js`,
 * `entry/process.js`), a file of this package found next to this module.
 *
 * A bundler that inlines `@concurrent/worker` into a program moves this code into the bundle and
 * leaves the entry files behind. The entry is then looked up as the package export
 * `@concurrent/worker/entry/<runtime>` from the bundle's place: a bundled program runs when the
 * package is installed where it runs (the entry and this code speak the same protocol, and
 * classes are recognised across the two copies). A worker started from a missing file would
 * never report back, so the file is checked when a pool is created, and a missing one is an
 * error that says how to bundle instead.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
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
  meta: {
    readonly url?: string | undefined
    readonly resolve?: (specifier: string) => string
  } = import.meta,
): string {
  // A bundle in CommonJS format has no `import.meta.url` at all (esbuild leaves `{}`).
  const from = meta.url
  const entry = typeof from === 'string' ? new URL(`../entry/${runtime}.js`, from) : undefined
  if (entry?.protocol === 'file:' && existsSync(fileURLToPath(entry))) return bundledIfFresh(entry)
  const installed = installedEntry(runtime, meta)
  if (installed !== undefined) return installed
  const where =
    from === undefined
      ? '@concurrent/worker runs without `import.meta.url` (bundled to CommonJS?)'
      : `@concurrent/worker runs from ${from}, where its worker entry (../entry/${runtime}.js) is missing`
  throw new WorkerEntryNotFoundError(
    `Cannot start ${runtime === 'thread' ? 'worker threads' : 'worker processes'}: ${where}. ` +
      'A bundler has inlined it into the program, but workers start from a file of ' +
      '@concurrent/worker that the bundle does not contain, and the package is not installed ' +
      'where the program runs. Install @concurrent/worker there, or keep @concurrent/* external (esbuild: ' +
      `\`--packages=external\`; Vite, Rollup and webpack: ${BUNDLING_GUIDE}).`,
    entry?.href,
  )
}

/** The entry of the installed package, resolved from the bundle's place; `undefined` if none. */
function installedEntry(
  runtime: 'thread' | 'process',
  meta: { readonly url?: string | undefined; readonly resolve?: (specifier: string) => string },
): string | undefined {
  try {
    const url = meta.resolve?.(`@concurrent/worker/entry/${runtime}`)
    if (url?.startsWith('file:') === true && existsSync(fileURLToPath(url))) return url
  } catch {
    // Not installed there.
  }
  return undefined
}

/**
 * The single-file bundle of `entry` (`entry/thread.bundle.js`, made by the package's `bundle`
 * script): a worker loads one module instead of about twenty. Used only when it is at least as
 * new as every file it was made from that is still there, so that code rebuilt without
 * bundling again never runs a stale copy; otherwise, the entry itself.
 */
function bundledIfFresh(entry: URL): string {
  const bundle = new URL(entry.href.replace(/\.js$/, '.bundle.js'))
  const cached = fresh.get(bundle.href)
  if (cached !== undefined) return cached ? bundle.href : entry.href
  let ok = false
  try {
    const made = statSync(bundle).mtimeMs
    const dist = new URL('../', entry)
    const inputs = JSON.parse(
      readFileSync(new URL('bundle-inputs.json', entry), 'utf8'),
    ) as string[]
    ok = inputs.every((input) => {
      const path = fileURLToPath(new URL(input, dist))
      return !existsSync(path) || statSync(path).mtimeMs <= made
    })
  } catch {
    ok = false
  }
  fresh.set(bundle.href, ok)
  return ok ? bundle.href : entry.href
}

/** Whether each bundle was found fresh, checked once per program. */
const fresh = new Map<string, boolean>()
