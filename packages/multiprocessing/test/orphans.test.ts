/**
 * Worker processes never outlive their program, however it ends — even while they are busy in
 * synchronous code, where they see no message and no disconnect: the kernel's parent-death
 * signal (Linux, with setpriv) or their watchdog thread kills them. Both ways are tried.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'
import { isAlive } from '@concurrent/test-utils'

const parentScript = fileURLToPath(new URL('./fixtures/orphan-parent.mjs', import.meta.url))

/** Starts the program and resolves with the pids of its busy workers. */
function startParent(
  env: NodeJS.ProcessEnv,
): Promise<{ pids: number[]; exited: Promise<void>; pid: number }> {
  const child = spawn(process.execPath, [parentScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the program printed no pids within 20 s: ${out}`))
    }, 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((text) => text.startsWith('['))
      if (line === undefined) return
      clearTimeout(timer)
      resolve({ pids: JSON.parse(line) as number[], exited, pid: child.pid as number })
    })
  })
}

describe.each([
  { watchdog: 'the default (a parent-death signal where setpriv is)', env: {} },
  { watchdog: 'the watchdog thread', env: { CONCURRENT_WATCHDOG: 'thread' } },
])('worker processes of a program that is ended, with $watchdog', ({ env }) => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const)(
    'all die when it is ended by %s, busy ones included',
    async (signal) => {
      const { pids, exited, pid } = await startParent(env)
      expect(pids).toHaveLength(4)
      expect(pids.every(isAlive)).toBe(true)
      process.kill(pid, signal)
      await exited
      for (let attempt = 0; attempt < 100 && pids.some(isAlive); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const left = pids.filter(isAlive)
      for (const orphan of left) process.kill(orphan, 'SIGKILL')
      expect(left).toEqual([])
    },
  )
})
