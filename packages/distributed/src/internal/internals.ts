/**
 * Every internal name this package takes from the lower packages, in one module: they are not
 * public API there (issue 12 moves `@concurrent/worker`'s to `@concurrent/worker/internal`), so
 * a change to them touches this file only.
 */
export {
  checkInteger,
  checkTaskOptions,
  checkTimeout,
  describe,
  mergeTaskOptions,
} from '@concurrent/future'
export {
  checkCloneable,
  decodeError,
  encodeError,
  findUncloneable,
  type EncodedError,
} from '@concurrent/worker/internal'
