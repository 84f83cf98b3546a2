// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export { CancelledError } from '@concurrent/cancellation'
export {
  BrokenExecutorError,
  InvalidStateError,
  ShutdownError,
  TimeoutError,
  WorkerCrashedError,
  type WorkerCrashDetails,
} from './errors.js'
export {
  AbstractExecutor,
  DEFAULT_BUFFERSIZE,
  type ChunkResult,
  type Executor,
  type MapOptions,
  type MapResults,
  type ResultChunk,
  type ShutdownOptions,
  type TaskOptions,
} from './executor.js'
export {
  Future,
  isFuture,
  type CancelOptions,
  type DoneCallback,
  type FutureState,
  type InterruptHandler,
  type WaitOptions,
} from './future.js'
export type { Task, TaskReference } from './task.js'
