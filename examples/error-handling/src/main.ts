/**
 * A task's error, caught in the caller: what crosses from the worker and how to read it.
 * Python keeps the remote traceback as the exception's `__cause__`; here the worker's stack
 * is joined to the stack of the line that submitted the task.
 */
import { ProcessPoolExecutor, ThreadPoolExecutor, taskModule } from '@concurrent/executors'

import type { InsufficientFundsError } from './tasks.js'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

/** Own properties the error arrived with, as one line. */
function fields(error: object): string {
  return JSON.stringify(Object.fromEntries(Object.entries(error)))
}

/**
 * The stack without the library's and Node's frames: the task's frames (from the worker), the
 * line that joins the two stacks, then the frames that submitted the task.
 */
function userFrames(stack: string | undefined): string {
  const here = new URL('..', import.meta.url).pathname
  return (stack ?? '')
    .split('\n')
    .slice(1)
    .filter((line) => line.includes(here) || line.includes('---'))
    .map((line) => line.replace(here, '').replace(/:\d+\)$/, ')'))
    .join('\n')
}

for (const Pool of [ThreadPoolExecutor, ProcessPoolExecutor]) {
  console.log(`--- ${Pool.name}`)
  await using pool = new Pool({ maxWorkers: 1 })

  // 1. A custom error with data: catch it and read its fields.
  try {
    await pool.submit(tasks.withdraw, 'ACC-42', 100, 250)
  } catch (thrown) {
    // Its class lives in the task module; in the caller it is matched by its stable `name`.
    const error = thrown as InsufficientFundsError
    if (error.name === 'InsufficientFundsError') {
      console.log(`${error.name}: ${error.message}`)
      console.log(`  fields: ${fields(error)}`)
      console.log(`  instanceof Error: ${error instanceof Error}`)
      console.log(`  stack, the worker's frames then the caller's (library frames left out):`)
      console.log(userFrames(error.stack))
    }
  }

  // 2. The cause chain: a built-in RangeError thrown first, wrapped by the task.
  const future = pool.submit(tasks.withdraw, 'ACC-42', 100, -5)
  const error = (await future.exception()) as Error
  const cause = error.cause as Error
  console.log(`${error.name} caused by ${cause.name}: ${cause.message}`)
  console.log(`  cause is a real RangeError: ${cause instanceof RangeError}`)

  // 3. A built-in error comes back as its own class.
  try {
    await pool.submit(tasks.parseOrder, '{"id":"seven"}')
  } catch (thrown) {
    console.log(`parseOrder threw a TypeError: ${thrown instanceof TypeError}`)
  }

  // The pool is fine afterwards: errors fail their task, never the worker.
  console.log(
    `withdraw('ACC-42', 100, 30) = ${await pool.submit(tasks.withdraw, 'ACC-42', 100, 30)}`,
  )
}
