/**
 * The backend on real worker threads and processes, running the TypeScript task modules in
 * `fixtures/` (the workers load them through tsx's `tsImport`). One backend per runtime serves
 * every test, so the workers start once.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { CancelledError } from '@concurrent/cancellation'
import { WorkerCrashedError } from '@concurrent/future'
import { taskModule, TaskNotFoundError } from '@concurrent/worker'
import {
  prepareCall,
  prepareChunk,
  WorkerBackend,
  type Call,
  type CallOutcome,
} from '@concurrent/worker/internal'

import { listened, sharedBackend, startAll, type Heard, type Started } from './started.js'

type Tasks = typeof import('./fixtures/tasks.js')

const url = new URL('./fixtures/tasks.ts', import.meta.url)
const tasks = taskModule<Tasks>(url)
const other = taskModule<typeof import('./fixtures/other.js')>(
  new URL('./fixtures/other.ts', import.meta.url),
)
/** The same module without its types, to ask for exports it does not have. */
const untyped = taskModule<Record<string, (...args: unknown[]) => unknown>>(url)

function call(
  task: unknown,
  args: readonly unknown[],
  options: Heard & Partial<Pick<Call, 'callerStack' | 'transfer'>> = {},
): Call {
  const { progress, yield: onYield, ...rest } = options
  return listened({ ...prepareCall(task, args, 'thread'), ...rest }, { progress, yield: onYield })
}

function valueOf(outcome: CallOutcome): unknown {
  expect(outcome).toMatchObject({ kind: 'value' })
  return (outcome as { value: unknown }).value
}

function errorOf(outcome: CallOutcome): Error & Record<string, unknown> {
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
    const backend = sharedBackend(runtime)

    const start = (one: Call): Started => startAll(backend(), [one])[0]!
    const run = (one: Call): Promise<CallOutcome> => start(one).outcome

    it('returns the value of a task from a TypeScript task module', async () => {
      const outcome = await run(call(tasks.add, [1, 2]))
      expect(outcome).toMatchObject({ kind: 'value', value: 3 })
      // How long it ran in the worker, message time left out.
      expect((outcome as { took: number }).took).toBeGreaterThanOrEqual(0)
      expect((outcome as { took: number }).took).toBeLessThan(1_000)
    })

    it('awaits an async task', async () => {
      expect(valueOf(await run(call(tasks.greet, ['ada'])))).toBe('hello ada')
    })

    it('runs tasks from a second module on the same worker', async () => {
      expect(valueOf(await run(call(other.shout, ['hi'])))).toBe('HI!')
    })

    it('loads a `.js` URL whose file is its `.ts` twin', async () => {
      const js = taskModule<Tasks>(new URL('./fixtures/tasks.js', import.meta.url))
      expect(valueOf(await run(call(js.add, [2, 3])))).toBe(5)
    })

    it('runs an inline function, shipped by source', async () => {
      expect(valueOf(await run(call((a: number, b: number) => a * b, [6, 7])))).toBe(42)
    })

    it("runs an inline function compiled by tsx, giving it tsx's `__name` helper", async () => {
      const compiled = (0, eval)(
        '(n) => { const double = __name((x) => x * 2, "double"); return `${double.name}:${double(n)}` }',
      ) as (n: number) => string
      expect(valueOf(await run(call(compiled, [2])))).toBe('double:4')
    })

    it('runs every item of a chunk, in order', async () => {
      const chunk = prepareChunk(
        tasks.add,
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        false,
        'thread',
      )
      const outcome = await run(listened(chunk))
      expect(valueOf(outcome)).toEqual({ values: [3, 7, 11] })
    })

    it('stops a chunk at its first failing item, with the results before it', async () => {
      const chunk = prepareChunk(
        tasks.act,
        [
          ['double', 1],
          ['throw', 2],
          ['double', 3],
        ],
        false,
        runtime,
      )
      const outcome = await run(listened(chunk))
      const { values, failure } = valueOf(outcome) as {
        values: unknown[]
        failure: { error: Error }
      }
      expect(values).toEqual([2])
      expect(failure.error).toBeInstanceOf(RangeError)
      expect(failure.error.message).toBe('no 2')
    })

    it('revives a thrown TypeError as a TypeError with its `code` and `cause`', async () => {
      const error = errorOf(await run(call(tasks.failWithTypeError, [])))
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
        await run(call(tasks.failWithTypeError, [], { callerStack: () => callerStack })),
      )
      expect(error.stack).toMatch(/^TypeError: bad input\n\s+at failWithTypeError .*tasks\.ts/)
      expect(error.stack).toContain('--- in a worker, for the task submitted at ---')
      expect(error.stack!.endsWith(callerStack)).toBe(true)
    })

    it("yields TaskNotFoundError for an unknown export, listing the module's functions", async () => {
      const error = errorOf(await run(call(untyped.missing, [])))
      expect(error).toBeInstanceOf(TaskNotFoundError)
      expect(error).toMatchObject({ moduleUrl: url.href, exportName: 'missing' })
      expect(error.message).toContain('has no exported function `missing`')
      expect(error.message).toMatch(/its functions are .*`add`, .*`greet`/)
    })

    it('yields TaskNotFoundError for an export that is not a function, saying what it is', async () => {
      const error = errorOf(await run(call(untyped.version, [])))
      expect(error).toBeInstanceOf(TaskNotFoundError)
      expect(error.message).toContain('`version` (it is a number)')
    })

    it('streams what an async generator yields, then settles with its return value', async () => {
      const yielded: unknown[] = []
      const outcome = await run(call(tasks.countTo, [3], { yield: (v) => yielded.push(v) }))
      expect(yielded).toEqual([1, 2, 3])
      expect(valueOf(outcome)).toBe('counted')
    })

    it('delivers every reportProgress value before the outcome', async () => {
      const progress: unknown[] = []
      const outcome = await run(
        call(tasks.withProgress, [3], { progress: (v) => progress.push(v) }),
      )
      expect(progress).toEqual([1, 2, 3])
      expect(valueOf(outcome)).toBe(3)
    })

    it('cancel() aborts the task’s signal: it ends with CancelledError and the worker goes on', async () => {
      const unit: Started = start(
        call(tasks.waitForCancel, [], {
          progress: () => {
            unit.cancel()
          },
        }),
      )
      const error = errorOf(await unit.outcome)
      expect(error).toBeInstanceOf(CancelledError)
      expect(valueOf(await run(call(tasks.add, [1, 1])))).toBe(2)
    })

    it('returns a result marked with transfer() in the worker intact', async () => {
      const value = valueOf(await run(call(tasks.filledBuffer, [4, 7])))
      expect(value).toBeInstanceOf(Uint8Array)
      expect([...(value as Uint8Array)]).toEqual([7, 7, 7, 7])
    })

    describe('batches', () => {
      /**
       * Starts calls of `act` as one batch on one worker; resolves with each call's outcome.
       * `progress` gets each call's index and the handles of the batch.
       */
      function batch(
        calls: ReadonlyArray<readonly [string, number]>,
        progress?: (index: number, value: unknown, running: Started[]) => void,
      ): { running: Started[]; done: Promise<CallOutcome[]> } {
        const running: Started[] = startAll(
          backend(),
          calls.map((args, index) =>
            call(tasks.act, args, { progress: (value) => progress?.(index, value, running) }),
          ),
        )
        return { running, done: Promise.all(running.map((one) => one.outcome)) }
      }

      it('runs every call and reports each outcome, errors with their class', async () => {
        const outcomes = await batch([
          ['double', 1],
          ['throw', 2],
          ['double', 3],
        ]).done
        expect(valueOf(outcomes[0]!)).toBe(2)
        const error = errorOf(outcomes[1]!)
        expect(error).toBeInstanceOf(RangeError)
        expect(error).toMatchObject({ message: 'no 2', code: 'E_ACT' })
        expect(valueOf(outcomes[2]!)).toBe(6)
      })

      it('sends each call its own progress', async () => {
        const progress: Array<[number, unknown]> = []
        const outcomes = await batch(
          [
            ['progress', 10],
            ['progress', 20],
          ],
          (index, value) => progress.push([index, value]),
        ).done
        expect(progress).toEqual([
          [0, 10],
          [1, 20],
        ])
        expect(outcomes.map((outcome) => valueOf(outcome))).toEqual([10, 20])
      })

      it('cancel() takes back a call the worker has not started: it never runs', async () => {
        const { running, done } = batch([
          ['sleep', 200],
          ['double', 1],
          ['double', 2],
        ])
        running[2]!.cancel()
        const outcomes = await done
        expect(outcomes.map((outcome) => outcome.kind)).toEqual(['value', 'value', 'withdrawn'])
      })

      // A process sees a cancel through its event loop: a synchronous loop there cannot.
      it.each(runtime === 'thread' ? ['spin', 'wait'] : ['wait'])(
        'cancel() stops the running call (%s); the calls after it still run',
        async (action) => {
          const outcomes = await batch(
            [
              ['double', 1],
              [action, 0],
              ['double', 3],
            ],
            (index, _value, running) => running[index]!.cancel(),
          ).done
          expect(valueOf(outcomes[0]!)).toBe(2)
          expect(errorOf(outcomes[1]!)).toBeInstanceOf(CancelledError)
          expect(valueOf(outcomes[2]!)).toBe(6)
        },
      )

      it('a worker dying mid-batch fails only the running call; the rest are unstarted', async () => {
        const outcomes = await batch([
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
        expect(outcomes.slice(2)).toEqual([{ kind: 'unstarted' }, { kind: 'unstarted' }])
        expect(valueOf(await run(call(tasks.add, [1, 1])))).toBe(2)
      })

      it('terminate() fails the running call with its reason; the rest are unstarted', async () => {
        const outcomes = await batch(
          [
            ['spin', 0],
            ['double', 1],
          ],
          (index, _value, running) => running[index]!.terminate('stop now'),
        ).done
        expect(outcomes[0]).toMatchObject({ kind: 'crash' })
        expect((outcomes[0] as { error: Error }).error.message).toBe('stop now')
        expect(outcomes[1]).toEqual({ kind: 'unstarted' })
      })
    })

    if (runtime === 'thread') {
      it('moves a transferred ArrayBuffer: it is detached in the caller', async () => {
        const buffer = new ArrayBuffer(8)
        const outcome = await run(call(tasks.byteLength, [buffer], { transfer: [buffer] }))
        expect(valueOf(outcome)).toBe(8)
        expect(buffer.byteLength).toBe(0)
      })

      it('cancel() is seen at once by a synchronous loop polling its token', async () => {
        const unit: Started = start(
          call(tasks.spinUntilCancelled, [], {
            progress: () => {
              unit.cancel()
            },
          }),
        )
        expect(errorOf(await unit.outcome)).toBeInstanceOf(CancelledError)
        expect(valueOf(await run(call(tasks.add, [2, 2])))).toBe(4)
      })
    } else {
      it('copies a transferred ArrayBuffer: the caller keeps it', async () => {
        const buffer = new ArrayBuffer(8)
        const outcome = await run(call(tasks.byteLength, [buffer], { transfer: [buffer] }))
        expect(valueOf(outcome)).toBe(8)
        expect(buffer.byteLength).toBe(8)
      })
    }
  },
)

describe('WorkerBackend.close', () => {
  it('is idempotent', async () => {
    const backend = new WorkerBackend({
      runtime: 'thread',
      name: 'test',
      maxWorkers: 1,
      minWorkers: 0,
      idleTimeout: 1000,
    })
    const first = backend.close()
    expect(backend.close()).toBe(first)
    await first
  })
})
