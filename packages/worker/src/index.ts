// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export {
  DataCloneError,
  InlineTaskError,
  TaskNotFoundError,
  WorkerEntryNotFoundError,
} from './errors.js'
export {
  currentSignal,
  currentToken,
  reportProgress,
  runInTaskContext,
  type TaskContext,
} from './task-context.js'
export {
  checkCloneable,
  findUncloneable,
  taskName,
  taskSpecOf,
  type TaskSpec,
} from './task-spec.js'
export { isTaskRef, taskModule, type TaskModule, type TaskRef } from './task-module.js'
export { transfer, transferListOf } from './transfer.js'
export {
  WorkerBackend,
  type BatchCall,
  type BatchListener,
  type ResourceLimits,
  type RunningBatch,
  type RunningUnit,
  type UnitOutcome,
  type UnitRequest,
  type WorkerBackendOptions,
} from './worker-backend.js'
export { decodeError, encodeError, type EncodedError } from './internal/error-codec.js'
export { invokeTask, lookup as lookupTask, type AnyFunction } from './internal/run.js'
