/**
 * The one acquiring surface of Lock, RLock, Semaphore, BoundedSemaphore and Condition
 * (`acquire`, `acquireAsync`, `hold`, `holdAsync`): the same behaviour for each, whatever it
 * takes — a lock, a semaphore's slot, a condition's lock.
 */
import { describe, expect, it } from 'vitest'

import {
  BoundedSemaphore,
  Condition,
  Lock,
  RLock,
  Semaphore,
  TimeoutError,
} from '@concurrent/multiprocessing'

type Acquiring = Lock | RLock | Semaphore | Condition

/** A new one of a kind, and how to tell whether it is free for another acquire now. */
interface Subject {
  readonly name: string
  readonly make: () => { readonly subject: Acquiring; readonly isFree: () => boolean }
}

const subjects: Subject[] = [
  {
    name: 'Lock',
    make: () => {
      const lock = new Lock()
      return { subject: lock, isFree: () => !lock.locked() }
    },
  },
  {
    name: 'RLock',
    make: () => {
      const lock = new RLock()
      return { subject: lock, isFree: () => !lock.locked() }
    },
  },
  {
    name: 'Semaphore',
    make: () => {
      const slots = new Semaphore(1)
      return { subject: slots, isFree: () => slots.getValue() === 1 }
    },
  },
  {
    name: 'BoundedSemaphore',
    make: () => {
      const slots = new BoundedSemaphore(1)
      return { subject: slots, isFree: () => slots.getValue() === 1 }
    },
  },
  {
    name: 'Condition',
    make: () => {
      const lock = new Lock()
      return { subject: new Condition(lock), isFree: () => !lock.locked() }
    },
  },
]

describe.each(subjects)('$name', ({ make }) => {
  it('acquire() and release() take it and give it back; hold() gives it back once', () => {
    const { subject, isFree } = make()
    expect(subject.acquire()).toBe(true)
    expect(isFree()).toBe(false)
    subject.release()
    expect(isFree()).toBe(true)
    const held = subject.hold()
    expect(isFree()).toBe(false)
    held[Symbol.dispose]()
    held[Symbol.dispose]()
    expect(isFree()).toBe(true)
  })

  it('holdAsync() under `using` gives it back at the end of the block', async () => {
    const { subject, isFree } = make()
    {
      using _held = await subject.holdAsync()
      expect(isFree()).toBe(false)
    }
    expect(isFree()).toBe(true)
  })

  it('validates its options the same way, naming them', async () => {
    const { subject, isFree } = make()
    expect(() => subject.acquire({ block: 'no' as never })).toThrow(/`block` to be a boolean/)
    expect(() => subject.acquire({ block: false, timeout: 5 })).toThrow(/meaningless/)
    await expect(subject.acquireAsync({ timeout: -1 })).rejects.toThrow(/timeout/)
    expect(isFree()).toBe(true)
  })
})

// An RLock is taken again by the thread that holds it: only another thread waits for it (see
// rlock.test.ts).
describe.each(subjects.filter(({ name }) => name !== 'RLock'))('$name, taken', ({ name, make }) => {
  it('is waited for: false, TimeoutError naming it, or the signal’s reason', async () => {
    const { subject, isFree } = make()
    subject.acquire()
    expect(subject.acquire({ block: false })).toBe(false)
    expect(subject.acquire({ timeout: 10 })).toBe(false)
    expect(await subject.acquireAsync({ timeout: 10 })).toBe(false)
    expect(() => subject.hold({ timeout: 10 })).toThrow(TimeoutError)
    expect(() => subject.hold({ timeout: 10 })).toThrow(
      `could not acquire the ${name} within 10 ms`,
    )
    await expect(subject.holdAsync({ timeout: 10 })).rejects.toThrow(
      `could not acquire the ${name} within 10 ms`,
    )
    const controller = new AbortController()
    const waiting = subject.acquireAsync({ signal: controller.signal })
    controller.abort(new Error('gave up'))
    await expect(waiting).rejects.toThrow('gave up')
    subject.release()
    expect(isFree()).toBe(true)
  })
})
