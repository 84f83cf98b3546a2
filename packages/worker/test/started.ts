/**
 * Runner calls for the backend tests: a call whose listener keeps what the call sends, and its
 * outcome as a promise, since the backend reports each outcome to the listener.
 */
import { afterAll, beforeAll } from 'vitest'
import {
  WorkerBackend,
  type Call,
  type CallListener,
  type CallOutcome,
  type PreparedCall,
  type Runner,
  type RunningCall,
} from '@concurrent/worker/internal'

/** What a test may hear of a call while it runs. */
export interface Heard {
  readonly progress?: CallListener['progress'] | undefined
  readonly yield?: CallListener['yield']
}

/** A started call and its outcome. */
export interface Started extends RunningCall {
  readonly outcome: Promise<CallOutcome>
}

const outcomes = new WeakMap<Call<unknown>, Promise<CallOutcome>>()

/** `prepared` with a listener: `heard` hears its progress and yields. */
export function listened<T>(prepared: PreparedCall<T>, heard: Heard = {}): Call<T> {
  let settled!: (outcome: CallOutcome) => void
  const outcome = new Promise<CallOutcome>((resolve) => (settled = resolve))
  const { progress = () => undefined, yield: onYield } = heard
  const call: Call<T> = { ...prepared, listener: { progress, yield: onYield, settled } }
  outcomes.set(call, outcome)
  return call
}

/** Starts `calls` (made by {@link listened}) on `runner`: each one's handle, with its outcome. */
export function startAll<T>(runner: Runner<T>, calls: ReadonlyArray<Call<T>>): Started[] {
  return runner.start(calls).map((running, index) => {
    const outcome = outcomes.get(calls[index] as Call<unknown>)
    if (outcome === undefined) throw new Error('startAll takes calls made by listened()')
    return {
      workerId: running.workerId,
      cancel: () => running.cancel(),
      terminate: (reason: string) => running.terminate(reason),
      outcome,
    }
  })
}

/**
 * One backend of one worker for a whole `describe` block (its workers start once), closed after
 * it: call inside the block, and the returned function gives the backend in its tests.
 */
export function sharedBackend(runtime: 'thread' | 'process'): () => WorkerBackend {
  let backend: WorkerBackend | undefined
  beforeAll(() => {
    backend = new WorkerBackend({
      runtime,
      name: 'test',
      maxWorkers: 1,
      minWorkers: 0,
      idleTimeout: 1000,
    })
  })
  afterAll(async () => {
    await backend?.close()
  })
  return () => {
    if (backend === undefined) throw new Error('sharedBackend: the backend starts in beforeAll')
    return backend
  }
}
