// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export {
  asCompleted,
  type AsCompletedOptions,
  type CompletedFuture,
  type FutureIterable,
} from './as-completed.js'
export { gather, type FutureValue, type GatherOptions } from './gather.js'
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  wait,
  type ReturnWhen,
  type WaitForOptions,
  type WaitResult,
} from './wait.js'
