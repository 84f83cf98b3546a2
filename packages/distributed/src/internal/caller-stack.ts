/**
 * Where a task was submitted, for joining to the stack of its error from the worker, as the
 * pools do. Capturing a stack costs microseconds and keeps frames alive until the task ends,
 * so only the first submissions of one synchronous run capture it (a loop submitting a
 * hundred thousand tasks would otherwise spend its time here).
 */
const STACKS_PER_TURN = 32
const ownFrame =
  /[\\/](?:@concurrent|packages)[\\/](?:future|wait|worker|executors|distributed)[\\/]dist[\\/]/

let capturedThisTurn = 0

/** The caller's stack, formatted on demand without this library's frames; or `undefined`. */
export function captureCaller(): (() => string | undefined) | undefined {
  if (capturedThisTurn === 0) queueMicrotask(reset)
  else if (capturedThisTurn >= STACKS_PER_TURN) return undefined
  capturedThisTurn++
  const site: { stack?: string } = {}
  Error.captureStackTrace(site, captureCaller)
  return () =>
    site.stack
      ?.split('\n')
      .slice(1)
      .filter((line) => !ownFrame.test(line))
      .join('\n')
}

function reset(): void {
  capturedThisTurn = 0
}
