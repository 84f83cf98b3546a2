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
