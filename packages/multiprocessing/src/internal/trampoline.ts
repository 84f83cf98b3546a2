/**
 * The task module this package runs in workers when a task's arguments hold queues, pipes,
 * locks or shared values (and for every `Process` target): it revives the descriptors the
 * arguments arrived as into working objects, then calls the user's task, found by its spec as
 * the executors find any task. A `Process` target also reports the pid of the worker running
 * it, as progress, before it starts.
 *
 * It is loaded by URL in each worker, like any task module, and never imported by the parent.
 */
import { reportProgress } from '@concurrent/worker'
import { lookupTask, type TaskSpec } from '@concurrent/worker/internal'

import { flushSettles } from './client.js'
import { revive, type HandlePath } from './marshal.js'
import { PID_REPORT } from './pid-report.js'
// Every class whose objects can arrive as arguments: loading its module registers its reviver.
// Named, not imported for effect, so that no tool drops one of them as unused.
import { Barrier } from '../barrier.js'
import { Condition } from '../condition.js'
import { Connection } from '../connection.js'
import { Event } from '../event.js'
import { Lock } from '../lock.js'
import { Queue } from '../queue.js'
import { RLock } from '../rlock.js'
import { BoundedSemaphore, Semaphore } from '../semaphore.js'
import { SharedValue } from '../value.js'

/** The classes whose descriptors {@link call} revives. */
export const revivable = [
  Barrier,
  BoundedSemaphore,
  Condition,
  Connection,
  Event,
  Lock,
  Queue,
  RLock,
  Semaphore,
  SharedValue,
] as const

/**
 * Calls the task `spec` with `args`, the descriptors at `handles` revived; reports this
 * worker's pid first if asked. When the task is over, the items its queues and pipes took are
 * confirmed to their owners before its result leaves.
 */
export async function call(
  spec: TaskSpec,
  args: readonly unknown[],
  handles: readonly HandlePath[],
  reportPid: boolean,
): Promise<unknown> {
  if (reportPid) reportProgress({ [PID_REPORT]: process.pid })
  const fn = await lookupTask(spec)
  try {
    return await fn(...(revive({ value: [...args], handles }) as unknown[]))
  } finally {
    flushSettles()
  }
}
