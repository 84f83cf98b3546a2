// A vitest global setup for suites that run worker processes: after the whole run, no worker
// process of this repository may be left alive (no orphans).
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

const repository = resolve(import.meta.dirname, '../../..')

function ourWorkerProcesses(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((line) => /entry\/process(\.bundle)?\.js/.test(line))
    .filter((line) => line.includes(repository))
}

export function setup(): void {
  // Nothing to start; the check runs at teardown.
}

export async function teardown(): Promise<void> {
  // Give exiting workers a moment to be reaped.
  for (let attempt = 0; attempt < 20 && ourWorkerProcesses().length > 0; attempt++) {
    await new Promise((done) => setTimeout(done, 100))
  }
  const left = ourWorkerProcesses()
  if (left.length > 0) throw new Error(`worker processes left running:\n${left.join('\n')}`)
}
