/**
 * What the other `@concurrent/*` packages build on, and users need not see: the worker
 * backend, the description of a call, the error codec and the task runtime. Imported as
 * `@concurrent/worker/internal`; no part of it is a public API.
 *
 * @packageDocumentation
 */
export {
  hasCodecs,
  isInstance,
  markClass,
  registeredClass,
  registeredClassOf,
  type RegisteredClass,
} from './class-registry.js'
export type {
  AnyFunction,
  Call,
  CallListener,
  CallOutcome,
  PreparedCall,
  Runner,
  RunningCall,
} from './internal/call.js'
export { checkCloneable, findUncloneable } from './internal/cloneable.js'
export { injectContext, runInContext } from './context-propagation.js'
export { decodeError, encodeError, type EncodedError } from './internal/error-codec.js'
export {
  decodeValue,
  encodeValue,
  isHandleList,
  loadCodecs,
  sharedMemoryReason,
  type Encoded,
  type HandlePath,
} from './internal/marshal.js'
export {
  CALLER_STACKS_PER_TURN,
  captureCaller,
  prepareCall,
  prepareChunk,
  prepareInitializer,
  taskSpecOf,
  withoutCallerStacks,
  type Runtime,
} from './internal/prepare.js'
export type { TaskSpec } from './internal/protocol.js'
export {
  cachedTask,
  invoke,
  lookup as lookupTask,
  type Invocation,
  type Work,
} from './internal/run.js'
export { atTaskEnd, runInTaskContext, type TaskContext } from './task-context.js'
export { transferListOf } from './transfer.js'
export {
  MAX_START_FAILURES,
  WorkerBackend,
  type Initializer,
  type WorkerBackendOptions,
  type WorkerExitReason,
  type WorkerObserver,
} from './worker-backend.js'
