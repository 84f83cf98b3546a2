// Every public package's `prepack`: what `pnpm pack` and `pnpm publish` run first. It refuses
// npm (its pack keeps `workspace:^` versions, so the tarball would not install), builds the
// package (`tsc -b`, which builds the packages it references too when they need it), then
// removes from dist/ whatever no source file emits any more, so a tarball never misses `dist`
// nor ships a module whose source was renamed or deleted.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'

import { root } from './lib.mjs'

const agent = process.env.npm_config_user_agent ?? ''
if (!agent.startsWith('pnpm/')) {
  console.error(
    `Pack and publish this package with pnpm (\`npx --yes pnpm@10 pack\`), not ${agent.split(' ')[0] || 'this tool'}: ` +
      'pnpm replaces its `workspace:` and `catalog:` versions with real ones, which npm leaves in.',
  )
  process.exit(1)
}

const dir = process.cwd()
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const { status } = spawnSync(process.execPath, [tsc, '-b', dir], { stdio: 'inherit' })
if (status !== 0) process.exit(status ?? 1)

// dist/a/b.js, .js.map, .d.ts and .d.ts.map come from src/a/b.ts.
const dist = join(dir, 'dist')
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue
  const path = join(entry.parentPath, entry.name)
  // Made from dist by the package's own `bundle` script (the worker entries), run below.
  if (/\.bundle\.js(\.map)?$|^bundle-inputs\.json$/.test(entry.name)) continue
  const stem = relative(dist, path).replace(/(\.d)?\.[cm]?js(\.map)?$|\.d\.[cm]?ts(\.map)?$/, '')
  const sources = ['.ts', '.mts', '.cts', '.tsx'].map((ext) => join(dir, 'src', stem + ext))
  if (!sources.some((source) => existsSync(source))) {
    console.log(`prepack: removing ${relative(dir, path)}, whose source is gone`)
    rmSync(path)
  }
}

// A package that bundles part of its dist (the worker's entries) does so now, from the fresh build.
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
if (manifest.scripts?.bundle !== undefined) {
  const bundle = spawnSync(process.execPath, manifest.scripts.bundle.split(' ').slice(1), {
    cwd: dir,
    stdio: 'inherit',
  })
  if (bundle.status !== 0) process.exit(bundle.status ?? 1)
}
