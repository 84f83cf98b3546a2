// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export {
  registerClass,
  type ClassCodec,
  type Destination,
  type RegisterClassOptions,
} from './class-registry.js'
export {
  openTelemetryPropagation,
  setContextPropagation,
  type ContextPropagation,
  type OpenTelemetryApi,
  type TraceCarrier,
} from './context-propagation.js'
export {
  DataCloneError,
  InlineTaskError,
  TaskNotFoundError,
  WorkerEntryNotFoundError,
  WorkerStartError,
} from './errors.js'
export { currentSignal, currentToken, reportProgress } from './task-context.js'
export { isTaskRef, taskModule, type TaskModule, type TaskRef } from './task-module.js'
export { transfer } from './transfer.js'
export type { ResourceLimits } from './resource-limits.js'
