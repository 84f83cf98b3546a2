// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export { AsyncExecutor } from './async-executor.js'
export {
  diagnosticsChannels,
  type ExecutorInfo,
  type ExecutorRuntime,
  type LatencyHistogram,
  type TaskOutcome,
  type TaskTraceContext,
  type WorkerExitMessage,
  type WorkerExitReason,
  type WorkerStartMessage,
} from './diagnostics.js'
export { QueueFullError } from './errors.js'
export type { ExecutorStats } from './internal/execution-core.js'
export {
  type AsyncExecutorOptions,
  type ExecutorOptions,
  type InspectOptions,
  type ProcessPoolExecutorOptions,
  type ThreadPoolExecutorOptions,
  type WorkerPoolOptions,
} from './options.js'
export { PoolExecutor, type StatsOptions, type TaskExecutor } from './pool-executor.js'
export { ProcessPoolExecutor } from './process-pool-executor.js'
export { TaskFuture, type ProgressListener } from './task-future.js'
export { TaskStream } from './task-stream.js'
export { ThreadPoolExecutor } from './thread-pool-executor.js'

// The everyday names, so one import gives a user everything (see ARCHITECTURE.md).
export {
  CancelToken,
  anySignal,
  deadline,
  LinkedAbortController,
  raceSignal,
} from '@concurrent/cancellation'
export {
  AbstractExecutor,
  BrokenExecutorError,
  CancelledError,
  Future,
  InvalidStateError,
  isFuture,
  ShutdownError,
  TimeoutError,
  WorkerCrashedError,
  type CancelOptions,
  type Executor,
  type FutureState,
  type MapOptions,
  type ShutdownOptions,
  type ChunkResult,
  type Task,
  type TaskOptions,
  type WaitOptions,
} from '@concurrent/future'
export {
  ALL_COMPLETED,
  asCompleted,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  gather,
  wait,
  type ReturnWhen,
  type WaitResult,
} from '@concurrent/wait'
export {
  currentSignal,
  currentToken,
  DataCloneError,
  InlineTaskError,
  isTaskRef,
  openTelemetryPropagation,
  registerClass,
  reportProgress,
  setContextPropagation,
  TaskNotFoundError,
  taskModule,
  transfer,
  WorkerEntryNotFoundError,
  WorkerStartError,
  type ClassCodec,
  type ContextPropagation,
  type OpenTelemetryApi,
  type RegisterClassOptions,
  type TraceCarrier,
  type TaskModule,
  type TaskRef,
} from '@concurrent/worker'
