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

// The names a task module and its caller need, so one import is enough.
export {
  currentSignal,
  currentToken,
  isTaskRef,
  reportProgress,
  taskModule,
  type TaskModule,
  type TaskRef,
} from '@concurrent/worker'
export { TaskFuture, type ProgressListener } from '@concurrent/executors'
