// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export { submitTE } from './submit-te.js'
export { toTaskEither } from './to-task-either.js'
export {
  traverseParallel,
  traverseParallelEither,
  type TraverseParallelOptions,
} from './traverse-parallel.js'
export { waitEither, type FutureEither } from './wait-either.js'
