/**
 * Problems with Redis that no single task owns (a dropped connection, a refused one, a failed
 * background removal) are reported as process warnings, once per message per half minute:
 * ioredis reconnects on its own, and a restart of Redis must not flood the log.
 */
const QUIET_FOR = 30_000
const lastReported = new Map<string, number>()

/** Emits `error` as a warning naming `where`, unless the same message was reported lately. */
export function reportProblem(error: Error, where: string): void {
  const message = `${where}: ${error.message}`
  const now = Date.now()
  const last = lastReported.get(message)
  if (last !== undefined && now - last < QUIET_FOR) return
  if (lastReported.size > 100) lastReported.clear()
  lastReported.set(message, now)
  process.emitWarning(message, { type: 'ConcurrentDistributedWarning', detail: error.stack })
}
