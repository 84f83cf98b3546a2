// Packs every public package as `pnpm publish` would (its `prepack` builds it first), then
// checks each tarball as the registry and a user would see it:
// - package.json: no `workspace:` or `catalog:` version left, and the fields npm shows
//   (`repository` with `directory`, `homepage`, `bugs`, `keywords`, `license`, `engines`);
// - every Markdown file: each relative link leads to a file in the tarball (npm's page has no
//   repository around the README, so `../worker/README.md` would be a dead link there);
// - publint (strict) and Are The Types Wrong (`--profile esm-only`: the packages are ESM only).
// The tarballs stay in the work folder for smoke.mjs and bundle.mjs.
//
// Usage: node internal/pack-check/pack.mjs
import { mkdirSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, posix, relative } from 'node:path'

import { unpack } from '@publint/pack'

import {
  binOf,
  fail,
  mapLimit,
  ok,
  pnpm,
  publicPackages,
  repositoryUrl,
  root,
  runAsync,
  tarballDir,
  tarballOf,
} from './lib.mjs'

rmSync(tarballDir, { recursive: true, force: true })
mkdirSync(tarballDir, { recursive: true })

const packages = publicPackages()
const started = performance.now()
pnpm(
  [
    '--recursive',
    '--workspace-concurrency=1',
    ...packages.map(({ name }) => `--filter=${name}`),
    'pack',
    `--pack-destination=${tarballDir}`,
  ],
  { timeout: 300_000 },
)
ok(`packed ${packages.length} packages in ${Math.round(performance.now() - started)} ms`)

const problems = []
const checked = performance.now()
await mapLimit(packages, async (pkg) => {
  const tarball = tarballOf(pkg)
  const where = `${pkg.name} (${basename(tarball)})`
  const found = []
  const { files, rootDir } = await unpack(await readFile(tarball))
  const contents = new Map(
    files.map(({ name, data }) => [name.slice(rootDir.length + 1), Buffer.from(data)]),
  )
  found.push(...checkManifest(pkg, JSON.parse(contents.get('package.json').toString('utf8'))))
  for (const [name, data] of contents) {
    if (name.endsWith('.md')) found.push(...checkLinks(pkg, name, data.toString('utf8'), contents))
  }
  if (!contents.has('README.md')) found.push('no README.md')
  if (![...contents.keys()].some((name) => name.startsWith('dist/'))) {
    found.push('no dist/ in the tarball (did prepack build it?)')
  }
  const publint = await runAsync(process.execPath, [binOf('publint'), 'run', tarball, '--strict'])
  if (publint.status !== 0 || !publint.stdout.includes('All good!')) {
    found.push(`publint\n${publint.stdout}${publint.stderr}`)
  }
  const attw = await runAsync(process.execPath, [
    binOf('@arethetypeswrong/cli', 'attw'),
    tarball,
    '--profile',
    'esm-only',
    '--no-definitely-typed',
    '--format',
    'table-flipped',
    '--no-color',
    '--no-emoji',
  ])
  if (attw.status !== 0) found.push(`attw --profile esm-only\n${attw.stdout}${attw.stderr}`)
  if (found.length === 0) ok(`${where}: ${contents.size} files; manifest, links, publint, attw`)
  problems.push(...found.map((problem) => `${where}: ${problem}`))
})
ok(`checked the tarballs in ${Math.round(performance.now() - checked)} ms`)

if (problems.length > 0)
  fail(`${problems.length} problem(s) in the tarballs:\n\n${problems.join('\n\n')}`)
ok(
  `tarballs in ${relative(root, tarballDir).startsWith('..') ? tarballDir : relative(root, tarballDir)}`,
)

function checkManifest({ dir }, manifest) {
  const problems = []
  for (const field of [
    'dependencies',
    'peerDependencies',
    'optionalDependencies',
    'devDependencies',
  ]) {
    for (const [name, version] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|catalog):/.test(version)) {
        problems.push(`${field}.${name} is still "${version}" (pack with pnpm)`)
      }
    }
  }
  const directory = `packages/${basename(dir)}`
  const expected = {
    'repository.url': [manifest.repository?.url, `git+${repositoryUrl}.git`],
    'repository.directory': [manifest.repository?.directory, directory],
    homepage: [manifest.homepage, `${repositoryUrl}/tree/main/${directory}#readme`],
    'bugs.url': [manifest.bugs?.url, `${repositoryUrl}/issues`],
  }
  for (const [field, [actual, wanted]] of Object.entries(expected)) {
    if (actual !== wanted)
      problems.push(`${field} is ${JSON.stringify(actual)}, expected "${wanted}"`)
  }
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0) {
    problems.push(`no keywords`)
  }
  for (const field of ['description', 'license']) {
    if (typeof manifest[field] !== 'string') problems.push(`no ${field}`)
  }
  if (typeof manifest.engines?.node !== 'string') problems.push(`no engines.node`)
  return problems
}

/** Link targets in Markdown: inline links and images, reference definitions, HTML attributes. */
function linkTargets(markdown) {
  const prose = markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '')
  return [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]),
    ...[...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)].map((match) => match[1]),
    ...[...prose.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)].map((match) => match[1]),
  ]
}

function checkLinks({ dir }, file, markdown, contents) {
  const problems = []
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z\d+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('//')) {
      continue
    }
    const path = posix.normalize(posix.join(posix.dirname(file), decodeURI(target.split('#')[0])))
    if (contents.has(path) || [...contents.keys()].some((name) => name.startsWith(`${path}/`))) {
      continue
    }
    const inRepository = posix.normalize(posix.join(`packages/${basename(dir)}`, path))
    problems.push(
      `${file} links to ${target}, which is not in the tarball; ` +
        `link to ${repositoryUrl}/blob/main/${inRepository} instead`,
    )
  }
  return problems
}
