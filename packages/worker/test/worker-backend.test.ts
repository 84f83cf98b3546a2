/**
 * The backend on real tinypool workers of both runtimes, running the TypeScript task modules in
 * `fixtures/` (the workers load them through tsx's `tsImport`). One backend per runtime serves
 * every test, so the workers start once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { CancelledError } from '@concurrent/cancellation'
import {
  taskModule,
  TaskNotFoundError,
  taskSpecOf,
  WorkerBackend,
  type RunningUnit,
  type UnitOutcome,
  type UnitRequest,
} from '@concurrent/worker'

type Tasks = typeof import('./fixtures/tasks.js')

const url = new URL('./fixtures/tasks.ts', import.meta.url)
const tasks = taskModule<Tasks>(url)
const other = taskModule<typeof import('./fixtures/other.js')>(
  new URL('./fixtures/other.ts', import.meta.url),
)
/** The same module without its types, to ask for exports it does not have. */
const untyped = taskModule<Record<string, (...args: unknown[]) => unknown>>(url)

function request(
  task: unknown,
  args: readonly unknown[],
  options: Partial<Omit<UnitRequest, 'task' | 'args'>> = {},
): UnitRequest {
  return { task: taskSpecOf(task), args, chunk: false, transfer: [], ...options }
}

function valueOf(outcome: UnitOutcome): unknown {
  expect(outcome).toMatchObject({ kind: 'value' })
  return (outcome as { value: unknown }).value
}

function errorOf(outcome: UnitOutcome): Error & Record<string, unknown> {
  expect(outcome.kind).toBe('error')
  const { error } = outcome as { error: unknown }
  expect(error).toBeInstanceOf(Error)
  return error as Error & Record<string, unknown>
}

function liveBackends(): number {
  const live = (globalThis as { [key: symbol]: Set<unknown> | undefined })[
    Symbol.for('concurrent.liveBackends')
  ]
  return live?.size ?? 0
}

afterAll(() => {
  expect(liveBackends(), 'worker backends left running').toBe(0)
})

// Real workers start in about half a second; the bound is generous for loaded machines.
describe.each(['thread', 'process'] as const)(
  'WorkerBackend (%s)',
  { timeout: 20_000 },
  (runtime) => {
    let backend: WorkerBackend

    beforeAll(() => {
      backend = new WorkerBackend({ runtime, maxWorkers: 1, minWorkers: 0, idleTimeout: 1000 })
    })

    afterAll(async () => {
      await backend.destroy()
    })

    const run = (unit: UnitRequest): Promise<UnitOutcome> => backend.run(unit).outcome

    it('returns the value of a task from a TypeScript task module', async () => {
      expect(await run(request(tasks.add, [1, 2]))).toEqual({ kind: 'value', value: 3 })
    })

    it('awaits an async task', async () => {
      expect(valueOf(await run(request(tasks.greet, ['ada'])))).toBe('hello ada')
    })

    it('runs tasks from a second module on the same worker', async () => {
      expect(valueOf(await run(request(other.shout, ['hi'])))).toBe('HI!')
    })

    it('loads a `.js` URL whose file is its `.ts` twin', async () => {
      const js = taskModule<Tasks>(new URL('./fixtures/tasks.js', import.meta.url))
      expect(valueOf(await run(request(js.add, [2, 3])))).toBe(5)
    })

    it('runs an inline function, shipped by source', async () => {
      expect(valueOf(await run(request((a: number, b: number) => a * b, [6, 7])))).toBe(42)
    })

    it("runs an inline function compiled by tsx, giving it tsx's `__name` helper", async () => {
      const compiled = (0, eval)(
        '(n) => { const double = __name((x) => x * 2, "double"); return `${double.name}:${double(n)}` }',
      ) as (n: number) => string
      expect(valueOf(await run(request(compiled, [2])))).toBe('double:4')
    })

    it('runs every item of a chunk, in order', async () => {
      const outcome = await run(
        request(
          tasks.add,
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          { chunk: true },
        ),
      )
      expect(valueOf(outcome)).toEqual([3, 7, 11])
    })

    it('revives a thrown TypeError as a TypeError with its `code` and `cause`', async () => {
      const error = errorOf(await run(request(tasks.failWithTypeError, [])))
      expect(error).toBeInstanceOf(TypeError)
      expect(error.name).toBe('TypeError')
      expect(error.message).toBe('bad input')
      expect(error.code).toBe('E_BAD')
      expect(error.cause).toBeInstanceOf(RangeError)
      expect((error.cause as Error).message).toBe('too big')
    })

    it("joins the worker's stack to the caller's", async () => {
      const callerStack = 'Error\n    at submitIt (main.ts:10:3)'
      const error = errorOf(
        await run(request(tasks.failWithTypeError, [], { callerStack: () => callerStack })),
      )
      expect(error.stack).toMatch(/^TypeError: bad input\n\s+at failWithTypeError .*tasks\.ts/)
      expect(error.stack).toContain('--- in a worker, for the task submitted at ---')
      expect(error.stack!.endsWith(callerStack)).toBe(true)
    })

    it("yields TaskNotFoundError for an unknown export, listing the module's functions", async () => {
      const error = errorOf(await run(request(untyped.missing, [])))
      expect(error).toBeInstanceOf(TaskNotFoundError)
      expect(error).toMatchObject({ moduleUrl: url.href, exportName: 'missing' })
      expect(error.message).toContain('has no exported function `missing`')
      expect(error.message).toMatch(/its functions are .*`add`, .*`greet`/)
    })

    it('yields TaskNotFoundError for an export that is not a function, saying what it is', async () => {
      const error = errorOf(await run(request(untyped.version, [])))
      expect(error).toBeInstanceOf(TaskNotFoundError)
      expect(error.message).toContain('`version` (it is a number)')
    })

    it('streams what an async generator yields, then settles with its return value', async () => {
      const yielded: unknown[] = []
      const outcome = await run(request(tasks.countTo, [3], { onYield: (v) => yielded.push(v) }))
      expect(yielded).toEqual([1, 2, 3])
      expect(valueOf(outcome)).toBe('counted')
    })

    it('delivers every reportProgress value before the outcome', async () => {
      const progress: unknown[] = []
      const outcome = await run(
        request(tasks.withProgress, [3], { onProgress: (v) => progress.push(v) }),
      )
      expect(progress).toEqual([1, 2, 3])
      expect(valueOf(outcome)).toBe(3)
    })

    it('cancel() aborts the task’s signal: it ends with CancelledError and the worker goes on', async () => {
      const unit: RunningUnit = backend.run(
        request(tasks.waitForCancel, [], {
          onProgress: () => {
            unit.cancel()
          },
        }),
      )
      const error = errorOf(await unit.outcome)
      expect(error).toBeInstanceOf(CancelledError)
      expect(valueOf(await run(request(tasks.add, [1, 1])))).toBe(2)
    })

    it('returns a result marked with transfer() in the worker intact', async () => {
      const value = valueOf(await run(request(tasks.filledBuffer, [4, 7])))
      expect(value).toBeInstanceOf(Uint8Array)
      expect([...(value as Uint8Array)]).toEqual([7, 7, 7, 7])
    })

    if (runtime === 'thread') {
      it('moves a transferred ArrayBuffer: it is detached in the caller', async () => {
        const buffer = new ArrayBuffer(8)
        const outcome = await run(request(tasks.byteLength, [buffer], { transfer: [buffer] }))
        expect(valueOf(outcome)).toBe(8)
        expect(buffer.byteLength).toBe(0)
      })

      it('cancel() is seen at once by a synchronous loop polling its token', async () => {
        const unit: RunningUnit = backend.run(
          request(tasks.spinUntilCancelled, [], {
            onProgress: () => {
              unit.cancel()
            },
          }),
        )
        expect(errorOf(await unit.outcome)).toBeInstanceOf(CancelledError)
        expect(valueOf(await run(request(tasks.add, [2, 2])))).toBe(4)
      })
    } else {
      it('copies a transferred ArrayBuffer: the caller keeps it', async () => {
        const buffer = new ArrayBuffer(8)
        const outcome = await run(request(tasks.byteLength, [buffer], { transfer: [buffer] }))
        expect(valueOf(outcome)).toBe(8)
        expect(buffer.byteLength).toBe(8)
      })
    }
  },
)

describe('WorkerBackend.destroy', () => {
  it('is idempotent', async () => {
    const backend = new WorkerBackend({
      runtime: 'thread',
      maxWorkers: 1,
      minWorkers: 0,
      idleTimeout: 1000,
    })
    const first = backend.destroy()
    expect(backend.destroy()).toBe(first)
    await first
  })
})
