/**
 * Every internal name this package takes from the lower packages, in one module: they are not
 * public API there (`@concurrent/future/internal`, `@concurrent/worker/internal`), so a change
 * to them touches this file only.
 */
export {
  checkInteger,
  checkTaskOptions,
  checkTimeout,
  deadlineIn,
  describe,
  mergeTaskOptions,
  setDeadline,
} from '@concurrent/future/internal'
export {
  cachedTask,
  captureCaller,
  checkCloneable,
  decodeError,
  encodeError,
  findUncloneable,
  invoke,
  lookupTask,
  withoutCallerStacks,
  type EncodedError,
  type Invocation,
  type Work,
} from '@concurrent/worker/internal'
