import { getEventListeners } from 'node:events'

import { describe, expect, it } from 'vitest'

import { anySignal, deadline, LinkedAbortController, raceSignal } from '@concurrent/cancellation'

function listeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length
}

function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason)
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true })
  })
}

/** A promise that never settles, for racing against a signal. */
function never(): Promise<never> {
  return new Promise<never>(() => undefined)
}

describe('anySignal', () => {
  it('returns undefined when no signal is given', () => {
    expect(anySignal()).toBeUndefined()
    expect(anySignal(undefined, undefined)).toBeUndefined()
  })

  it('returns the one signal given, unchanged', () => {
    const { signal } = new AbortController()
    expect(anySignal(undefined, signal, undefined)).toBe(signal)
  })

  it('aborts when the first of several signals aborts, with its reason', () => {
    const first = new AbortController()
    const second = new AbortController()
    const combined = anySignal(first.signal, undefined, second.signal)!
    expect(combined.aborted).toBe(false)
    const reason = new Error('second')
    second.abort(reason)
    expect(combined.aborted).toBe(true)
    expect(combined.reason).toBe(reason)
    first.abort(new Error('first, too late'))
    expect(combined.reason).toBe(reason)
  })

  it('is already aborted when one of the signals is', () => {
    const reason = new Error('before')
    const combined = anySignal(new AbortController().signal, AbortSignal.abort(reason))!
    expect(combined.aborted).toBe(true)
    expect(combined.reason).toBe(reason)
  })
})

describe('LinkedAbortController', () => {
  it('aborts when a parent aborts, with the parent’s reason', () => {
    const parent = new AbortController()
    const child = new LinkedAbortController(parent.signal)
    const reason = new Error('parent')
    parent.abort(reason)
    expect(child.signal.aborted).toBe(true)
    expect(child.signal.reason).toBe(reason)
  })

  it('aborts on its own without touching its parents', () => {
    const parent = new AbortController()
    const child = new LinkedAbortController(parent.signal)
    child.abort(new Error('child'))
    expect(child.signal.aborted).toBe(true)
    expect(parent.signal.aborted).toBe(false)
  })

  it('follows any of several parents and skips undefined ones', () => {
    const first = new AbortController()
    const second = new AbortController()
    const child = new LinkedAbortController(first.signal, undefined, second.signal)
    second.abort('second')
    expect(child.signal.reason).toBe('second')
    expect(listeners(first.signal)).toBe(0)
  })

  it('is born aborted when a parent already is, and listens to no parent', () => {
    const live = new AbortController()
    const child = new LinkedAbortController(live.signal, AbortSignal.abort('already'))
    expect(child.signal.aborted).toBe(true)
    expect(child.signal.reason).toBe('already')
    expect(listeners(live.signal)).toBe(0)
  })

  it('adds one listener per parent and removes it on dispose', () => {
    const parent = new AbortController()
    const child = new LinkedAbortController(parent.signal)
    expect(listeners(parent.signal)).toBe(1)
    child[Symbol.dispose]()
    expect(listeners(parent.signal)).toBe(0)
    child[Symbol.dispose]()
    // Disposed: the child no longer follows the parent, and is not aborted by disposing.
    parent.abort()
    expect(child.signal.aborted).toBe(false)
  })

  it('removes its listeners with `using` at the end of the block', () => {
    const parent = new AbortController()
    {
      using child = new LinkedAbortController(parent.signal)
      expect(child.signal.aborted).toBe(false)
      expect(listeners(parent.signal)).toBe(1)
    }
    expect(listeners(parent.signal)).toBe(0)
  })

  it('removes its listeners when it aborts on its own', () => {
    const first = new AbortController()
    const second = new AbortController()
    const child = new LinkedAbortController(first.signal, second.signal)
    child.abort()
    expect(listeners(first.signal)).toBe(0)
    expect(listeners(second.signal)).toBe(0)
  })

  it('removes its listeners when a parent aborts it', () => {
    const first = new AbortController()
    const second = new AbortController()
    const child = new LinkedAbortController(first.signal, second.signal)
    first.abort()
    expect(child.signal.aborted).toBe(true)
    expect(listeners(first.signal)).toBe(0)
    expect(listeners(second.signal)).toBe(0)
  })

  it('leaves a long-lived parent with no listeners after many short-lived children', () => {
    const parent = new AbortController()
    for (let i = 0; i < 1_000; i++) {
      using child = new LinkedAbortController(parent.signal)
      expect(child.signal.aborted).toBe(false)
    }
    expect(listeners(parent.signal)).toBe(0)
  })

  it('counts listeners the same way through addEventListener/removeEventListener', () => {
    const parent = new AbortController()
    let added = 0
    let removed = 0
    const signal = parent.signal
    const add = signal.addEventListener.bind(signal)
    const remove = signal.removeEventListener.bind(signal)
    signal.addEventListener = (...args: Parameters<typeof add>) => {
      added++
      add(...args)
    }
    signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      removed++
      remove(...args)
    }
    const child = new LinkedAbortController(signal)
    child[Symbol.dispose]()
    expect({ added, removed }).toEqual({ added: 1, removed: 1 })
  })
})

describe('raceSignal', () => {
  it('resolves like the promise when no signal is given', async () => {
    await expect(raceSignal(Promise.resolve(1), undefined)).resolves.toBe(1)
  })

  it('resolves with the promise’s value and removes its listener', async () => {
    const controller = new AbortController()
    const raced = raceSignal(Promise.resolve('value'), controller.signal)
    expect(listeners(controller.signal)).toBe(1)
    await expect(raced).resolves.toBe('value')
    expect(listeners(controller.signal)).toBe(0)
  })

  it('rejects with the promise’s error and removes its listener', async () => {
    const controller = new AbortController()
    const error = new Error('failed')
    await expect(raceSignal(Promise.reject(error), controller.signal)).rejects.toBe(error)
    expect(listeners(controller.signal)).toBe(0)
  })

  it('rejects with signal.reason when the signal aborts first', async () => {
    const controller = new AbortController()
    const raced = raceSignal(never(), controller.signal)
    const reason = new Error('gave up')
    controller.abort(reason)
    await expect(raced).rejects.toBe(reason)
    expect(listeners(controller.signal)).toBe(0)
  })

  it('rejects at once with signal.reason when the signal is already aborted', async () => {
    const reason = { why: 'not an Error, passed through untouched' }
    await expect(raceSignal(Promise.resolve(1), AbortSignal.abort(reason))).rejects.toBe(reason)
  })

  it('ignores a promise that settles after the signal won', async () => {
    const controller = new AbortController()
    let fail!: (error: Error) => void
    const late = new Promise<never>((_, reject) => (fail = reject))
    const raced = raceSignal(late, controller.signal)
    controller.abort('first')
    await expect(raced).rejects.toBe('first')
    fail(new Error('late, and handled'))
    await expect(raced).rejects.toBe('first')
  })

  it('accepts any PromiseLike', async () => {
    const thenable: PromiseLike<number> = {
      then: (onfulfilled) => Promise.resolve(7).then(onfulfilled),
    }
    await expect(raceSignal(thenable, new AbortController().signal)).resolves.toBe(7)
  })
})

describe('deadline', () => {
  it('aborts after `ms` with the platform’s TimeoutError', async () => {
    const signal = deadline(5)
    const reason = await aborted(signal)
    expect(reason).toBeInstanceOf(DOMException)
    expect((reason as DOMException).name).toBe('TimeoutError')
  })

  it('aborts first with a parent’s reason when the parent aborts first', () => {
    const parent = new AbortController()
    const signal = deadline(60_000, parent.signal)
    parent.abort('cancelled early')
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBe('cancelled early')
  })

  it('is already aborted when a parent already is', () => {
    expect(deadline(60_000, AbortSignal.abort('before')).reason).toBe('before')
  })

  it('never times out with Infinity and follows only its parents', () => {
    expect(deadline(Infinity).aborted).toBe(false)
    const parent = new AbortController()
    const signal = deadline(Infinity, undefined, parent.signal)
    parent.abort('parent')
    expect(signal.reason).toBe('parent')
  })

  it('accepts 0 (already due)', async () => {
    const reason = await aborted(deadline(0))
    expect((reason as DOMException).name).toBe('TimeoutError')
  })

  it('throws a RangeError naming `ms` for a negative or NaN value', () => {
    expect(() => deadline(-1)).toThrow(
      new RangeError('Expected `ms` to be a number from 0 and up, got `-1` (number)'),
    )
    expect(() => deadline(Number.NaN)).toThrow(RangeError)
  })

  it('throws a TypeError naming `ms` for a value that is not a number', () => {
    expect(() => deadline('10' as unknown as number)).toThrow(
      new TypeError('Expected `ms` to be a number from 0 and up, got `10` (string)'),
    )
  })
})
