export { CancelToken } from './cancel-token.js'
export { CancelledError } from './errors.js'
export { anySignal, deadline, LinkedAbortController, raceSignal } from './signals.js'
