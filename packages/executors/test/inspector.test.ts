/**
 * Debugging tasks under the inspector: each process worker on a port of its own with the
 * `inspect` option (ports freed when workers exit), a parent under `--inspect` whose pools
 * still work, and worker threads reachable through the parent's own inspector session. Only
 * loopback addresses and ports found free are used.
 */
import { execFile } from 'node:child_process'
import diagnostics from 'node:diagnostics_channel'
import inspector from 'node:inspector'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { describe, expect, it } from 'vitest'
import {
  diagnosticsChannels,
  ProcessPoolExecutor,
  taskModule,
  ThreadPoolExecutor,
  type WorkerStartMessage,
} from '@concurrent/executors'

const run = promisify(execFile)
const inspect = taskModule<typeof import('./fixtures/inspect.js')>(
  new URL('./fixtures/inspect.ts', import.meta.url),
)
const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

/** Whether `port` on 127.0.0.1 can be listened on now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** The first of `count` consecutive ports on 127.0.0.1 that are free now. */
async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    let free = true
    for (let port = base; free && port < base + count; port++) free = await isFree(port)
    if (free) return base
  }
  throw new Error(`no ${count} consecutive free ports found`)
}

/** The targets an inspector lists at `http://127.0.0.1:<port>/json/list`. */
async function targetsOn(port: number): Promise<Array<{ webSocketDebuggerUrl?: string }>> {
  const response = await fetch(`http://127.0.0.1:${port}/json/list`)
  return (await response.json()) as Array<{ webSocketDebuggerUrl?: string }>
}

function portOf(url: string | undefined): number {
  return Number(new URL(url ?? 'ws://invalid:0').port)
}

describe('ProcessPoolExecutor inspect option', () => {
  it('starts each worker with its inspector on a port of its own, from the one given', async () => {
    const base = await freePorts(2)
    const started: WorkerStartMessage[] = []
    const onStart = (message: unknown): void => void started.push(message as WorkerStartMessage)
    diagnostics.subscribe(diagnosticsChannels.workerStart, onStart)
    try {
      await using pool = new ProcessPoolExecutor({
        maxWorkers: 2,
        inspect: { host: '127.0.0.1', port: base },
      })
      // Two tasks at once on an empty pool: one worker each.
      const infos = await Promise.all([
        pool.submit(inspect.inspectorInfo, 200),
        pool.submit(inspect.inspectorInfo, 200),
      ])
      expect(new Set(infos.map((info) => info.pid)).size).toBe(2)
      expect(infos.map((info) => portOf(info.url)).sort()).toEqual([base, base + 1])
      for (const info of infos) {
        // The worker's own inspector answers on its port, and lists the worker as its target.
        const targets = await targetsOn(portOf(info.url))
        expect(targets.map((target) => target.webSocketDebuggerUrl)).toContain(
          (info.url as string).replace('ws://', 'ws://'),
        )
      }
      expect(started.map((message) => message.inspectPort).sort()).toEqual([base, base + 1])
    } finally {
      diagnostics.unsubscribe(diagnosticsChannels.workerStart, onStart)
    }
  })

  it('gives a port back when its worker exits, for the worker that replaces it', async () => {
    const base = await freePorts(2)
    await using pool = new ProcessPoolExecutor({
      maxWorkers: 1,
      maxTasksPerChild: 1,
      inspect: { port: base },
    })
    const first = await pool.submit(inspect.inspectorInfo, 0)
    // The worker retires after its one task; wait until it is gone.
    for (let i = 0; i < 400 && pool.stats().workers > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const second = await pool.submit(inspect.inspectorInfo, 0)
    expect(second.pid).not.toBe(first.pid)
    expect(portOf(first.url)).toBe(base)
    expect(portOf(second.url)).toBe(base)
  })

  it('leaves worker processes without an inspector by default', async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 })
    expect((await pool.submit(inspect.inspectorInfo, 0)).url).toBeUndefined()
  })

  it('rejects an inspect option that is not one, naming it', () => {
    expect(() => new ProcessPoolExecutor({ inspect: 'yes' as never })).toThrow(
      /Expected `inspect` to be true or an object \{ host, port \}, got `'yes'` \(string\)/,
    )
    expect(() => new ProcessPoolExecutor({ inspect: { port: 0 } })).toThrow(RangeError)
    expect(() => new ProcessPoolExecutor({ inspect: { port: 65_535 }, maxWorkers: 2 })).toThrow(
      /Expected `inspect.port` to be an integer from 1 to 65534/,
    )
    expect(() => new ProcessPoolExecutor({ inspect: { host: '' } })).toThrow(
      /Expected `inspect.host` to be a host name or address/,
    )
    expect(() => new ThreadPoolExecutor({ inspect: true } as never)).toThrow(
      /Unknown ThreadPoolExecutor option `inspect`/,
    )
  })
})

describe('a parent under the inspector', () => {
  const script = fileURLToPath(new URL('./fixtures/under-inspector.mjs', import.meta.url))

  it.each([
    [
      '--inspect on the command line',
      (port: number) => ({ args: [`--inspect=127.0.0.1:${port}`], env: {} }),
    ],
    [
      '--inspect in NODE_OPTIONS',
      (port: number) => ({ args: [], env: { NODE_OPTIONS: `--inspect=127.0.0.1:${port}` } }),
    ],
  ])('still runs tasks on both pools with %s, no worker taking its port', async (_how, how) => {
    const port = await freePorts(1)
    const { args, env } = how(port)
    const { stdout, stderr } = await run(process.execPath, [...args, script], {
      timeout: 60_000,
      env: { ...process.env, ...env },
    })
    expect(stderr).not.toMatch(/address already in use/)
    expect(JSON.parse(stdout)).toEqual({
      parent: expect.stringContaining(`127.0.0.1:${port}/`) as string,
      thread: 3,
      processes: [7, 11],
      workerInspector: null,
    })
  })

  it('reaches worker threads through its own inspector session (what DevTools and VS Code attach to)', async () => {
    const session = new inspector.Session()
    session.connect()
    const attached: Array<{ type: string; title: string }> = []
    session.on('NodeWorker.attachedToWorker', (message) => {
      const { workerInfo } = message.params as { workerInfo: { type: string; title: string } }
      attached.push(workerInfo)
    })
    try {
      await new Promise<void>((resolve, reject) =>
        session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, (error) =>
          error === null ? resolve() : reject(error),
        ),
      )
      await using pool = new ThreadPoolExecutor({ maxWorkers: 1 })
      await expect(pool.submit(tasks.add, 1, 2)).resolves.toBe(3)
      expect(attached).toContainEqual(
        expect.objectContaining({
          type: 'worker',
          title: expect.stringContaining('concurrent worker') as string,
        }),
      )
    } finally {
      session.disconnect()
    }
  })
})
