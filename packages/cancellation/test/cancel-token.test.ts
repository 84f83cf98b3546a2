import { Worker } from 'node:worker_threads'

import { afterEach, describe, expect, it } from 'vitest'

import { CancelledError, CancelToken } from '@concurrent/cancellation'

/** Lets pending `Atomics.waitAsync` wake-ups and promise jobs run. */
function ticks(count = 3): Promise<void> {
  let chain = Promise.resolve()
  for (let i = 0; i < count; i++) {
    chain = chain.then(() => new Promise<void>((resolve) => setImmediate(resolve)))
  }
  return chain
}

function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason)
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true })
  })
}

describe('CancelToken', () => {
  describe('cancel()', () => {
    it('starts out not cancelled, with no reason', () => {
      const token = new CancelToken()
      expect(token.cancelled).toBe(false)
      expect(token.reason).toBeUndefined()
      expect(() => token.throwIfCancelled()).not.toThrow()
    })

    it('cancels the token and returns true the first time', () => {
      const token = new CancelToken()
      expect(token.cancel()).toBe(true)
      expect(token.cancelled).toBe(true)
    })

    it('returns false and keeps the first reason when the token is already cancelled', () => {
      const token = new CancelToken()
      const first = new Error('first')
      token.cancel(first)
      expect(token.cancel(new Error('second'))).toBe(false)
      expect(token.reason).toBe(first)
    })

    it('gives a CancelledError as the reason when none is given', () => {
      const token = new CancelToken()
      token.cancel()
      expect(token.reason).toBeInstanceOf(CancelledError)
      expect(token.reason).toBe(token.reason)
    })

    it('keeps the reason it was given, whatever it is', () => {
      const token = new CancelToken()
      token.cancel('shutting down')
      expect(token.reason).toBe('shutting down')
    })
  })

  describe('throwIfCancelled()', () => {
    it('throws the reason once cancelled', () => {
      const token = new CancelToken()
      const reason = new Error('stop')
      token.cancel(reason)
      expect(() => token.throwIfCancelled()).toThrow(reason)
    })

    it('throws a CancelledError when cancelled without a reason', () => {
      const token = new CancelToken()
      token.cancel()
      expect(() => token.throwIfCancelled()).toThrow(CancelledError)
    })
  })

  describe('buffer', () => {
    it('is a SharedArrayBuffer holding the flag', () => {
      const token = new CancelToken()
      expect(token.buffer).toBeInstanceOf(SharedArrayBuffer)
      expect(token.buffer.byteLength).toBeGreaterThanOrEqual(4)
      expect(token.buffer).toBe(token.buffer)
    })

    it('rebuilds a token that shares the flag both ways', () => {
      const original = new CancelToken()
      const rebuilt = new CancelToken(original.buffer)
      expect(rebuilt.cancelled).toBe(false)
      original.cancel()
      expect(rebuilt.cancelled).toBe(true)

      const other = new CancelToken()
      const copy = new CancelToken(other.buffer)
      expect(copy.cancel()).toBe(true)
      expect(other.cancelled).toBe(true)
      expect(other.cancel()).toBe(false)
    })

    it('carries a cancel made before the buffer was taken into the buffer', () => {
      const original = new CancelToken()
      const reason = new Error('before sharing')
      original.cancel(reason)
      const rebuilt = new CancelToken(original.buffer)
      expect(rebuilt.cancelled).toBe(true)
      expect(original.reason).toBe(reason)
      expect(original.cancel()).toBe(false)
    })

    it('keeps the signal taken before the buffer listening to the other side', async () => {
      const original = new CancelToken()
      const signal = original.signal
      const rebuilt = new CancelToken(original.buffer)
      const aborted = new Promise((resolve) => signal.addEventListener('abort', resolve))
      rebuilt.cancel()
      await aborted
      expect(signal.aborted).toBe(true)
      expect(original.cancelled).toBe(true)
      expect(original.index).toBe(0)
    })

    it('gives a rebuilt token a CancelledError as its reason (a reason cannot be shared)', () => {
      const original = new CancelToken()
      const rebuilt = new CancelToken(original.buffer)
      original.cancel(new Error('not shared'))
      expect(rebuilt.reason).toBeInstanceOf(CancelledError)
      expect(() => rebuilt.throwIfCancelled()).toThrow(CancelledError)
    })

    it('rebuilds a token that is already cancelled when the original is', () => {
      const original = new CancelToken()
      original.cancel()
      const rebuilt = new CancelToken(original.buffer)
      expect(rebuilt.cancelled).toBe(true)
      expect(rebuilt.signal.aborted).toBe(true)
    })

    it('throws a TypeError naming `buffer` for anything but a SharedArrayBuffer of 4 bytes', () => {
      expect(() => new CancelToken(new ArrayBuffer(4) as unknown as SharedArrayBuffer)).toThrow(
        new TypeError(
          'Expected `buffer` to be a SharedArrayBuffer of at least 4 bytes, got `[object ArrayBuffer]` (object)',
        ),
      )
      expect(() => new CancelToken(new SharedArrayBuffer(2))).toThrow(TypeError)
      expect(() => new CancelToken('buffer' as unknown as SharedArrayBuffer)).toThrow(
        /Expected `buffer` to be a SharedArrayBuffer/,
      )
    })

    it('keeps many tokens in one buffer, one flag per index', async () => {
      const buffer = new SharedArrayBuffer(4 * 3)
      const tokens = [0, 1, 2].map((index) => new CancelToken(buffer, index))
      expect(tokens.map((token) => token.index)).toEqual([0, 1, 2])
      expect(new CancelToken().index).toBe(0)

      const signal = new CancelToken(buffer, 1).signal
      tokens[1]!.cancel()
      expect(tokens.map((token) => token.cancelled)).toEqual([false, true, false])
      const rebuilt = new CancelToken(tokens[1]!.buffer, tokens[1]!.index)
      expect(rebuilt.cancelled).toBe(true)
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      expect(new CancelToken(buffer, 2).signal.aborted).toBe(false)
    })

    it('throws a TypeError naming `index` for a slot outside the buffer', () => {
      const buffer = new SharedArrayBuffer(8)
      expect(() => new CancelToken(buffer, 2)).toThrow(
        new TypeError(
          'Expected `index` to be an integer from 0 to 1 (the buffer holds 2 flags), got 2',
        ),
      )
      expect(() => new CancelToken(buffer, -1)).toThrow(/Expected `index`/)
      expect(() => new CancelToken(buffer, 0.5)).toThrow(/Expected `index`/)
    })
  })

  describe('signal', () => {
    it('is an AbortSignal that aborts with the reason when the token is cancelled', () => {
      const token = new CancelToken()
      const signal = token.signal
      expect(signal).toBeInstanceOf(AbortSignal)
      expect(signal.aborted).toBe(false)
      const reason = new Error('stop')
      token.cancel(reason)
      expect(signal.aborted).toBe(true)
      expect(signal.reason).toBe(reason)
    })

    it('is the same signal every time', () => {
      const token = new CancelToken()
      expect(token.signal).toBe(token.signal)
    })

    it('is already aborted when read after the token was cancelled', () => {
      const token = new CancelToken()
      token.cancel()
      expect(token.signal.aborted).toBe(true)
      expect(token.signal.reason).toBeInstanceOf(CancelledError)
      expect(token.signal.reason).toBe(token.reason)
    })

    it('fires on a rebuilt token when the original is cancelled, without polling', async () => {
      const original = new CancelToken()
      using rebuilt = new CancelToken(original.buffer)
      const signal = rebuilt.signal
      original.cancel()
      await expect(aborted(signal)).resolves.toBeInstanceOf(CancelledError)
    })

    it('fires on the original when a rebuilt token is cancelled', async () => {
      using original = new CancelToken()
      const signal = original.signal
      const rebuilt = new CancelToken(original.buffer)
      rebuilt.cancel()
      await expect(aborted(signal)).resolves.toBeInstanceOf(CancelledError)
    })

    it('agrees with `cancelled` whenever it is read', () => {
      const original = new CancelToken()
      const rebuilt = new CancelToken(original.buffer)
      const before = rebuilt.signal
      original.cancel()
      // The wake-up from Atomics.waitAsync has not run yet, but reading the signal sees the flag.
      expect(rebuilt.cancelled).toBe(true)
      expect(rebuilt.signal).toBe(before)
      expect(rebuilt.signal.aborted).toBe(true)
    })
  })

  describe('fromSignal()', () => {
    it('gives a cancelled token for an aborted signal, with its reason', () => {
      const reason = new Error('aborted before')
      const token = CancelToken.fromSignal(AbortSignal.abort(reason))
      expect(token.cancelled).toBe(true)
      expect(token.reason).toBe(reason)
    })

    it('cancels the token when the signal aborts later, with its reason', () => {
      const controller = new AbortController()
      const token = CancelToken.fromSignal(controller.signal)
      expect(token.cancelled).toBe(false)
      const reason = new Error('aborted after')
      controller.abort(reason)
      expect(token.cancelled).toBe(true)
      expect(token.reason).toBe(reason)
      expect(token.signal.reason).toBe(reason)
    })

    it('makes a token whose buffer carries the abort to a rebuilt token', () => {
      const controller = new AbortController()
      const token = CancelToken.fromSignal(controller.signal)
      const rebuilt = new CancelToken(token.buffer)
      controller.abort()
      expect(rebuilt.cancelled).toBe(true)
    })

    it('does not abort the signal when the token is cancelled', () => {
      const controller = new AbortController()
      const token = CancelToken.fromSignal(controller.signal)
      token.cancel()
      expect(controller.signal.aborted).toBe(false)
    })
  })

  describe('[Symbol.dispose]()', () => {
    it('stops a rebuilt token’s signal from learning of cancellations in other threads', async () => {
      const original = new CancelToken()
      const rebuilt = new CancelToken(original.buffer)
      const signal = rebuilt.signal
      rebuilt[Symbol.dispose]()
      original.cancel()
      await ticks()
      expect(signal.aborted).toBe(false)
      // The flag itself keeps working.
      expect(rebuilt.cancelled).toBe(true)
      expect(() => rebuilt.throwIfCancelled()).toThrow(CancelledError)
    })

    it('is idempotent and leaves the token usable', () => {
      const token = new CancelToken()
      token[Symbol.dispose]()
      token[Symbol.dispose]()
      expect(token.cancel()).toBe(true)
      expect(token.signal.aborted).toBe(true)
    })

    it('does not disturb other tokens sharing the buffer', async () => {
      const original = new CancelToken()
      const disposed = new CancelToken(original.buffer)
      const watching = new CancelToken(original.buffer)
      expect(disposed.signal.aborted).toBe(false)
      const signal = watching.signal
      disposed[Symbol.dispose]()
      await ticks()
      expect(signal.aborted).toBe(false)
      original.cancel()
      await expect(aborted(signal)).resolves.toBeInstanceOf(CancelledError)
      watching[Symbol.dispose]()
    })
  })
})

describe('CancelToken across worker threads', () => {
  const workers: Worker[] = []

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.terminate()))
  })

  function start(fixture: string, workerData: Record<string, unknown>): Worker {
    const worker = new Worker(new URL(`./fixtures/${fixture}`, import.meta.url), { workerData })
    workers.push(worker)
    return worker
  }

  /** The next message of `type`; rejects if the worker fails or exits first. */
  function message(worker: Worker, type: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onMessage = (value: Record<string, unknown>): void => {
        if (value.type !== type) return
        cleanup()
        resolve(value)
      }
      const onExit = (code: number): void => {
        cleanup()
        reject(new Error(`worker exited with ${code} before sending ${type}`))
      }
      const cleanup = (): void => {
        worker.off('message', onMessage)
        worker.off('error', reject)
        worker.off('exit', onExit)
      }
      worker.on('message', onMessage)
      worker.on('error', reject)
      worker.on('exit', onExit)
    })
  }

  it('stops a busy synchronous loop in a worker that polls `cancelled`', async () => {
    const token = new CancelToken()
    const worker = start('busy-loop.js', { buffer: token.buffer, mode: 'poll' })
    const stopped = message(worker, 'stopped')
    await message(worker, 'started')
    token.cancel()
    const result = await stopped
    expect(result.iterations).toBeGreaterThan(0)
    expect(result.reason).toBe('CancelledError')
  })

  it('stops a busy synchronous loop in a worker that calls throwIfCancelled()', async () => {
    const token = new CancelToken()
    const worker = start('busy-loop.js', { buffer: token.buffer, mode: 'throw' })
    const stopped = message(worker, 'stopped')
    await message(worker, 'started')
    token.cancel(new Error('not shared with the worker'))
    await expect(stopped).resolves.toMatchObject({ thrown: 'CancelledError' })
  })

  it('fires a rebuilt token’s signal in the worker through Atomics.waitAsync', async () => {
    const token = new CancelToken()
    const worker = start('signal.js', { buffer: token.buffer, mode: 'listen' })
    const abortedInWorker = message(worker, 'aborted')
    await expect(message(worker, 'ready')).resolves.toMatchObject({ aborted: false })
    token.cancel()
    await expect(abortedInWorker).resolves.toMatchObject({
      reason: 'CancelledError',
      cancelled: true,
    })
  })

  it('lets the main thread see a cancellation made in the worker, flag and signal', async () => {
    const token = new CancelToken()
    const signal = token.signal
    const worker = start('signal.js', { buffer: token.buffer, mode: 'cancel' })
    await expect(message(worker, 'cancelled')).resolves.toMatchObject({ changed: true })
    expect(token.cancelled).toBe(true)
    expect(token.cancel()).toBe(false)
    await expect(aborted(signal)).resolves.toBeInstanceOf(CancelledError)
    token[Symbol.dispose]()
  })

  it('stops every worker sharing the token with one cancel()', async () => {
    const token = new CancelToken()
    const first = start('busy-loop.js', { buffer: token.buffer, mode: 'poll' })
    const second = start('busy-loop.js', { buffer: token.buffer, mode: 'poll' })
    const stopped = [message(first, 'stopped'), message(second, 'stopped')]
    await Promise.all([message(first, 'started'), message(second, 'started')])
    token.cancel()
    const results = await Promise.all(stopped)
    expect(results.map((result) => result.reason)).toEqual(['CancelledError', 'CancelledError'])
  })
})
