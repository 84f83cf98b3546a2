// Bundles programs in the project smoke.mjs set up (the tarballs installed with npm) the ways
// docs/tasks-written-in-typescript.md describes, and runs each bundle:
// - with @concurrent/* kept external (esbuild `--packages=external`, Vite's SSR build, Rollup
//   and webpack with `external`), the program must work on both pools;
// - with everything inline (esbuild, Vite `ssr.noExternal`), the workers start from the entry
//   files of the package installed where the bundle runs: the program must work there, and,
//   moved to a folder where the package is not installed, fail at once when the pool is
//   created, with the error that says how to bundle, never hang with its futures pending. Both
//   the everyday example (a thread pool first) and fixtures/no-node-types (a process pool
//   first) are run.
//
// Usage: node internal/pack-check/bundle.mjs              (after pack.mjs and smoke.mjs)
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { nodeResolve } from '@rollup/plugin-node-resolve'
import * as esbuild from 'esbuild'
import { rollup } from 'rollup'
import { build as viteBuild } from 'vite'

import { describeExit, fail, ok, project, run, runOrFail } from './lib.mjs'

if (!existsSync(join(project, 'ts/dist/main.js')) || !existsSync(join(project, 'bare/src'))) {
  fail(`no smoke project at ${project}: run pack.mjs and smoke.mjs first`)
}

/** The two programs: their entry points as TypeScript and (everyday only) as tsc's output. */
const everyday = {
  name: 'examples/everyday',
  entries: { main: 'ts/src/main.ts', tasks: 'ts/src/tasks.ts' },
  compiled: { main: 'ts/dist/main.js', tasks: 'ts/dist/tasks.js' },
  prints: ['9592', '3 0', '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'],
  firstPool: 'worker threads',
}
const processesFirst = {
  name: 'fixtures/no-node-types',
  entries: { main: 'bare/src/main.ts', tasks: 'bare/src/tasks.ts' },
  prints: ['ProcessPoolExecutor: ok', 'ThreadPoolExecutor: ok', 'no @types/node: ok'],
  firstPool: 'worker processes',
}
/** What every bundle that keeps the packages external must not need. */
const external = [/^@concurrent\//]
const out = (name) => join(project, 'bundles', name)
rmSync(join(project, 'bundles'), { recursive: true, force: true })

// --- esbuild, the commands of the guide: every package external, only ours, or none.
const esbuildModes = [
  { flag: '--packages=external', suffix: '', options: { packages: 'external' } },
  { flag: '--external:@concurrent/*', suffix: '-ours', options: { external: ['@concurrent/*'] } },
  { flag: 'with everything inline', suffix: '-inline', options: {}, inline: true },
]
for (const program of [everyday, processesFirst]) {
  for (const mode of esbuildModes) {
    const name = `esbuild-${program === everyday ? 'everyday' : 'processes-first'}${mode.suffix}`
    await esbuild.build({
      absWorkingDir: project,
      entryPoints: program.entries,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: out(name),
      logLevel: 'error',
      ...mode.options,
    })
    const what = `esbuild ${mode.flag}: ${program.name}`
    expectWorks(what, name, program)
    if (mode.inline) expectFailFast(what, name, program)
  }
}

// --- Vite: an SSR build keeps dependencies external by default; `ssr.noExternal` inlines them.
for (const inline of [false, true]) {
  const name = `vite${inline ? '-inline' : ''}`
  await viteBuild({
    root: project,
    configFile: false,
    logLevel: 'error',
    ...(inline ? { ssr: { noExternal: true } } : {}),
    build: {
      ssr: true,
      target: 'node20',
      outDir: out(name),
      emptyOutDir: true,
      rollupOptions: { input: everyday.entries, output: { entryFileNames: '[name].js' } },
    },
  })
  const what = `Vite SSR build${inline ? ' with ssr.noExternal' : ''}: ${everyday.name}`
  expectWorks(what, name, everyday)
  if (inline) expectFailFast(what, name, everyday)
}

// --- Rollup, resolving node_modules but with the packages external, over tsc's output.
{
  const bundle = await rollup({
    input: Object.fromEntries(
      Object.entries(everyday.compiled).map(([key, path]) => [key, join(project, path)]),
    ),
    plugins: [nodeResolve({ preferBuiltins: true })],
    external: (id) => id.startsWith('node:') || external.some((test) => matches(test, id)),
    // tsc's helpers for `await using` test `this` at the top level, which Rollup points out.
    onwarn: (warning) => {
      if (warning.code !== 'THIS_IS_UNDEFINED') fail(`Rollup: ${warning.message}`)
    },
  })
  await bundle.write({ dir: out('rollup'), format: 'es', entryFileNames: '[name].js' })
  await bundle.close()
  expectWorks(`Rollup with external: ${everyday.name} (tsc's output)`, 'rollup', everyday)
}

// --- webpack, installed into the project here: in the workspace it would bring terser, which
// changes the set of peers, and so the lockfile entry, of the Vite that Vitest runs on.
{
  const install = runOrFail(
    'npm install webpack',
    'npm',
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      'webpack@^5.100.0',
    ],
    { cwd: project, timeout: 300_000 },
  )
  const webpack = createRequire(join(project, 'package.json'))('webpack')
  const stats = await new Promise((resolve, reject) => {
    const compiler = webpack({
      mode: 'production',
      target: 'node20',
      context: project,
      entry: Object.fromEntries(
        Object.entries(everyday.compiled).map(([key, path]) => [key, `./${path}`]),
      ),
      experiments: { outputModule: true },
      output: {
        path: out('webpack'),
        filename: '[name].js',
        module: true,
        chunkFormat: 'module',
        library: { type: 'module' },
      },
      externalsType: 'module',
      externals: external,
      optimization: { minimize: false },
    })
    compiler.run((error, result) => compiler.close(() => (error ? reject(error) : resolve(result))))
  })
  if (stats.hasErrors()) fail(`webpack:\n${stats.toString('errors-only')}`)
  expectWorks(
    `webpack with externals: ${everyday.name} (tsc's output; webpack installed in ${install.ms} ms)`,
    'webpack',
    everyday,
  )
}

function matches(test, id) {
  return typeof test === 'string' ? id === test || id.startsWith(`${test}/`) : test.test(id)
}

function runBundle(name, dir = out(name)) {
  return run(process.execPath, [join(dir, 'main.js')], { cwd: dir, timeout: 60_000 })
}

function expectWorks(what, name, program) {
  const outcome = runBundle(name)
  const printed = outcome.stdout.split('\n')
  const absent = program.prints.filter((line) => !printed.includes(line))
  if (outcome.status !== 0 || absent.length > 0) {
    fail(`${what}: ${describeExit(outcome)}\n${outcome.stdout}${outcome.stderr}`)
  }
  ok(`${what}: works (${outcome.ms} ms)`)
}

/** Runs an inline bundle from a folder where the packages are not installed. */
function expectFailFast(what, name, program) {
  const alone = mkdtempSync(join(tmpdir(), 'concurrent-bundle-'))
  cpSync(out(name), alone, { recursive: true })
  const outcome = runBundle(name, alone)
  rmSync(alone, { recursive: true, force: true })
  what = `${what}, moved where @concurrent/worker is not installed`
  const said = [
    'WorkerEntryNotFoundError',
    `Cannot start ${program.firstPool}`,
    '--packages=external',
    'Install @concurrent/worker there',
  ].filter((words) => !outcome.stderr.includes(words))
  if (outcome.status === 0 || outcome.timedOut || said.length > 0) {
    fail(
      `${what}: expected the pool's constructor to throw WorkerEntryNotFoundError, got ` +
        `${describeExit(outcome)}${said.length > 0 ? ` without ${said.join(', ')}` : ''}\n` +
        `${outcome.stdout}${outcome.stderr}`,
    )
  }
  ok(
    `${what}: fails at once with WorkerEntryNotFoundError (${describeExit(outcome)}, ${outcome.ms} ms)`,
  )
}
