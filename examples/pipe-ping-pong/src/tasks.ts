/** The other end of the ping-pong. */
import type { Connection } from '@concurrent/multiprocessing'

/** Answers every `ping n` with `pong n` until `bye`, then closes its end. */
export async function pong(connection: Connection<string>): Promise<void> {
  for (;;) {
    const message = await connection.recv()
    if (message === 'bye') break
    await connection.send(message.replace('ping', 'pong'))
  }
  connection.close()
}
