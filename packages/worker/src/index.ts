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
