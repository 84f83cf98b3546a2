// The libs these declarations use (ErrorOptions, Disposable, AsyncDisposable), for programs
// whose `lib` lacks them: the shipped types need no @types/node (TypeScript 5.2 and later).
/// <reference lib="es2022.error" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
export { CancelToken } from './cancel-token.js'
export { CancelledError } from './errors.js'
export { anySignal, deadline, LinkedAbortController, raceSignal } from './signals.js'
