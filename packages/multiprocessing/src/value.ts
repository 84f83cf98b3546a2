/**
 * `Value` and `RawValue`: Python's shared `ctypes` values, one number in shared memory, as a
 * {@link SharedValue}.
 */
import { InvalidStateError } from '@concurrent/future'
import { describe } from '@concurrent/future/internal'
import type { Destination } from '@concurrent/worker'

import { Lock } from './lock.js'
import { RLock } from './rlock.js'
import { Adopt, kEncode, registerHandle, threadOnly } from './internal/transport/handles.js'
import {
  arrayTypeOf,
  isBigCode,
  type Typecode,
  type TypedArrayFor,
  type ValueFor,
} from './typecodes.js'

/**
 * Options of {@link Value}.
 *
 * @example
 * ```ts
 * import { Value } from '@concurrent/multiprocessing'
 *
 * const counter = Value('i', 0, { lock: true })
 * const unguarded = Value('d', 0.5, { lock: false })
 * ```
 * @category Shared memory
 */
export interface ValueOptions {
  /**
   * The lock that guards every read and write of `.value`: `true` for a new {@link RLock}
   * (Python's default), a {@link Lock} or {@link RLock} of your own, or `false` for none (the
   * same as {@link RawValue}).
   *
   * @defaultValue `true`
   */
  readonly lock?: boolean | Lock | RLock | undefined
}

/** A shared value's state: its number's array over shared memory, and its lock. */
interface ValueState<C extends Typecode> {
  readonly typecode: C
  readonly array: TypedArrayFor<C>
  readonly lock: Lock | RLock | undefined
}

/** A shared value as it travels: its lock travels by its own codec. */
interface ValueData {
  readonly typecode: Typecode
  readonly buffer: SharedArrayBuffer
  readonly lock: Lock | RLock | null
}

/**
 * One number in shared memory, read and written through `.value` — what Python's `Value()` and
 * `RawValue()` return. Create it with {@link Value} (guarded by a lock) or {@link RawValue}
 * (unguarded), and pass it to tasks on worker threads — a `ThreadPoolExecutor`, or a
 * {@link Pool} or {@link Process} with `kind: 'thread'`: every thread sees the same number.
 *
 * With a lock, each read and each write of `.value` takes the lock on its own, as Python's
 * synchronized wrapper does; so `counter.value += 1` (a read, then a write) can still lose
 * updates between threads. Hold {@link SharedValue.getLock} around the whole update:
 * `using _held = counter.getLock().hold()`. The default lock is an {@link RLock}, so accessing
 * `.value` while holding it is fine. Reading `.value` blocks while another thread holds the
 * lock, also on the main thread (briefly, if tasks hold it briefly).
 *
 * @typeParam C - the typecode; `.value` is a `bigint` for the 64-bit integer codes.
 * @example
 * ```ts
 * import { Value } from '@concurrent/multiprocessing'
 *
 * const counter = Value('i', 0)
 * {
 *   using _held = counter.getLock().hold()
 *   counter.value += 1
 * }
 * console.log(counter.value) // 1
 * ```
 * @category Shared memory
 */
export class SharedValue<C extends Typecode = Typecode> {
  /** The typecode of the value. */
  readonly typecode: C
  readonly #array: TypedArrayFor<C>
  readonly #lock: Lock | RLock | undefined

  /**
   * Shared values come from {@link Value} and {@link RawValue}; this constructor is not
   * public.
   *
   * @internal
   */
  constructor(adopt?: Adopt<ValueState<C>>) {
    if (!(adopt instanceof Adopt)) {
      throw new TypeError('Create a shared value with Value() or RawValue()')
    }
    const { typecode, array, lock } = adopt.state
    this.typecode = typecode
    this.#array = array
    this.#lock = lock
  }

  /** The number, read and written in shared memory (under the lock, if there is one). */
  get value(): ValueFor<C> {
    const lock = this.#lock
    if (lock === undefined) return this.#array[0] as ValueFor<C>
    lock.acquire()
    try {
      return this.#array[0] as ValueFor<C>
    } finally {
      lock.release()
    }
  }

  set value(value: ValueFor<C>) {
    const big = isBigCode(this.typecode)
    if (typeof value !== (big ? 'bigint' : 'number')) {
      throw new TypeError(
        `Expected a ${big ? 'bigint' : 'number'} for a '${this.typecode}' value, got ${describe(value)}`,
      )
    }
    const lock = this.#lock
    if (lock === undefined) {
      this.#array[0] = value
      return
    }
    lock.acquire()
    try {
      this.#array[0] = value
    } finally {
      lock.release()
    }
  }

  /**
   * The lock that guards the value — Python's `get_lock()`. Hold it around an update that
   * reads and writes: `using _held = counter.getLock().hold()`.
   *
   * @returns the value's lock.
   * @throws `InvalidStateError` for a value without a lock ({@link RawValue}, `lock: false`).
   * @example
   * ```ts
   * using _held = counter.getLock().hold()
   * counter.value *= 2
   * ```
   */
  getLock(): Lock | RLock {
    if (this.#lock === undefined) {
      throw new InvalidStateError(
        'this shared value has no lock (it was created with RawValue() or lock: false)',
      )
    }
    return this.#lock
  }

  /** @internal */
  [kEncode](destination: Destination): ValueData {
    threadOnly(destination, `a shared Value ('${this.typecode}')`)
    return {
      typecode: this.typecode,
      buffer: this.#array.buffer as SharedArrayBuffer,
      lock: this.#lock ?? null,
    }
  }
}

/**
 * Creates one number in shared memory, guarded by a lock — Python's
 * `multiprocessing.Value(typecode, value, lock=True)`. See {@link SharedValue} for how to
 * update it safely from several threads.
 *
 * @param typecode - the number's type, a Python `array` typecode (`'i'`, `'d'`, `'q'`…).
 * @param value - the initial value: a `bigint` for the 64-bit integer codes, else a number.
 * @returns the shared value.
 * @throws TypeError for an unknown typecode, a value of the wrong type, or a bad `lock`.
 * @example
 * ```ts
 * import { Value } from '@concurrent/multiprocessing'
 *
 * const total = Value('d', 0)
 * const big = Value('q', 0n, { lock: false })
 * ```
 * @category Shared memory
 */
export function Value<C extends Typecode>(
  typecode: C,
  value?: ValueFor<C>,
  options: ValueOptions = {},
): SharedValue<C> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected Value options to be an object, got ${describe(options)}`)
  }
  const { lock = true } = options
  let guard: Lock | RLock | undefined
  if (lock === true) guard = new RLock()
  else if (lock instanceof Lock || lock instanceof RLock) guard = lock
  else if (typeof lock !== 'boolean') {
    throw new TypeError(
      `Expected \`lock\` to be a boolean, a Lock or an RLock, got ${describe(lock)}`,
    )
  }
  return create(typecode, value, guard)
}

/**
 * Creates one number in shared memory without a lock — Python's
 * `multiprocessing.RawValue(typecode, value)`. Reads and writes are plain memory accesses;
 * guard read-modify-write updates with a {@link Lock} of your own.
 *
 * @param typecode - the number's type, a Python `array` typecode.
 * @param value - the initial value: a `bigint` for the 64-bit integer codes, else a number.
 * @returns the shared value.
 * @throws TypeError for an unknown typecode or a value of the wrong type.
 * @example
 * ```ts
 * import { Lock, RawValue } from '@concurrent/multiprocessing'
 *
 * const counter = RawValue('i', 0)
 * const lock = new Lock()
 * {
 *   using _held = lock.hold()
 *   counter.value += 1
 * }
 * ```
 * @category Shared memory
 */
export function RawValue<C extends Typecode>(typecode: C, value?: ValueFor<C>): SharedValue<C> {
  return create(typecode, value, undefined)
}

function create<C extends Typecode>(
  typecode: C,
  value: ValueFor<C> | undefined,
  lock: Lock | RLock | undefined,
): SharedValue<C> {
  const ArrayType = arrayTypeOf(typecode)
  const array = new ArrayType(new SharedArrayBuffer(ArrayType.BYTES_PER_ELEMENT))
  const shared = new SharedValue<C>(new Adopt({ typecode, array: array as TypedArrayFor<C>, lock }))
  if (value !== undefined) shared.value = value
  return shared
}

registerHandle(
  SharedValue,
  'Value',
  new URL('./value.js', import.meta.url).href,
  ({ typecode, buffer, lock }: ValueData) => {
    const ArrayType = arrayTypeOf(typecode)
    return new SharedValue(
      new Adopt({ typecode, array: new ArrayType(buffer), lock: lock ?? undefined }),
    )
  },
)
