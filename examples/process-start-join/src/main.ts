/**
 * The seeds' `Process` examples:
 *
 * ```python
 * jobs = []
 * for i in range(5):
 *     p = multiprocessing.Process(target=worker, args=(i,))
 *     jobs.append(p)
 *     p.start()
 * for j in jobs:
 *     j.join()
 *
 * p1 = Process(target=heavy_task, args=("Worker-1",))
 * p2 = Process(target=heavy_task, args=("Worker-2",))
 * p1.start(); p2.start()
 * p1.join(); p2.join()
 * print("Both processes finished")
 * ```
 *
 * No `if __name__ == "__main__":` guard is needed: a worker process imports the task module,
 * never this script.
 */
import { Process, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

console.log(`main program: pid ${process.pid}`)

const jobs: Array<Process<[number]>> = []
for (let i = 0; i < 5; i++) {
  const p = new Process({ target: tasks.worker, args: [i] })
  jobs.push(p)
  void p.start()
}
for (const j of jobs) await j.join()
console.log(`started and joined ${jobs.map((j) => `${j.name} (pid ${j.pid})`).join(', ')}`)

const p1 = new Process({ target: tasks.heavyTask, args: ['Worker-1'] })
const p2 = new Process({ target: tasks.heavyTask, args: ['Worker-2'] })
await Promise.all([p1.start(), p2.start()])
console.log(`${p1.name} is pid ${p1.pid}, ${p2.name} is pid ${p2.pid}`)
await p1.join()
await p2.join()
console.log('Both processes finished')

const all = [...jobs, p1, p2]
const pids = new Set(all.map((p) => p.pid))
if (all.some((p) => p.exitCode !== 0) || pids.has(process.pid) || pids.size !== all.length) {
  console.error('Expected every process to exit with 0, each in a process of its own')
  process.exitCode = 1
}
