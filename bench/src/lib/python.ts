/**
 * The Python contenders: one long-lived `python3 bench/python/server.py` per scenario, sent one
 * JSON command per measurement, so Python runs interleaved with the Node contenders. Python
 * times itself (perf_counter), so the pipe between the two costs nothing in its figures.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface, type Interface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import type { Sample } from './harness.js'

const serverPath = fileURLToPath(new URL('../../python/server.py', import.meta.url))

/** `python3 --version`, or `undefined` when there is no python3. */
export function pythonVersion(): string | undefined {
  const result = spawnSync('python3', ['--version'], { encoding: 'utf8' })
  if (result.error !== undefined || result.status !== 0) return undefined
  return `${result.stdout}${result.stderr}`.trim().replace(/^Python /, '')
}

/** The line a scenario prints when Python is missing. */
export const noPython = 'python3 was not found: the Python contenders were skipped'

export class PythonServer {
  readonly #child: ChildProcessWithoutNullStreams
  readonly #lines: Interface
  readonly #waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = []

  private constructor() {
    this.#child = spawn('python3', [serverPath], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.#child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk))
    this.#lines = createInterface({ input: this.#child.stdout })
    this.#lines.on('line', (line) => this.#waiting.shift()?.resolve(line))
    this.#child.on('exit', (code) => {
      for (const waiter of this.#waiting.splice(0)) {
        waiter.reject(new Error(`python3 exited with code ${String(code)}`))
      }
    })
  }

  /** Starts the server, or returns `undefined` when python3 is missing. */
  static start(): PythonServer | undefined {
    return pythonVersion() === undefined ? undefined : new PythonServer()
  }

  /** Runs one command; resolves with its figures, rejects with Python's error. */
  async request(command: Readonly<Record<string, unknown>>): Promise<Sample> {
    const line = await new Promise<string>((resolve, reject) => {
      this.#waiting.push({ resolve, reject })
      this.#child.stdin.write(`${JSON.stringify(command)}\n`)
    })
    const reply = JSON.parse(line) as Record<string, unknown>
    if (typeof reply.error === 'string') throw new Error(`Python: ${reply.error}`)
    return Object.fromEntries(
      Object.entries(reply).filter((entry): entry is [string, number] => {
        return typeof entry[1] === 'number'
      }),
    )
  }

  /** Ends the server. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    this.#child.stdin.end()
    await exited
  }
}
