// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export {
  AsyncResult,
  type AsyncResultCallbacks,
  type AsyncResultWaitOptions,
} from './async-result.js'
export { Barrier, type BarrierOptions } from './barrier.js'
export { Condition } from './condition.js'
export { Connection, type PollOptions, type RecvOptions } from './connection.js'
export { cpuCount } from './cpu-count.js'
export { BrokenBarrierError, BrokenPipeError, EmptyError, EOFError, FullError } from './errors.js'
export { Event, type SyncWaitOptions } from './event.js'
export { Lock } from './lock.js'
export { MAX_MESSAGE_BYTES } from './max-message-bytes.js'
export { Pipe, type PipeOptions } from './pipe.js'
export {
  Pool,
  ThreadPool,
  type ApplyArguments,
  type ApplyAsyncArguments,
  type PoolImapOptions,
  type PoolMapAsyncOptions,
  type PoolMapOptions,
  type PoolOptions,
} from './pool.js'
export { Process, type JoinOptions, type ProcessKind, type ProcessOptions } from './process.js'
export { Queue, type QueueGetOptions, type QueuePutOptions } from './queue.js'
export { RawArray } from './raw-array.js'
export { RLock } from './rlock.js'
export { BoundedSemaphore, Semaphore } from './semaphore.js'
export type { AcquireOptions } from './internal/sync/atomics.js'
export type { Typecode, TypedArrayFor, ValueFor } from './typecodes.js'
export { RawValue, SharedValue, Value, type ValueOptions } from './value.js'

// The names a ported program needs next to these, so one import is enough.
export {
  BrokenExecutorError,
  CancelledError,
  InvalidStateError,
  ShutdownError,
  TimeoutError,
  WorkerCrashedError,
  type Task,
} from '@concurrent/future'
export {
  currentSignal,
  currentToken,
  DataCloneError,
  InlineTaskError,
  TaskNotFoundError,
  taskModule,
  type TaskModule,
  type TaskRef,
} from '@concurrent/worker'
