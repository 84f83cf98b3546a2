// Bundles each worker entry (dist/entry/thread.js, dist/entry/process.js) with what it imports
// into one file (dist/entry/thread.bundle.js, …): a worker then loads one module instead of
// about twenty, which is most of its start-up time. The unbundled entries stay, and are used
// whenever a bundle is missing or older than the code it was made from (see
// src/internal/worker-entry.ts), so a stale bundle can never run old code.
//
// Usage: node scripts/bundle-entries.mjs   (after tsc -b; the root `build` script runs both)
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import * as esbuild from 'esbuild'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))

const { metafile } = await esbuild.build({
  absWorkingDir: dist,
  entryPoints: {
    'entry/thread.bundle': 'entry/thread.js',
    'entry/process.bundle': 'entry/process.js',
  },
  outdir: dist,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Readable in a stack trace; whitespace only is what makes loading slow.
  minifyWhitespace: true,
  sourcemap: 'linked',
  logLevel: 'error',
  metafile: true,
})
// What each bundle was made from, relative to dist/, for the freshness check at run time.
const inputs = Object.keys(metafile.inputs)
writeFileSync(
  new URL('../dist/entry/bundle-inputs.json', import.meta.url),
  `${JSON.stringify(inputs)}\n`,
)
