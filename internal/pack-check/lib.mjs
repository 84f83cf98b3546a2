// What the pack-check scripts share: where the repository, the tarballs and the fresh project
// are, the public packages, and how a command is run. The work folder is outside the
// repository (a project inside it would resolve the workspace's node_modules), one per
// checkout, so checkouts side by side do not trample each other.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../../', import.meta.url))
export const work = join(
  tmpdir(),
  `concurrent-pack-check-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`,
)
export const tarballDir = join(work, 'tarballs')
/** The fresh npm project the tarballs are installed into. */
export const project = join(work, 'project')

/** The repository's canonical URL, from the root package.json. */
export const repositoryUrl = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
).repository.url.replace(/^git\+|\.git$/g, '')

/** Every package under packages/ that is published: `{ dir, name, manifest }`. */
export function publicPackages() {
  return readdirSync(join(root, 'packages'))
    .map((dir) => join(root, 'packages', dir))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ dir, name: manifest.name, manifest }))
}

/** The tarball `pnpm pack` writes for `name` at `version`. */
export function tarballOf({ name, manifest }) {
  return join(tarballDir, `${name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`)
}

/** A version from the workspace catalog (pnpm-workspace.yaml), so the project gets the same. */
export function catalogVersion(name) {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
  const escaped = name.replace(/[/.]/g, '\\$&')
  const version = new RegExp(`^\\s+'?${escaped}'?:\\s*(\\S+)\\s*$`, 'm').exec(yaml)?.[1]
  if (version === undefined) throw new Error(`${name} is not in the catalog of pnpm-workspace.yaml`)
  return version
}

/** The path of `bin` of `pkg`, a dev dependency of this package (run it with `node`). */
export function binOf(pkg, bin = pkg.split('/').pop()) {
  const dir = fileURLToPath(new URL(`node_modules/${pkg}/`, import.meta.url))
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  return join(dir, typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[bin])
}

/**
 * Runs `command` to the end and returns `{ status, signal, stdout, stderr, ms }`. Output is
 * captured (and echoed with `echo: true`); `timeout` (ms) kills a command that hangs, which is
 * then reported as such rather than waited for.
 */
export function run(command, args, { cwd = root, env, timeout = 120_000, echo = false } = {}) {
  const started = performance.now()
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const ms = Math.round(performance.now() - started)
  if (result.error !== undefined && result.error.code !== 'ETIMEDOUT') throw result.error
  const outcome = {
    status: result.status,
    signal: result.signal,
    timedOut: result.error?.code === 'ETIMEDOUT',
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    ms,
  }
  if (echo) process.stdout.write(outcome.stdout + outcome.stderr)
  return outcome
}

/** `run`, failing the script with the command's output unless it exits 0. */
export function runOrFail(what, command, args, options) {
  const outcome = run(command, args, options)
  if (outcome.status !== 0) {
    fail(
      `${what} failed (${describeExit(outcome)}): ${command} ${args.join(' ')}\n` +
        `${outcome.stdout}${outcome.stderr}`,
    )
  }
  return outcome
}

/** `run` without blocking, so that several commands can run side by side. */
export function runAsync(command, args, { cwd = root, env, timeout = 120_000 } = {}) {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeout)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      const ms = Math.round(performance.now() - started)
      resolve({ status, signal, timedOut, stdout, stderr, ms })
    })
  })
}

/** `fn` over `items`, at most one call per core at a time; results in input order. */
export async function mapLimit(items, fn, limit = availableParallelism()) {
  const results = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index], index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}

export function describeExit({ status, signal, timedOut, ms }) {
  if (timedOut) return `still running after ${ms} ms, killed`
  return signal === null ? `exit code ${status}` : `signal ${signal}`
}

export function fail(message) {
  console.error(`\n✗ ${message}`)
  process.exit(1)
}

export const ok = (message) => console.log(`✓ ${message}`)

/** `npx --yes pnpm@10`, as .ci/run and the README call it. */
export const pnpm = (args, options) =>
  runOrFail(`pnpm ${args[0]}`, 'npx', ['--yes', 'pnpm@10', ...args], options)
