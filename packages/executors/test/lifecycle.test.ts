/**
 * The executors' effect on the program around them: idle workers do not keep it alive, and
 * worker processes never outlive it. Each case runs a real script in a child process.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { describe, expect, it } from 'vitest'
import { isAlive } from '@concurrent/test-utils'

const run = promisify(execFile)
const script = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

describe('a program using the executors', () => {
  it('exits by itself when its work is done, without calling shutdown()', async () => {
    const { stdout } = await run(process.execPath, [script('no-shutdown.mjs')], { timeout: 30_000 })
    expect(stdout.trim()).toBe('3 7')
  })

  it('stays alive until every progress and streamed value of an awaited task has arrived', async () => {
    const { stdout } = await run(process.execPath, [script('progress-to-the-end.mjs')], {
      timeout: 60_000,
    })
    expect(stdout.trim()).toBe(String(30 * (200 + 50)))
  })

  it('takes its worker processes with it when it exits, even busy ones (no orphans)', async () => {
    const { stdout } = await run(process.execPath, [script('exit-while-busy.mjs')], {
      timeout: 30_000,
    })
    const pids = JSON.parse(stdout.trim()) as number[]
    expect(pids).toHaveLength(2)
    expect(new Set(pids).size).toBe(2)
    for (let attempt = 0; attempt < 50 && pids.some(isAlive); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(pids.filter(isAlive)).toEqual([])
  })

  it.each(['thread', 'process'])(
    'exits after shutdown({ wait: false, cancelFutures: true }) past a task that never ends (%s)',
    async (runtime) => {
      const { stdout } = await run(process.execPath, [script('abandon-stuck.mjs'), runtime], {
        timeout: 30_000,
      })
      const { pid } = JSON.parse(stdout.trim()) as { pid: number }
      for (let attempt = 0; attempt < 50 && isAlive(pid); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(isAlive(pid)).toBe(false)
    },
  )
})
