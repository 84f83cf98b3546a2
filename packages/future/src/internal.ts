/**
 * What the other `@concurrent/*` packages build on, and users need not see: deadlines, callback
 * error reports, the validation helpers behind every ``Expected … got …`` message, the
 * merging of per-task options, and the one first-in first-out list. Imported as
 * `@concurrent/future/internal`; no part of it is a public API.
 *
 * @packageDocumentation
 */
export { checkTaskOptions, mergeTaskOptions } from './executor.js'
export { deadlineIn, setDeadline } from './internal/deadline.js'
export { Deque } from './internal/deque.js'
export { reportCallbackError } from './internal/report.js'
export { checkInteger, checkSignal, checkTimeout, describe } from './internal/validate.js'
