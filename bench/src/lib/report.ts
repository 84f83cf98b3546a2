/**
 * Turns the scenarios' JSON into `RESULTS.md`: the machine, the targets of the speed issues (4, 7, 13, 14) with
 * this run's figures, a reading of them, and every table.
 */
import type { Machine } from './machine.js'
import type { Row, ScenarioResult, Table } from './result.js'

export interface Report {
  readonly machine: Machine
  readonly quick: boolean
  readonly command: string
  readonly durationMs: number
  readonly scenarios: readonly ScenarioResult[]
  readonly failures: readonly string[]
  /** Hand-written reading and profile (bench/notes/*.md), included as they are. */
  readonly notes: readonly string[]
}

function fixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '–'
  return value.toLocaleString('en', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })
}

function ratio(value: number): string {
  if (!Number.isFinite(value)) return '–'
  if (value >= 10) return `${value.toFixed(0)}×`
  return `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}×`
}

export function findTable(report: Report, id: string): Table | undefined {
  for (const scenario of report.scenarios) {
    const table = scenario.tables.find((candidate) => candidate.id === id)
    if (table !== undefined) return table
  }
  return undefined
}

export function median(table: Table | undefined, contender: string, key: string): number {
  const row = table?.rows.find((candidate) => candidate.contender === contender)
  return row?.metrics[key]?.median ?? NaN
}

function rowByPrefix(table: Table | undefined, prefix: string): Row | undefined {
  return table?.rows.find((row) => row.contender.startsWith(prefix) && row.skipped === undefined)
}

function renderTable(table: Table): string {
  const header = [
    'contender',
    ...table.columns.map(
      (column) => `${column.label}${column.unit === '' ? '' : ` (${column.unit})`}`,
    ),
    ...table.ratios.map((r) => r.label),
  ]
  const lines = [
    `### ${table.title}`,
    '',
    table.description,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ]
  for (const row of table.rows) {
    if (row.skipped !== undefined) {
      lines.push(`| ${row.contender} | skipped: ${row.skipped.replaceAll('|', '/')} |`)
      continue
    }
    const cells = table.columns.map((column) => {
      const summary = row.metrics[column.key]
      if (summary === undefined) return '–'
      const digits = column.digits ?? 1
      return `${fixed(summary.median, digits)} (${fixed(summary.min, digits)}–${fixed(summary.max, digits)})`
    })
    const ratios = table.ratios.map((r) => {
      const reference = median(table, r.reference, r.key)
      const value = row.metrics[r.key]?.median ?? NaN
      return ratio(r.kind === 'time' ? value / reference : reference / value)
    })
    lines.push(`| ${[row.contender, ...cells, ...ratios].join(' | ')} |`)
  }
  return lines.join('\n')
}

interface Target {
  readonly target: string
  readonly figure: string
  readonly met: boolean | undefined
}

/** The targets of issues 4, 7, 13 and 14, checked against this run. */
export function targets(report: Report): Target[] {
  const out: Target[] = []
  const peersOf = (table: Table | undefined, exclude: string) =>
    (table?.rows ?? []).filter(
      (row) =>
        row.skipped === undefined &&
        !row.contender.startsWith('ours') &&
        !row.contender.startsWith('Python') &&
        row.contender !== exclude,
    )
  for (const [id, ours, label, tinypool, poolifierName] of [
    [
      'submit-threads',
      'ours ThreadPoolExecutor.submit',
      'threads',
      'tinypool (threads)',
      'poolifier (threads)',
    ],
    [
      'submit-processes',
      'ours ProcessPoolExecutor.submit',
      'processes',
      'tinypool (child_process)',
      'poolifier (cluster)',
    ],
  ] as const) {
    const table = findTable(report, id)
    if (table === undefined) continue
    const mine = median(table, ours, 'us')
    const peers = peersOf(table, '')
      .map((row) => ({ name: row.contender, us: row.metrics.us?.median ?? NaN }))
      .sort((a, b) => a.us - b.us)
    const best = peers[0]
    if (best !== undefined) {
      out.push({
        target: `Tiny task through ${label}: our \`submit\` faster than every peer (issue 4)`,
        figure: `ours ${fixed(mine, 1)} µs; best peer ${best.name} ${fixed(best.us, 1)} µs (${ratio(mine / best.us)})`,
        met: mine < best.us,
      })
    }
    const raw = median(table, tinypool, 'us')
    out.push({
      target: `Tiny task through ${label}: our \`submit\` ≤ raw tinypool \`run\` (issue 7)`,
      figure: `ours ${fixed(mine, 1)} µs vs tinypool ${fixed(raw, 1)} µs (${ratio(mine / raw)})`,
      met: Number.isFinite(raw) && Number.isFinite(mine) ? mine <= raw : undefined,
    })
    const poolifier = median(table, poolifierName, 'us')
    out.push({
      target: `Tiny task through ${label}: our \`submit\` ≤ 0.5× poolifier's (issue 14, kept)`,
      figure: `ours ${fixed(mine, 1)} µs vs ${poolifierName} ${fixed(poolifier, 1)} µs (${ratio(mine / poolifier)})`,
      met: Number.isFinite(poolifier) ? mine <= 0.5 * poolifier : undefined,
    })
    const traced = median(table, `${ours}, traced`, 'us')
    if (Number.isFinite(traced)) {
      out.push({
        target: `Tiny task through ${label} with a \`concurrent:task\` subscriber: what tracing costs (issue 16)`,
        figure: `${fixed(traced, 1)} µs traced vs ${fixed(mine, 1)} µs without a subscriber (${ratio(traced / mine)})`,
        met: undefined,
      })
    }
  }
  const maps = report.scenarios
    .flatMap((scenario) => scenario.tables)
    .filter((table) => table.id.startsWith('map-'))
  const bigMap = maps.at(-1)
  if (bigMap !== undefined) {
    const python = median(bigMap, 'Python Pool.map', 'us')
    for (const name of ['ours ThreadPoolExecutor.map', 'ours ProcessPoolExecutor.map']) {
      const mine = median(bigMap, name, 'us')
      out.push({
        target: `Chunked map of tiny items (${bigMap.title.replace(/^Chunked map of /, '')}): ${name.replace('ours ', '')} cheaper per item than Python's \`Pool.map\` (issue 4)`,
        figure: `${fixed(mine, 2)} µs vs ${fixed(python, 2)} µs per item (${ratio(mine / python)})`,
        met: Number.isFinite(python) ? mine < python : undefined,
      })
    }
    const mine = median(bigMap, 'ours ThreadPoolExecutor.map', 'us')
    out.push({
      target: 'Map of tiny items with the automatic chunksize: well under 1 µs per item (issue 7)',
      figure: `${fixed(mine, 2)} µs per item (threads)`,
      met: mine < 0.5,
    })
  }
  const smallMap = maps.find((table) => table.id === 'map-20000')
  for (const name of ['ours ThreadPoolExecutor.map', 'ours ProcessPoolExecutor.map']) {
    if (smallMap === undefined) break
    const mine = median(smallMap, name, 'us')
    out.push({
      target: `Map of 20,000 tiny items with the automatic chunksize: ≤ 0.35 µs per item (${name.replace('ours ', '')}) (issue 14)`,
      figure: `${fixed(mine, 2)} µs per item`,
      met: mine <= 0.35,
    })
  }
  const everyday = findTable(report, 'everyday-map')
  if (everyday !== undefined) {
    const serial = median(everyday, 'serial (this thread)', 'warmMs')
    const plain = median(everyday, 'plain worker_threads (arrays in, arrays out)', 'warmMs')
    for (const name of [
      "ours ThreadPoolExecutor, the README's loop",
      "ours ProcessPoolExecutor, the README's loop",
      'ours ThreadPoolExecutor, the loop over .chunks()',
    ]) {
      const mine = median(everyday, name, 'warmMs')
      out.push({
        target: `The README's \`map\` loop (${name.replace('ours ', '').replace(", the README's loop", '')}): within 10% of two plain worker_threads and ≥ 1.6× over serial, warm (issue 14)`,
        figure: `${ratio(mine / plain)} the plain threads' time; ${ratio(serial / mine)} over serial (plain threads ${ratio(serial / plain)})`,
        met: mine <= 1.1 * plain && serial / mine >= 1.6,
      })
    }
  }
  for (const [id, label, tinypool] of [
    ['startup-threads', 'threads', 'tinypool (threads)'],
    ['startup-processes', 'processes', 'tinypool (child_process)'],
  ] as const) {
    const table = findTable(report, id)
    if (table === undefined) continue
    const mine = median(
      table,
      label === 'threads' ? 'ours ThreadPoolExecutor' : 'ours ProcessPoolExecutor',
      'firstMs',
    )
    const raw = median(table, tinypool, 'firstMs')
    out.push({
      target: `First result from a cold pool (${label}): ≤ raw tinypool's (issue 14)`,
      figure: `ours ${fixed(mine, 1)} ms vs tinypool ${fixed(raw, 1)} ms (${ratio(mine / raw)})`,
      met: Number.isFinite(raw) ? mine <= raw : undefined,
    })
  }
  for (const id of ['sqrt-big', 'factorial', 'sqrt-seed']) {
    const table = findTable(report, id)
    if (table === undefined) continue
    const serial = median(table, 'serial (this thread)', 'warmMs')
    for (const name of ['ours ThreadPoolExecutor.map', 'ours ProcessPoolExecutor.map']) {
      const row = rowByPrefix(table, name)
      const warm = row?.metrics.warmMs?.median ?? NaN
      out.push({
        target: `${table.title}: ≥ 1.8× over serial on 2 workers, warm (${name.replace('ours ', '')}) (issue ${id === 'sqrt-seed' ? '4; issue 14 for 1–3 ms tasks' : '4'})`,
        figure: `${ratio(serial / warm)} (${fixed(serial, 1)} ms serial, ${fixed(warm, 1)} ms)`,
        met: serial / warm >= 1.8,
      })
    }
  }
  const primes = findTable(report, 'isprime-2m')
  if (primes !== undefined) {
    const serial = median(primes, 'serial (this thread)', 'warmMs')
    const mine =
      rowByPrefix(primes, 'ours ThreadPoolExecutor.map (chunksize 10,000)')?.metrics.warmMs
        ?.median ?? NaN
    const plain = median(primes, 'plain worker_threads, chunks by hand', 'warmMs')
    out.push({
      target: `${primes.title}: ≥ 1.8× over serial, or within 10% of plain worker_threads (issue 7)`,
      figure: `${ratio(serial / mine)} over serial; plain threads ${ratio(serial / plain)}; ours takes ${ratio(mine / plain)} the plain threads' time`,
      met: serial / mine >= 1.8 || mine <= plain * 1.1,
    })
  }
  for (const id of ['isprime-chunked', 'sqrt-seed', 'factorial', 'squares']) {
    const table = findTable(report, id)
    const python = rowByPrefix(table, 'Python ProcessPoolExecutor')
    if (table === undefined || python === undefined) continue
    const reference = python.metrics.e2eMs?.median ?? NaN
    for (const name of ['ours ThreadPoolExecutor.map', 'ours ProcessPoolExecutor.map']) {
      const mine = rowByPrefix(table, name)?.metrics.e2eMs?.median ?? NaN
      out.push({
        target: `${table.title}, end to end: ${name.replace('ours ', '')} faster than Python's ProcessPoolExecutor (issue 4${name.includes('Process') && (id === 'isprime-chunked' || id === 'factorial') ? '; issue 14: at or under' : ''})`,
        figure: `${fixed(mine, 1)} ms vs ${fixed(reference, 1)} ms (${ratio(mine / reference)})`,
        met: mine < reference,
      })
    }
  }
  const cluster = findTable(report, 'cluster-submit')
  if (cluster !== undefined) {
    const raw = median(cluster, 'raw BullMQ (Queue.add + Worker)', 'us')
    for (const [name, host] of [
      ['ours ClusterExecutor.submit', 'host on worker threads (the default)'],
      [
        'ours ClusterExecutor.submit, host --runtime async',
        "host with `--runtime async`, on its own thread as raw BullMQ's Worker",
      ],
    ] as const) {
      const mine = median(cluster, name, 'us')
      out.push({
        target: `Tiny task through a cluster: \`ClusterExecutor.submit\` ≤ 1.2× raw BullMQ, ${host} (issue 13)`,
        figure: `ours ${fixed(mine, 0)} µs vs raw BullMQ ${fixed(raw, 0)} µs per task (${ratio(mine / raw)})`,
        met: Number.isFinite(raw) && Number.isFinite(mine) ? mine <= 1.2 * raw : undefined,
      })
    }
  }
  const cancel = findTable(report, 'cancel-threads')
  if (cancel !== undefined) {
    const row = rowByPrefix(cancel, 'ours ThreadPoolExecutor, task polls')
    const next = row?.metrics.nextMs?.median ?? NaN
    const reject = row?.metrics.rejectMs?.median ?? NaN
    const tinypool = median(cancel, 'tinypool (threads)', 'nextMs')
    out.push({
      target:
        'Cooperative cancel (threads): rejects within a few ms, the same worker runs the next task at once (issue 7)',
      figure: `rejected after ${fixed(reject, 2)} ms, next result after ${fixed(next, 1)} ms (tinypool's abort: ${fixed(tinypool, 1)} ms)`,
      met: reject < 5 && next < 10,
    })
    out.push({
      target: 'Cooperative cancel (threads): the future rejects in under 1 ms (issue 14, kept)',
      figure: `rejected after ${fixed(reject, 2)} ms`,
      met: reject < 1,
    })
  }
  return out
}

export function renderReport(report: Report): string {
  const { machine } = report
  const versions = Object.entries(machine.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  const lines: string[] = [
    report.quick ? '# Bench results (quick run)' : '# Bench results',
    '',
    `Generated by \`${report.command}\` on ${machine.date.slice(0, 10)} (${machine.date.slice(11, 16)} UTC) in ${(report.durationMs / 60_000).toFixed(1)} minutes${machine.commit === undefined ? '' : `, at commit ${machine.commit}`}. Do not edit by hand: run the bench again.${report.quick ? ' A quick run uses small inputs and few rounds: it shows that the bench works, not how fast anything is.' : ''}`,
    '',
    '## Machine',
    '',
    `| cores | CPU | memory | OS | Node | Python | load average at start |`,
    `| ---: | --- | ---: | --- | --- | --- | --- |`,
    `| ${machine.cores} | ${machine.cpu} | ${machine.memoryGb.toFixed(1)} GB | ${machine.os} | ${machine.node} | ${machine.python ?? 'not found'} | ${machine.loadAverage.map((load) => load.toFixed(2)).join(' / ')} |`,
    '',
    `Contenders: ${versions}, Python's \`concurrent.futures\` and \`multiprocessing\`.`,
    '',
    '## Method',
    '',
    "Each table is one comparison: its contenders run interleaved (A B C …, A B C …) in one process, one warm-up round thrown away, then the measured rounds; each cell is the median with the min–max range. Ratios are of medians from the same run and table, so the machine's noise falls on every contender alike — the machine is shared and busy, and ratios are what count. Every pool has 2 workers (1 in the cancellation scenario). Task modules are plain `.mjs`, so no worker pays for a TypeScript loader. Python runs in one long-lived `python3` process driven line by line, timing itself, so it is interleaved too.",
    '',
  ]
  if (report.failures.length > 0) {
    lines.push('## Failures', '', ...report.failures.map((failure) => `- ${failure}`), '')
  }
  lines.push('## Targets', '', '| target | this run | met |', '| --- | --- | :---: |')
  for (const target of targets(report)) {
    const met = target.met === undefined ? '–' : target.met ? 'yes' : '**no**'
    lines.push(`| ${target.target} | ${target.figure} | ${met} |`)
  }
  lines.push('')
  for (const note of report.notes) lines.push(note.trim(), '')
  for (const scenario of report.scenarios) {
    lines.push(
      `## ${scenario.title}`,
      '',
      `${scenario.warmup} warm-up and ${scenario.rounds} measured rounds; ${(scenario.durationMs / 1000).toFixed(0)} s.`,
      '',
    )
    for (const note of scenario.notes) lines.push(`- ${note}`)
    if (scenario.notes.length > 0) lines.push('')
    for (const table of scenario.tables) lines.push(renderTable(table), '')
  }
  return `${lines.join('\n').trimEnd()}\n`
}
