// Installs the tarballs of pack.mjs into a fresh npm project outside the repository, as a user
// would, and runs programs there with the Node that runs this script (CI: Node 20):
// - examples/everyday-js: plain JavaScript (try/finally, no `await using`), both pools;
// - fixtures/commonjs: a .cjs program that require()s every public package, both pools;
// - examples/everyday compiled by tsc (NodeNext, strict, target ES2022, @types/node), then run:
//   `await using` compiled down, as the docs say;
// - fixtures/no-node-types compiled with `"types": []` and skipLibCheck off: the shipped
//   declarations need no @types/node (checked: none of its files is in the program), then run.
// Each program must exit 0 within a time bound and print what it should.
//
// Usage: node internal/pack-check/smoke.mjs            (after pack.mjs)
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  binOf,
  catalogVersion,
  describeExit,
  fail,
  ok,
  project,
  publicPackages,
  root,
  run,
  runOrFail,
  tarballOf,
} from './lib.mjs'

const tarballs = publicPackages().map(tarballOf)
const missing = tarballs.filter((tarball) => !existsSync(tarball))
if (missing.length > 0) fail(`no tarballs (${missing.join(', ')}): run pack.mjs first`)

rmSync(project, { recursive: true, force: true })
mkdirSync(project, { recursive: true })
writeJson(join(project, 'package.json'), {
  name: 'concurrent-smoke',
  private: true,
  type: 'module',
})
const install = runOrFail(
  'npm install',
  'npm',
  [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--loglevel=error',
    ...tarballs,
    `rxjs@${catalogVersion('rxjs')}`,
    `fp-ts@${catalogVersion('fp-ts')}`,
    `@types/node@${catalogVersion('@types/node')}`,
  ],
  { cwd: project, timeout: 300_000 },
)
ok(`installed ${tarballs.length} tarballs into ${project} with npm in ${install.ms} ms`)

const tsc = binOf('typescript', 'tsc')
const compilerOptions = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  rootDir: 'src',
  outDir: 'dist',
}

// Plain JavaScript, as the root README shows it.
cpSync(join(root, 'examples/everyday-js/src'), join(project, 'js'), { recursive: true })
expectRun('JavaScript (examples/everyday-js)', ['js/main.mjs'], ['true', '9592', 'false'])

// CommonJS through require(esm).
cpSync(join(import.meta.dirname, 'fixtures/commonjs'), join(project, 'cjs'), { recursive: true })
expectRun(
  'CommonJS (fixtures/commonjs)',
  ['cjs/main.cjs'],
  ['ThreadPoolExecutor: ok', 'ProcessPoolExecutor: ok', 'multiprocessing Pool: ok'],
)

// TypeScript with @types/node, compiled by tsc for Node 20.
cpSync(join(root, 'examples/everyday/src'), join(project, 'ts/src'), { recursive: true })
writeJson(join(project, 'ts/tsconfig.json'), {
  compilerOptions: { ...compilerOptions, types: ['node'] },
  include: ['src'],
})
compile('TypeScript (examples/everyday)', 'ts')
expectRun(
  'TypeScript (examples/everyday) compiled for ES2022',
  ['ts/dist/main.js'],
  ['true', '9592', '3 0', '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'],
)

// TypeScript without @types/node.
cpSync(join(import.meta.dirname, 'fixtures/no-node-types'), join(project, 'bare/src'), {
  recursive: true,
})
writeJson(join(project, 'bare/tsconfig.json'), {
  compilerOptions: { ...compilerOptions, types: [] },
  include: ['src'],
})
const listed = compile('TypeScript with "types": [] (fixtures/no-node-types)', 'bare', [
  '--listFiles',
])
const nodeTypes = listed.stdout.split('\n').filter((file) => file.includes('/@types/node/'))
if (nodeTypes.length > 0) {
  fail(`the "types": [] program still loads @types/node:\n  ${nodeTypes.slice(0, 5).join('\n  ')}`)
}
expectRun(
  'TypeScript without @types/node',
  ['bare/dist/main.js'],
  ['ProcessPoolExecutor: ok', 'ThreadPoolExecutor: ok', 'no @types/node: ok'],
)

function compile(what, dir, extra = []) {
  const outcome = run(process.execPath, [tsc, '-p', dir, ...extra], { cwd: project })
  if (outcome.status !== 0) {
    // Only the errors: with --listFiles, stdout also lists every file of the program.
    const errors = outcome.stdout.split('\n').filter((line) => line.includes('error TS'))
    fail(`tsc: ${what} does not compile\n${errors.join('\n')}\n${outcome.stderr}`)
  }
  ok(`tsc: ${what} compiles (strict, NodeNext, skipLibCheck off) in ${outcome.ms} ms`)
  return outcome
}

/** Runs `node args` in the project: it must exit 0 within a minute and print `lines`. */
function expectRun(what, args, lines) {
  const outcome = run(process.execPath, args, { cwd: project, timeout: 60_000 })
  const printed = outcome.stdout.split('\n')
  const absent = lines.filter((line) => !printed.includes(line))
  if (outcome.status !== 0 || absent.length > 0) {
    fail(
      `${what}: ${describeExit(outcome)}` +
        (absent.length > 0
          ? `, did not print ${absent.map((l) => JSON.stringify(l)).join(', ')}`
          : '') +
        `\n${outcome.stdout}${outcome.stderr}`,
    )
  }
  ok(`${what} runs on Node ${process.versions.node} in ${outcome.ms} ms`)
}

function writeJson(path, value) {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`)
}
