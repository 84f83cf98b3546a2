/**
 * Ping-pong over a pipe between the main program and a process:
 *
 * ```python
 * def pong(conn):
 *     while (message := conn.recv()) != 'bye':
 *         conn.send(message.replace('ping', 'pong'))
 *     conn.close()
 *
 * parent_conn, child_conn = Pipe()
 * p = Process(target=pong, args=(child_conn,))
 * p.start()
 * for i in range(3):
 *     parent_conn.send(f'ping {i}')
 *     print(parent_conn.recv())
 * parent_conn.send('bye')
 * p.join()
 * ```
 *
 * When the process closes its end, the main program's `recv()` raises `EOFError`, as Python's
 * does.
 */
import { EOFError, Pipe, Process, taskModule } from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const [parentConn, childConn] = Pipe<string>()
const p = new Process({ target: tasks.pong, args: [childConn] })
void p.start()
childConn.close() // the process has its own handle on this end, as after Python's fork

const replies: string[] = []
for (let i = 0; i < 3; i++) {
  await parentConn.send(`ping ${i}`)
  const reply = await parentConn.recv()
  console.log(reply)
  replies.push(reply)
}
await parentConn.send('bye')
await p.join()

const ended = await parentConn.recv().then(
  () => false,
  (error: unknown) => error instanceof EOFError,
)
console.log(ended ? 'the other end closed its connection' : 'the other end is still open')

if (replies.join() !== 'pong 0,pong 1,pong 2' || !ended || p.exitCode !== 0) process.exitCode = 1
