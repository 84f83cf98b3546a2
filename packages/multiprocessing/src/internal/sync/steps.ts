/**
 * Waiting on shared memory, written once for both ways of waiting.
 *
 * Every synchronization primitive here has a blocking form for task code in worker threads
 * (`lock.acquire()`, built on `Atomics.wait`) and an awaitable form for the main thread
 * (`lock.acquireAsync()`, built on `Atomics.waitAsync`, which never blocks the event loop). Their
 * algorithm is the same, so it is written once, as a generator that yields a {@link WaitStep}
 * whenever it must sleep until a word of shared memory changes, and receives how the wait
 * ended. {@link runBlocking} drives such a generator with `Atomics.wait`; {@link runAsync}
 * drives it with `Atomics.waitAsync`.
 *
 * Cancellation: a blocking wait inside a task sleeps in short slices and checks the task's
 * cancel token between them; an awaitable wait listens to the caller's signal and to the task's
 * own. Either way the generator is resumed with the cancellation thrown into it, so its
 * `finally` blocks run (a condition re-acquires its lock, a barrier breaks) before the error
 * reaches the caller. After that first throw the generator is driven to its end without further
 * interruptions.
 *
 * Keeping the program alive: `Atomics.waitAsync` does not keep Node's event loop alive. A wait
 * with a deadline holds a timer until the deadline, so a timed wait always reports its timeout
 * rather than letting the program exit under it; a wait without one holds nothing, so a program
 * whose every thread waits for the others exits (with Node's "unsettled top-level await") rather
 * than hanging forever.
 */
import { currentSignal, currentToken } from '@concurrent/worker'
import { deadlineIn, setDeadline } from '@concurrent/future/internal'

/** Sleep until `view[index]` is no longer `expected`, or the deadline passes. */
export interface WaitStep {
  readonly view: Int32Array
  readonly index: number
  readonly expected: number
  /** A `performance.now()` time, or `undefined` to wait without a deadline. */
  readonly deadline: number | undefined
}

/** How a wait ended, as `Atomics.wait` reports it. */
export type WaitOutcome = 'ok' | 'not-equal' | 'timed-out'

/** An algorithm that may wait: yields steps, gets their outcomes, returns its result. */
export type Steps<T> = Generator<WaitStep, T, WaitOutcome>

/** How often a blocking wait inside a task looks at the task's cancel token. */
const TOKEN_SLICE = 20
/**
 * The longest single `Atomics.waitAsync`: a wait abandoned by an abort is not woken by anyone,
 * so it lingers until its own timeout; slices bound that.
 */
const ASYNC_SLICE = 1_000

/** The deadline for a timeout in milliseconds (`undefined` or `Infinity`: none). */
export function deadlineFor(timeout: number | undefined): number | undefined {
  return timeout === undefined || timeout === Infinity ? undefined : deadlineIn(timeout)
}

/** Whether `deadline` has passed. */
export function expired(deadline: number | undefined): boolean {
  return deadline !== undefined && performance.now() >= deadline
}

/**
 * Runs `steps`, blocking the calling thread at each wait. Inside a task, a cancellation of the
 * task is thrown into the generator at its current wait.
 */
export function runBlocking<T>(steps: Steps<T>): T {
  const token = currentToken()
  let interruptible = true
  let next = steps.next()
  while (next.done !== true) {
    const outcome = blockingWait(next.value, interruptible ? token : undefined)
    if (outcome === 'cancelled') {
      interruptible = false
      next = steps.throw(token.reason)
    } else {
      next = steps.next(outcome)
    }
  }
  return next.value
}

/**
 * Runs `steps`, awaiting each wait without blocking the event loop. When `signal` (or, inside a
 * task, the task's own signal) aborts, its reason is thrown into the generator.
 */
export async function runAsync<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  const signals = [currentSignal(), ...(signal === undefined ? [] : [signal])]
  let interruptible = true
  let next = steps.next()
  while (next.done !== true) {
    const outcome = await asyncWait(next.value, interruptible ? signals : [])
    if (typeof outcome === 'object') {
      interruptible = false
      next = steps.throw(outcome.reason)
    } else {
      next = steps.next(outcome)
    }
  }
  return next.value
}

function blockingWait(
  step: WaitStep,
  token: { readonly cancelled: boolean } | undefined,
): WaitOutcome | 'cancelled' {
  for (;;) {
    if (token?.cancelled === true) return 'cancelled'
    const remaining =
      step.deadline === undefined ? Infinity : Math.max(0, step.deadline - performance.now())
    const slice = token === undefined ? remaining : Math.min(remaining, TOKEN_SLICE)
    const outcome = Atomics.wait(step.view, step.index, step.expected, slice)
    if (outcome !== 'timed-out' || slice === remaining) return outcome
  }
}

async function asyncWait(
  step: WaitStep,
  signals: readonly AbortSignal[],
): Promise<WaitOutcome | { readonly reason: unknown }> {
  const keepAlive = step.deadline === undefined ? undefined : setDeadline(step.deadline, noop)
  try {
    for (;;) {
      const aborted = signals.find((signal) => signal.aborted)
      if (aborted !== undefined) return { reason: aborted.reason as unknown }
      const remaining =
        step.deadline === undefined ? Infinity : Math.max(0, step.deadline - performance.now())
      const slice = Math.min(remaining, ASYNC_SLICE)
      const waiting = Atomics.waitAsync(step.view, step.index, step.expected, slice)
      const outcome = waiting.async ? await raceSignals(waiting.value, signals) : waiting.value
      if (outcome === 'aborted') {
        // The abandoned wait stays registered until its slice ends; a wake-up it receives in the
        // meantime was meant for someone still waiting, so it is passed on.
        void (waiting.value as Promise<WaitOutcome>).then((late) => {
          if (late === 'ok') Atomics.notify(step.view, step.index, 1)
        })
        continue
      }
      if (outcome !== 'timed-out' || slice === remaining) return outcome
    }
  } finally {
    keepAlive?.()
  }
}

/** `promise`'s value, or `'aborted'` as soon as one of `signals` aborts. */
function raceSignals<T>(
  promise: Promise<T>,
  signals: readonly AbortSignal[],
): Promise<T | 'aborted'> {
  if (signals.length === 0) return promise
  return new Promise((resolve) => {
    const onAbort = (): void => {
      cleanup()
      resolve('aborted')
    }
    const cleanup = (): void => {
      for (const signal of signals) signal.removeEventListener('abort', onAbort)
    }
    for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true })
    void promise.then((value) => {
      cleanup()
      resolve(value)
    })
  })
}

function noop(): void {
  // Holds the event loop open until a deadline.
}
