/**
 * Where workers start from. A bundle that inlines the package finds the entry of the package
 * installed where it runs; without one, creating a pool must fail at once with an error that
 * says how to bundle, never leave a program waiting. CI bundles a real program both ways (internal/pack-check/bundle.mjs); these tests pin
 * the lookup and the message.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { describe, expect, it } from 'vitest'

// The function is internal, so it comes from the source, and its error class with it.
import { WorkerEntryNotFoundError } from '../src/errors.js'
import { resolveWorkerEntry } from '../src/internal/worker-entry.js'

/** `import.meta` as the built module sees it: dist/internal/worker-entry.js. */
const installed = {
  url: new URL('internal/worker-entry.js', import.meta.resolve('@concurrent/worker')).href,
}
/** `import.meta` of a program bundled to out/main.js with @concurrent/worker inside it. */
const bundled = { url: pathToFileURL('/srv/app/out/main.js').href }

describe('resolveWorkerEntry', () => {
  it.each(['thread', 'process'] as const)(
    'finds the %s entry of the installed package',
    (runtime) => {
      const entry = resolveWorkerEntry(runtime, installed)
      expect(entry).toMatch(new RegExp(`/dist/entry/${runtime}(\\.bundle)?\\.js$`))
      expect(existsSync(fileURLToPath(entry))).toBe(true)
    },
  )

  it('throws WorkerEntryNotFoundError saying how to bundle when the code runs from a bundle', () => {
    let error: unknown
    try {
      resolveWorkerEntry('thread', bundled)
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(WorkerEntryNotFoundError)
    const { message, entryUrl } = error as WorkerEntryNotFoundError
    expect(message).toContain('Cannot start worker threads')
    expect(message).toContain('file:///srv/app/out/main.js')
    expect(message).toContain('--packages=external')
    expect(message).toContain('Install @concurrent/worker there')
    expect(entryUrl).toBe('file:///srv/app/entry/thread.js')
  })

  it.each(['thread', 'process'] as const)(
    'finds the %s entry of the package installed where a bundle runs',
    (runtime) => {
      const resolve = (specifier: string): string => import.meta.resolve(specifier)
      const entry = resolveWorkerEntry(runtime, { ...bundled, resolve })
      expect(entry).toMatch(new RegExp(`/dist/entry/${runtime}\\.js$`))
      expect(existsSync(fileURLToPath(entry))).toBe(true)
    },
  )

  it.each([
    { when: 'it is as new as what it was made from', run: 1_000, expected: /thread\.bundle\.js$/ },
    { when: 'code was rebuilt after it (stale)', run: 3_000, expected: /entry\/thread\.js$/ },
  ])('uses the single-file bundle of the entry only when $when', ({ run, expected }) => {
    const dist = mkdtempSync(join(tmpdir(), 'worker-entry-'))
    try {
      mkdirSync(join(dist, 'entry'))
      mkdirSync(join(dist, 'internal'))
      const file = (path: string, mtime: number): void => {
        writeFileSync(join(dist, path), '')
        utimesSync(join(dist, path), mtime, mtime)
      }
      file('entry/thread.js', 1_000)
      file('internal/run.js', run)
      file('entry/thread.bundle.js', 2_000)
      // An input that is gone (another package, laid out otherwise once installed) is ignored.
      writeFileSync(
        join(dist, 'entry/bundle-inputs.json'),
        '["entry/thread.js","internal/run.js","../gone.js"]',
      )
      const meta = { url: pathToFileURL(join(dist, 'internal/worker-entry.js')).href }
      expect(resolveWorkerEntry('thread', meta)).toMatch(expected)
    } finally {
      rmSync(dist, { recursive: true, force: true })
    }
  })

  it('names worker processes for the process runtime', () => {
    expect(() => resolveWorkerEntry('process', bundled)).toThrow(/Cannot start worker processes/)
  })

  it('throws when there is no import.meta.url, as in a bundle built to CommonJS', () => {
    expect(() => resolveWorkerEntry('thread', {})).toThrow(
      expect.objectContaining({
        name: 'WorkerEntryNotFoundError',
        entryUrl: undefined,
        message: expect.stringContaining('without `import.meta.url`') as string,
      }),
    )
  })
})
