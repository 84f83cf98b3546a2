export {
  registerClass,
  type ClassCodec,
  type Destination,
  type RegisterClassOptions,
} from './class-registry.js'
export { DataCloneError, InlineTaskError, TaskNotFoundError, WorkerStartError } from './errors.js'
export { currentSignal, currentToken, reportProgress } from './task-context.js'
export { isTaskRef, taskModule, type TaskModule, type TaskRef } from './task-module.js'
export { transfer } from './transfer.js'
export type { ResourceLimits } from './internal/transport.js'
