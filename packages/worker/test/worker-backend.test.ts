/**
 * The backend on real tinypool workers of both runtimes, running the TypeScript task modules in
 * `fixtures/` (the workers load them through tsx's `tsImport`). One backend per runtime serves
 * every test, so the workers start once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { CancelledError } from '@concurrent/cancellation'
import { WorkerCrashedError } from '@concurrent/future'
import {
  taskModule,
  TaskNotFoundError,
  taskSpecOf,
  WorkerBackend,
  type RunningBatch,
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
      const outcome = await run(request(tasks.add, [1, 2]))
      expect(outcome).toMatchObject({ kind: 'value', value: 3 })
      // How long it ran in the worker, message time left out.
      expect((outcome as { took: number }).took).toBeGreaterThanOrEqual(0)
      expect((outcome as { took: number }).took).toBeLessThan(1_000)
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

    describe('batches', () => {
      const act = taskSpecOf(tasks.act)

      /** Runs calls of `act` as one batch; resolves with each call's outcome and the unstarted. */
      function batch(
        calls: ReadonlyArray<readonly [string, number]>,
        hooks: { onProgress?: (index: number, value: unknown, running: RunningBatch) => void } = {},
      ): {
        running: RunningBatch
        done: Promise<{ outcomes: Array<UnitOutcome | undefined>; unstarted: readonly number[] }>
      } {
        const outcomes: Array<UnitOutcome | undefined> = calls.map(() => undefined)
        const running: RunningBatch = backend.runBatch(
          act,
          calls.map((args) => ({ args })),
          {
            onProgress: (index, value) => hooks.onProgress?.(index, value, running),
            onOutcome: (index, outcome) => {
              expect(outcomes[index], `call ${index} reported twice`).toBeUndefined()
              outcomes[index] = outcome
            },
          },
        )
        return {
          running,
          done: running.outcome.then(({ unstarted }) => ({ outcomes, unstarted })),
        }
      }

      it('runs every call and reports each outcome, errors with their class', async () => {
        const { outcomes, unstarted } = await batch([
          ['double', 1],
          ['throw', 2],
          ['double', 3],
        ]).done
        expect(unstarted).toEqual([])
        expect(valueOf(outcomes[0]!)).toBe(2)
        const error = errorOf(outcomes[1]!)
        expect(error).toBeInstanceOf(RangeError)
        expect(error).toMatchObject({ message: 'no 2', code: 'E_ACT' })
        expect(valueOf(outcomes[2]!)).toBe(6)
      })

      it('sends each call its own progress', async () => {
        const progress: Array<[number, unknown]> = []
        const { outcomes } = await batch(
          [
            ['progress', 10],
            ['progress', 20],
          ],
          { onProgress: (index, value) => progress.push([index, value]) },
        ).done
        expect(progress).toEqual([
          [0, 10],
          [1, 20],
        ])
        expect(outcomes.map((outcome) => valueOf(outcome!))).toEqual([10, 20])
      })

      it('claim() takes back a call the worker has not started: it never runs', async () => {
        const { running, done } = batch([
          ['sleep', 200],
          ['double', 1],
          ['double', 2],
        ])
        expect(running.claim(2)).toBe(true)
        const { outcomes, unstarted } = await done
        expect(outcomes.map((outcome) => outcome && valueOf(outcome))).toEqual([200, 2, undefined])
        expect(unstarted).toEqual([])
      })

      // A process sees a cancel through its event loop: a synchronous loop there cannot.
      it.each(runtime === 'thread' ? ['spin', 'wait'] : ['wait'])(
        'cancel() stops the running call (%s); the calls after it still run',
        async (action) => {
          const { outcomes } = await batch(
            [
              ['double', 1],
              [action, 0],
              ['double', 3],
            ],
            {
              onProgress: (index, _value, running) => {
                if (runtime === 'thread') expect(running.claim(index)).toBe(false)
                running.cancel(index)
              },
            },
          ).done
          expect(valueOf(outcomes[0]!)).toBe(2)
          expect(errorOf(outcomes[1]!)).toBeInstanceOf(CancelledError)
          expect(valueOf(outcomes[2]!)).toBe(6)
        },
      )

      it('a worker dying mid-batch fails only the running call; the rest are handed back', async () => {
        const { outcomes, unstarted } = await batch([
          ['double', 1],
          ['exit', 3],
          ['double', 2],
          ['double', 4],
        ]).done
        expect(valueOf(outcomes[0]!)).toBe(2)
        expect(outcomes[1]).toMatchObject({ kind: 'crash' })
        const { error } = outcomes[1] as { error: WorkerCrashedError }
        expect(error).toBeInstanceOf(WorkerCrashedError)
        expect(error.exitCode).toBe(3)
        expect(outcomes.slice(2)).toEqual([undefined, undefined])
        expect(unstarted).toEqual([2, 3])
        expect(valueOf(await run(request(tasks.add, [1, 1])))).toBe(2)
      })

      it('terminate() fails the running call and hands back the rest', async () => {
        const { outcomes, unstarted } = await batch(
          [
            ['spin', 0],
            ['double', 1],
          ],
          { onProgress: (_index, _value, running) => running.terminate('stop now') },
        ).done
        expect(outcomes[0]).toMatchObject({ kind: 'crash' })
        expect(unstarted).toEqual([1])
      })
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
