export { submitTE } from './submit-te.js'
export { toTaskEither } from './to-task-either.js'
export {
  traverseParallel,
  traverseParallelEither,
  type TraverseParallelOptions,
} from './traverse-parallel.js'
export { waitEither, type FutureEither } from './wait-either.js'
