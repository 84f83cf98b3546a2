/**
 * The task module this package runs in workers when a task's arguments hold queues, pipes,
 * locks or shared values (and for every `Process` target): it revives the descriptors the
 * arguments arrived as into working objects, then calls the user's task, found by its spec as
 * the executors find any task. A `Process` target also reports the pid of the worker running
 * it, as progress, before it starts.
 *
 * It is loaded by URL in each worker, like any task module, and never imported by the parent.
 */
import { lookupTask, reportProgress, type TaskSpec } from '@concurrent/worker'

import { revive } from './marshal.js'
import { PID_REPORT } from './pid-report.js'
// The modules of every object that can arrive as an argument: loading them registers their
// revivers.
import '../barrier.js'
import '../condition.js'
import '../connection.js'
import '../event.js'
import '../lock.js'
import '../queue.js'
import '../rlock.js'
import '../semaphore.js'
import '../value.js'

/** Calls the task `spec` with `args`, revived; reports this worker's pid first if asked. */
export async function call(
  spec: TaskSpec,
  args: readonly unknown[],
  reportPid: boolean,
): Promise<unknown> {
  if (reportPid) reportProgress({ [PID_REPORT]: process.pid })
  const fn = await lookupTask(spec)
  return fn(...(revive([...args]) as unknown[]))
}
