// A plain `worker_threads` worker with no pool library: the floor for what two threads can do
// with the same chunks. Receives `{ id, name, arg }`, answers `{ id, value }`.
import { parentPort } from 'node:worker_threads'

import * as tasks from './tasks.mjs'

parentPort.on('message', ({ id, name, arg }) => {
  parentPort.postMessage({ id, value: tasks[name](arg) })
})
