export {
  ClusterExecutor,
  type ClusterExecutorOptions,
  type ClusterTaskExecutor,
  type ClusterTaskOptions,
} from './cluster-executor.js'
export { JobLostError, WorkerLostError } from './errors.js'
export type { ConnectionOptions } from './internal/connection.js'
export type { Backoff } from './internal/options.js'
export { startWorker, type ClusterWorker, type ClusterWorkerOptions } from './start-worker.js'

// The names a task module and its caller need, and the errors the executor raises, so one
// import is enough.
export {
  currentSignal,
  currentToken,
  DataCloneError,
  InlineTaskError,
  isTaskRef,
  reportProgress,
  TaskNotFoundError,
  taskModule,
  type TaskModule,
  type TaskRef,
} from '@concurrent/worker'
export { CancelledError, ShutdownError, TimeoutError } from '@concurrent/future'
export { TaskFuture, type ProgressListener } from '@concurrent/executors'
