// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export { asCompleted$, type AsCompleted$Options } from './as-completed.js'
export { BufferOverflowError } from './errors.js'
export {
  executeMap,
  executeStarmap,
  type ExecuteMapOptions,
  type MapExecutor,
} from './execute-map.js'
export { fromFuture, type FromFutureOptions } from './from-future.js'
export type { OnUnsubscribe } from './on-unsubscribe.js'
export { progress$, type ProgressReporting } from './progress.js'
export { stream$, type StreamingExecutor } from './stream.js'
