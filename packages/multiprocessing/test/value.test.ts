/**
 * Value and RawValue: CPython's _TestValue cases (typecodes, initial values, get_lock, raw
 * values), and one number shared with tasks in worker threads.
 */
import { describe, expect, it } from 'vitest'

import {
  Barrier,
  Condition,
  DataCloneError,
  InvalidStateError,
  Lock,
  Pool,
  Process,
  RawValue,
  RLock,
  SharedValue,
  Value,
  taskModule,
  type Typecode,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('Value', () => {
  it('holds a number of each typecode, wrapping as the C type does (test_value)', () => {
    const cases: Array<[Typecode, number | bigint, number | bigint]> = [
      ['b', -129, 127],
      ['B', 256, 0],
      ['h', 32768, -32768],
      ['H', -1, 65535],
      ['i', 2 ** 31, -(2 ** 31)],
      ['I', -1, 2 ** 32 - 1],
      ['f', 1.5, 1.5],
      ['d', Math.PI, Math.PI],
      ['q', 2n ** 63n, -(2n ** 63n)],
      ['Q', -1n, 2n ** 64n - 1n],
      ['l', 5n, 5n],
      ['L', 6n, 6n],
    ]
    for (const [code, stored, read] of cases) {
      const value = Value(code, stored as never)
      expect(value.value).toBe(read)
      expect(value.typecode).toBe(code)
    }
  })

  it('starts at zero without an initial value', () => {
    expect(Value('i').value).toBe(0)
    expect(Value('q').value).toBe(0n)
    expect(RawValue('d').value).toBe(0)
  })

  it('refuses values of the wrong type and unknown typecodes', () => {
    expect(() => Value('i', 1n as never)).toThrow(/a number for a 'i' value/)
    expect(() => Value('q', 1 as never)).toThrow(/a bigint for a 'q' value/)
    expect(() => Value('x' as never, 0 as never)).toThrow(/typecode/)
    expect(() => Value('c' as never, 0 as never)).toThrow(/'b', 'B'/)
    expect(() => Value('i', 0, { lock: 'yes' as never })).toThrow(/`lock`/)
  })

  it('has an RLock by default, the lock it is given, or none (test_getobj_getlock)', () => {
    expect(Value('i', 0).getLock()).toBeInstanceOf(RLock)
    const lock = new Lock()
    expect(Value('i', 0, { lock }).getLock()).toBe(lock)
    expect(() => Value('i', 0, { lock: false }).getLock()).toThrow(InvalidStateError)
    expect(() => RawValue('i', 0).getLock()).toThrow(/no lock/)
  })

  it('reads and writes .value under its RLock, also while the lock is held (reentrant)', () => {
    const counter = Value('i', 1)
    using _held = counter.getLock().hold()
    counter.value += 1
    expect(counter.value).toBe(2)
  })

  it('is shared with tasks in worker threads', async () => {
    await using pool = new Pool({ processes: 1, kind: 'thread' })
    const shared = Value('d', 2.5)
    expect(await pool.apply(tasks.readValue, [shared])).toBe(2.5)
    const big = RawValue('q', 2n ** 40n)
    expect(await pool.apply(tasks.readValue, [big])).toBe(2n ** 40n)
    await pool.apply(
      (value: SharedValue<'d'>) => {
        value.value = 7.25
      },
      [shared],
    )
    expect(shared.value).toBe(7.25)
  })

  it('is named as itself, not as its lock, when it is handed to a process task', () => {
    const start = (arg: unknown): (() => unknown) => {
      const process = new Process({ target: tasks.readValue, args: [arg as SharedValue] })
      return () => process.start()
    }
    expect(start(Value('i', 0))).toThrow(DataCloneError)
    expect(start(Value('i', 0))).toThrow(/^Argument 1 of `readValue` is a shared Value \('i'\),/)
    expect(start(Value('d', 0, { lock: new Lock() }))).toThrow(
      /^Argument 1 of `readValue` is a shared Value \('d'\),/,
    )
    expect(start(new Condition())).toThrow(/^Argument 1 of `readValue` is a Condition,/)
    expect(start(new Barrier(2))).toThrow(/^Argument 1 of `readValue` is a Barrier,/)
  })

  it('cannot be constructed directly', () => {
    expect(() => new SharedValue()).toThrow(/Value\(\) or RawValue\(\)/)
  })
})
