/**
 * The bench runner: runs every scenario script in its own process, one after the other, keeps
 * each one's JSON in `bench/results/`, and writes the report — `bench/RESULTS.md` for a full
 * run, `bench/results/RESULTS.quick.md` for `--quick` and `RESULTS.partial.md` for a chosen few
 * scenarios (so neither overwrites the committed results).
 *
 * Usage: node dist/run.js [--quick] [scenario…]
 *        node dist/run.js --report   (writes RESULTS.md again from the last full run's JSON, after
 *                                     the notes in bench/notes/ were edited)
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { format, resolveConfig } from 'prettier'

import { describeMachine } from './lib/machine.js'
import { renderReport } from './lib/report.js'
import type { ScenarioResult } from './lib/result.js'

const all = ['overhead', 'seeds', 'startup', 'cancel', 'memory', 'cluster'] as const
const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const reportOnly = argv.includes('--report')
const chosen = argv.filter((arg) => !arg.startsWith('--'))
for (const name of chosen) {
  if (!(all as readonly string[]).includes(name)) {
    throw new TypeError(`Expected a scenario among ${all.join(', ')}, got \`${name}\``)
  }
}
const scenarios = chosen.length === 0 ? all : all.filter((name) => chosen.includes(name))
const bench = new URL('../', import.meta.url)
const resultsDir = new URL('results/', bench)
mkdirSync(resultsDir, { recursive: true })

const started = performance.now()
const machineFile = new URL(`machine${quick ? '.quick' : ''}.json`, resultsDir)
const machine = reportOnly
  ? (JSON.parse(readFileSync(machineFile, 'utf8')) as ReturnType<typeof describeMachine>)
  : describeMachine()
if (!reportOnly) writeFileSync(machineFile, `${JSON.stringify(machine, null, 2)}\n`)
process.stderr.write(
  `bench${quick ? ' --quick' : ''}: ${machine.cores} cores, Node ${machine.node}, Python ${machine.python ?? 'not found'}\n`,
)

/**
 * The scenarios' environment: this machine's, without `NODE_EXTRA_CA_CERTS`, which makes every
 * Node process read a certificate bundle as it starts (about 80 ms here). Pools that pass their
 * environment on to worker processes (ours) would pay it, and pools that drop it (tinypool,
 * whose workers see only their id) would not: the start-up figures would compare that, not the
 * pools.
 */
const scenarioEnv = { ...process.env }
delete scenarioEnv.NODE_EXTRA_CA_CERTS

function runScenario(name: string): Promise<ScenarioResult> {
  const script = fileURLToPath(new URL(`dist/scenarios/${name}.js`, bench))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: scenarioEnv,
    })
    let stdout = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => (stdout += chunk))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? ''
      if (code !== 0) {
        reject(new Error(`${name} exited with ${signal ?? `code ${String(code)}`}`))
        return
      }
      try {
        resolve(JSON.parse(last) as ScenarioResult)
      } catch {
        reject(new Error(`${name} printed no JSON result`))
      }
    })
  })
}

const results: ScenarioResult[] = []
const failures: string[] = []
let durationMs = 0
for (const name of reportOnly ? [] : scenarios) {
  process.stderr.write(`\n${name}\n`)
  const scenarioStart = performance.now()
  try {
    const result = await runScenario(name)
    results.push(result)
    writeFileSync(
      new URL(`${name}${quick ? '.quick' : ''}.json`, resultsDir),
      `${JSON.stringify(result, null, 2)}\n`,
    )
    process.stderr.write(`${name}: ${((performance.now() - scenarioStart) / 1000).toFixed(1)} s\n`)
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error))
    process.stderr.write(`${name} FAILED: ${failures.at(-1) ?? ''}\n`)
  }
}

if (reportOnly) {
  for (const name of scenarios) {
    const result = JSON.parse(
      readFileSync(new URL(`${name}${quick ? '.quick' : ''}.json`, resultsDir), 'utf8'),
    ) as ScenarioResult
    results.push(result)
    durationMs += result.durationMs
  }
} else {
  durationMs = performance.now() - started
}

const notesDir = new URL('notes/', bench)
const notes = quick
  ? []
  : readdirSync(notesDir)
      .filter((file) => file.endsWith('.md'))
      .sort()
      .map((file) => readFileSync(new URL(file, notesDir), 'utf8'))
const markdown = renderReport({
  machine,
  quick,
  command: quick ? 'pnpm run bench --quick' : 'pnpm run bench',
  durationMs,
  scenarios: results,
  failures,
  notes,
})
const target = quick
  ? new URL('RESULTS.quick.md', resultsDir)
  : chosen.length > 0
    ? new URL('RESULTS.partial.md', resultsDir)
    : new URL('RESULTS.md', bench)
// The report is committed, so it must pass the repository's format check as written.
const prettierOptions = (await resolveConfig(fileURLToPath(target))) ?? {}
writeFileSync(target, await format(markdown, { ...prettierOptions, parser: 'markdown' }))
process.stderr.write(
  `\nbench: ${((performance.now() - started) / 1000).toFixed(1)} s; report in ${fileURLToPath(target)}\n`,
)
if (failures.length > 0) process.exitCode = 1
