/**
 * The diagnostics channels, as a subscriber sees them: a task's trace on `concurrent:task`
 * (start, end, dispatch, error, asyncStart, asyncEnd) with its context filled in as it goes,
 * for a task that returns, throws, is cancelled, or whose worker crashes; and the workers'
 * `concurrent:worker:start` and `concurrent:worker:exit`.
 */
import diagnostics from 'node:diagnostics_channel'

import { afterEach, describe, expect, it } from 'vitest'
import {
  AsyncExecutor,
  CancelledError,
  diagnosticsChannels,
  ProcessPoolExecutor,
  taskModule,
  ThreadPoolExecutor,
  WorkerCrashedError,
  type PoolExecutor,
  type TaskTraceContext,
  type WorkerExitMessage,
  type WorkerStartMessage,
} from '@concurrent/executors'

const fixtures = new URL('./fixtures/tasks.ts', import.meta.url)
const tasks = taskModule<typeof import('./fixtures/tasks.js')>(fixtures)

interface Event {
  readonly name: string
  /** A copy of the context as it was when the event was published. */
  readonly snapshot: TaskTraceContext
  readonly context: TaskTraceContext
}

/** Records every event of `concurrent:task` and the dispatch channel, until `stop()`. */
function recordTasks(): { readonly events: Event[]; stop(): void } {
  const events: Event[] = []
  const on =
    (name: string) =>
    (message: unknown): void => {
      const context = message as TaskTraceContext
      events.push({ name, snapshot: { ...context }, context })
    }
  const handlers = {
    start: on('start'),
    end: on('end'),
    asyncStart: on('asyncStart'),
    asyncEnd: on('asyncEnd'),
    error: on('error'),
  }
  const tracing = diagnostics.tracingChannel(diagnosticsChannels.task)
  const dispatch = on('dispatch')
  tracing.subscribe(handlers)
  diagnostics.subscribe(diagnosticsChannels.taskDispatch, dispatch)
  return {
    events,
    stop() {
      tracing.unsubscribe(handlers)
      diagnostics.unsubscribe(diagnosticsChannels.taskDispatch, dispatch)
    },
  }
}

/** Records the workers' start and exit messages, until `stop()`. */
function recordWorkers(): {
  readonly started: WorkerStartMessage[]
  readonly exited: WorkerExitMessage[]
  stop(): void
} {
  const started: WorkerStartMessage[] = []
  const exited: WorkerExitMessage[] = []
  const onStart = (message: unknown): void => void started.push(message as WorkerStartMessage)
  const onExit = (message: unknown): void => void exited.push(message as WorkerExitMessage)
  diagnostics.subscribe(diagnosticsChannels.workerStart, onStart)
  diagnostics.subscribe(diagnosticsChannels.workerExit, onExit)
  return {
    started,
    exited,
    stop() {
      diagnostics.unsubscribe(diagnosticsChannels.workerStart, onStart)
      diagnostics.unsubscribe(diagnosticsChannels.workerExit, onExit)
    },
  }
}

/** The events of one task, by its context. */
function eventsOf(events: readonly Event[], context: TaskTraceContext): string[] {
  return events.filter((event) => event.context === context).map((event) => event.name)
}

/** The one context a task submitted now gets: the first `start` after `from`. */
function contextAt(events: readonly Event[], from: number): TaskTraceContext {
  const event = events.slice(from).find((e) => e.name === 'start')
  if (event === undefined) throw new Error('no start event')
  return event.context
}

const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

function record(): ReturnType<typeof recordTasks> {
  const recorder = recordTasks()
  stops.push(() => recorder.stop())
  return recorder
}

const pools = [
  {
    name: 'ThreadPoolExecutor',
    runtime: 'thread',
    create: (o = {}) => new ThreadPoolExecutor(o),
  },
  {
    name: 'ProcessPoolExecutor',
    runtime: 'process',
    create: (o = {}) => new ProcessPoolExecutor(o),
  },
] as const

const executors = [
  ...pools,
  { name: 'AsyncExecutor', runtime: 'async', create: (o = {}) => new AsyncExecutor(o) },
] as const

describe.each(executors)('concurrent:task on $name', ({ name, runtime, create }) => {
  it('publishes start, dispatch, end, asyncStart, asyncEnd for a task that returns', async () => {
    const { events } = record()
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const future = pool.submit(tasks.add, 20, 22)
    const context = contextAt(events, 0)
    // start and end surround submit; a free worker is handed the task within it.
    expect(eventsOf(events, context)).toEqual(['start', 'dispatch', 'end'])
    await expect(future).resolves.toBe(42)
    expect(eventsOf(events, context)).toEqual([
      'start',
      'dispatch',
      'end',
      'asyncStart',
      'asyncEnd',
    ])
    expect(context).toMatchObject({
      executor: { name },
      runtime,
      taskName: 'add',
      module: fixtures.href,
      kind: 'call',
      items: 1,
      outcome: 'value',
      result: 42,
    })
    expect(context.error).toBeUndefined()
    expect(context.executor.id).toBeGreaterThan(0)
    expect(context.taskId).toBeGreaterThan(0)
    if (runtime === 'async') expect(context.workerId).toBeUndefined()
    else expect(context.workerId).toBeGreaterThan(0)
    const { queuedAt, startedAt, settledAt, waitTime, runTime } = context
    expect(startedAt).toBeGreaterThanOrEqual(queuedAt)
    expect(settledAt).toBeGreaterThanOrEqual(startedAt as number)
    expect(waitTime).toBe((startedAt as number) - queuedAt)
    expect(runTime).toBeGreaterThanOrEqual(0)
    // The context is filled in as the task goes: at dispatch, it has its worker, not its end.
    const dispatched = events.find((e) => e.context === context && e.name === 'dispatch')
    expect(dispatched?.snapshot.startedAt).toBe(startedAt)
    expect(dispatched?.snapshot.outcome).toBeUndefined()
  })

  it('publishes dispatch after end for a task that waits in the queue', async () => {
    const { events } = record()
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const first = pool.submit(tasks.sleepFor, 20)
    const second = pool.submit(tasks.add, 1, 2)
    const context = events.filter((e) => e.name === 'start')[1]?.context as TaskTraceContext
    expect(eventsOf(events, context)).toEqual(['start', 'end'])
    await Promise.all([first, second])
    expect(eventsOf(events, context)).toEqual([
      'start',
      'end',
      'dispatch',
      'asyncStart',
      'asyncEnd',
    ])
    expect(context.waitTime).toBeGreaterThan(0)
  })

  it('publishes error with the task error before asyncStart for a task that throws', async () => {
    const { events } = record()
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const future = pool.submit(tasks.fail, 'no luck')
    const context = contextAt(events, 0)
    const error = await future.exception()
    expect(error).toBeInstanceOf(TypeError)
    expect(eventsOf(events, context)).toEqual([
      'start',
      'dispatch',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ])
    expect(context).toMatchObject({ taskName: 'fail', outcome: 'error' })
    expect(context.error).toBe(error)
    expect(context.runTime).toBeGreaterThanOrEqual(0)
  })

  it('publishes error with a CancelledError for a task cancelled while queued, never dispatched', async () => {
    const { events } = record()
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const blocker = pool.submit(tasks.sleepFor, 100)
    const queued = pool.submit(tasks.add, 1, 2)
    const context = events.filter((e) => e.name === 'start')[1]?.context as TaskTraceContext
    expect(queued.cancel()).toBe(true)
    expect(eventsOf(events, context)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    expect(context.outcome).toBe('cancelled')
    expect(context.error).toBeInstanceOf(CancelledError)
    expect(context.startedAt).toBeUndefined()
    expect(context.workerId).toBeUndefined()
    await blocker
  })

  it('publishes cancelled for a running task stopped by an interrupt', async () => {
    const { events } = record()
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const future = pool.submit(tasks.waitForCancel)
    const context = contextAt(events, 0)
    // Wait until it has been handed to a worker, then interrupt it.
    for (let i = 0; i < 400 && context.startedAt === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(future.cancel({ interrupt: true })).toBe(true)
    await expect(future).rejects.toBeInstanceOf(CancelledError)
    expect(eventsOf(events, context).slice(-3)).toEqual(['error', 'asyncStart', 'asyncEnd'])
    expect(context.outcome).toBe('cancelled')
  })

  it('tells a chunk of a map from a call: kind, items, and an item error as the outcome', async () => {
    const { events } = record()
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const results: number[] = []
    for await (const n of pool.map(tasks.square, [1, 2, 3, 4], { chunksize: 2 })) results.push(n)
    expect(results).toEqual([1, 4, 9, 16])
    const chunks = events.filter((e) => e.name === 'asyncEnd').map((e) => e.context)
    expect(chunks).toHaveLength(2)
    for (const chunk of chunks)
      expect(chunk).toMatchObject({ kind: 'chunk', items: 2, outcome: 'value' })
    const from = events.length
    const failing = pool.map(tasks.fail, ['a', 'b'], { chunksize: 2 })
    await expect(
      (async () => {
        for await (const value of failing) expect(value).toBeDefined()
      })(),
    ).rejects.toBeInstanceOf(TypeError)
    const failed = contextAt(events, from)
    expect(failed).toMatchObject({ kind: 'chunk', items: 2, outcome: 'error' })
    expect(failed.error).toBeInstanceOf(TypeError)
    expect(eventsOf(events, failed)).toContain('error')
  })

  it('publishes nothing for a task submitted while nobody listened', async () => {
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const unobserved = pool.submit(tasks.sleepFor, 20)
    const { events } = record()
    await unobserved
    expect(events).toEqual([])
    await pool.submit(tasks.add, 1, 1)
    expect(events.map((e) => e.name)).toEqual([
      'start',
      'dispatch',
      'end',
      'asyncStart',
      'asyncEnd',
    ])
  })

  it('numbers tasks in order within an executor, and executors apart', async () => {
    const { events } = record()
    await using a: PoolExecutor = create({ maxWorkers: 1 })
    await using b: PoolExecutor = create({ maxWorkers: 1 })
    await Promise.all([
      a.submit(tasks.add, 1, 1),
      a.submit(tasks.add, 2, 2),
      b.submit(tasks.add, 3, 3),
    ])
    const started = events.filter((e) => e.name === 'start').map((e) => e.context)
    const [first, second, other] = started as [TaskTraceContext, TaskTraceContext, TaskTraceContext]
    expect(first.executor).toBe(second.executor)
    expect(second.taskId).toBe(first.taskId + 1)
    expect(other.executor.id).not.toBe(first.executor.id)
  })
})

describe.each(pools)('concurrent:task and concurrent:worker:* on $name', ({ create }) => {
  it('publishes crash with the WorkerCrashedError, and the worker exit as crashed', async () => {
    const { events } = record()
    const workers = recordWorkers()
    stops.push(() => workers.stop())
    await using pool: PoolExecutor = create({ maxWorkers: 1 })
    const future = pool.submit(tasks.exitWorker, 7)
    const context = contextAt(events, 0)
    const error = await future.exception()
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(eventsOf(events, context)).toEqual([
      'start',
      'dispatch',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ])
    expect(context.outcome).toBe('crash')
    expect(context.error).toBe(error)
    expect(context.runTime).toBeGreaterThanOrEqual(0)
    const exit = workers.exited.find((message) => message.workerId === context.workerId)
    expect(exit).toMatchObject({ reason: 'crashed', exitCode: 7, executor: context.executor })
    expect(exit?.lifetime).toBeGreaterThan(0)
  })

  it('publishes each worker start and its exit with the reason', async () => {
    const workers = recordWorkers()
    stops.push(() => workers.stop())
    const pool: PoolExecutor = create({ maxWorkers: 2, maxTasksPerChild: 1 })
    try {
      // Each worker runs one task and is replaced: two retire, and two more end at shutdown.
      await Promise.all([
        pool.submit(tasks.sleepFor, 20),
        pool.submit(tasks.sleepFor, 20),
        pool.submit(tasks.sleepFor, 20),
        pool.submit(tasks.sleepFor, 20),
      ])
    } finally {
      await pool.shutdown()
    }
    const ours = workers.started.filter((m) => m.executor === workers.started[0]?.executor)
    expect(ours.length).toBeGreaterThanOrEqual(2)
    for (const started of ours) {
      expect(started).toMatchObject({ inspectPort: undefined })
      expect(started.workerId).toBeGreaterThan(0)
      const exit = workers.exited.find((m) => m.workerId === started.workerId)
      expect(exit?.executor).toBe(started.executor)
      expect(['maxTasksPerChild', 'shutdown']).toContain(exit?.reason)
    }
    const retired = workers.exited.filter((m) => m.reason === 'maxTasksPerChild')
    expect(retired.length).toBeGreaterThanOrEqual(1)
    for (const exit of retired) expect(exit.tasks).toBe(1)
    expect(workers.exited).toHaveLength(ours.length)
  })

  it('publishes the workers that killWorkers() ends as terminated', async () => {
    const workers = recordWorkers()
    stops.push(() => workers.stop())
    const pool: PoolExecutor = create({ maxWorkers: 1 })
    const stuck = pool.submit(tasks.spinForever)
    for (let i = 0; i < 400 && workers.started.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await pool.killWorkers()
    await expect(stuck).rejects.toBeInstanceOf(Error)
    expect(workers.exited.map((m) => m.reason)).toEqual(['terminated'])
    expect(workers.exited[0]?.workerId).toBe(workers.started[0]?.workerId)
  })
})
