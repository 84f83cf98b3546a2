/** What the results were measured on: the machine, the runtimes and every contender's version. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os'

import { redisVersion } from './cluster.js'
import { versionOf } from './pools.js'
import { pythonVersion } from './python.js'

export interface Machine {
  readonly date: string
  readonly cores: number
  readonly cpu: string
  readonly memoryGb: number
  readonly os: string
  readonly node: string
  readonly python: string | undefined
  readonly loadAverage: readonly number[]
  readonly commit: string | undefined
  readonly versions: Readonly<Record<string, string>>
}

export function describeMachine(): Machine {
  const ours = JSON.parse(
    readFileSync(new URL('../../../packages/executors/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
  let commit: string | undefined
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    commit = git('rev-parse', '--short', 'HEAD')
    // Figures for code that is not committed must say so.
    if (git('status', '--porcelain', '--', 'packages') !== '') {
      commit += ' (with uncommitted changes in packages/)'
    }
  } catch {
    commit = undefined
  }
  return {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: totalmem() / 2 ** 30,
    os: `${type()} ${release()}`,
    node: process.version,
    python: pythonVersion(),
    loadAverage: loadavg(),
    commit,
    versions: {
      '@concurrent/executors': ours.version,
      tinypool: versionOf('tinypool'),
      piscina: versionOf('piscina'),
      workerpool: versionOf('workerpool'),
      poolifier: versionOf('poolifier'),
      bullmq: versionOf('bullmq'),
      'redis-server': redisVersion() ?? 'not found',
    },
  }
}
