/**
 * Pipe and Connection: CPython's _TestConnection cases (send/recv, duplex, poll, close and
 * EOF), in one thread and across both kinds of worker.
 */
import { describe, expect, it } from 'vitest'

import {
  BrokenPipeError,
  Connection,
  DataCloneError,
  EOFError,
  InvalidStateError,
  Lock,
  MAX_MESSAGE_BYTES,
  Pipe,
  Pool,
  Process,
  TimeoutError,
  taskModule,
} from '@concurrent/multiprocessing'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

describe('Pipe in one thread', () => {
  it('carries values both ways, in order, as copies', async () => {
    const [left, right] = Pipe<{ n: number } | string>()
    const sent = { n: 1 }
    await left.send(sent)
    await left.send('two')
    await right.send('back')
    sent.n = 99
    expect(await right.recv()).toEqual({ n: 1 })
    expect(await right.recv()).toBe('two')
    expect(await left.recv()).toBe('back')
    expect(left.readable && left.writable && right.readable && right.writable).toBe(true)
  })

  it('with duplex: false, the first end only receives and the second only sends', async () => {
    const [reader, writer] = Pipe<number>({ duplex: false })
    expect([reader.readable, reader.writable, writer.readable, writer.writable]).toEqual([
      true,
      false,
      false,
      true,
    ])
    await writer.send(1)
    expect(await reader.recv()).toBe(1)
    await expect(reader.send(2)).rejects.toThrow(InvalidStateError)
    await expect(writer.recv()).rejects.toThrow(/write-only/)
  })

  it('poll() looks once by default, and waits up to its timeout', async () => {
    const [left, right] = Pipe<string>()
    expect(await right.poll()).toBe(false)
    const started = performance.now()
    expect(await right.poll({ timeout: 50 })).toBe(false)
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    const polling = right.poll({ timeout: Infinity })
    await left.send('now')
    expect(await polling).toBe(true)
    expect(await right.poll()).toBe(true)
    expect(await right.recv()).toBe('now')
  })

  it('recv({ timeout }) raises TimeoutError when nothing comes', async () => {
    const [, right] = Pipe<string>()
    await expect(right.recv({ timeout: 30 })).rejects.toBeInstanceOf(TimeoutError)
  })

  it('after the other end closes, recv() gets what was sent, then EOFError; poll() is true', async () => {
    const [left, right] = Pipe<number>()
    await left.send(1)
    await left.send(2)
    left.close()
    expect(left.closed).toBe(true)
    expect(await right.recv()).toBe(1)
    expect(await right.recv()).toBe(2)
    expect(await right.poll()).toBe(true)
    await expect(right.recv()).rejects.toBeInstanceOf(EOFError)
  })

  it('wakes a waiting recv() with EOFError when the other end closes', async () => {
    const [left, right] = Pipe<number>()
    const waiting = right.recv()
    left.close()
    await expect(waiting).rejects.toBeInstanceOf(EOFError)
  })

  it('send() raises BrokenPipeError once the other end is closed', async () => {
    const [left, right] = Pipe<number>()
    right.close()
    await expect(left.send(1)).rejects.toBeInstanceOf(BrokenPipeError)
  })

  it('a closed handle refuses everything with InvalidStateError; closing again does nothing', async () => {
    const [left] = Pipe<number>()
    left.close()
    left.close()
    await expect(left.send(1)).rejects.toBeInstanceOf(InvalidStateError)
    await expect(left.recv()).rejects.toBeInstanceOf(InvalidStateError)
    await expect(left.poll()).rejects.toBeInstanceOf(InvalidStateError)
  })

  it('closes with `using`, as Python’s `with conn:`', async () => {
    const [left, right] = Pipe<number>()
    {
      using writer = left
      await writer.send(5)
    }
    expect(left.closed).toBe(true)
    expect(await right.recv()).toBe(5)
    await expect(right.recv()).rejects.toBeInstanceOf(EOFError)
  })

  it('a recv() given up by its signal receives nothing', async () => {
    const [left, right] = Pipe<string>()
    const controller = new AbortController()
    const abandoned = right.recv({ signal: controller.signal })
    controller.abort(new Error('gave up'))
    await expect(abandoned).rejects.toThrow('gave up')
    await left.send('kept')
    expect(await right.recv()).toBe('kept')
  })

  it('refuses values that cannot be copied, and locks, with DataCloneError', async () => {
    const [left] = Pipe()
    await expect(left.send(() => 1)).rejects.toBeInstanceOf(DataCloneError)
    await expect(left.send({ lock: new Lock() })).rejects.toThrow(/is a Lock/)
  })

  it('refuses a value over MAX_MESSAGE_BYTES with a RangeError naming the limit, and sends nothing', async () => {
    const [left, right] = Pipe<Uint8Array>()
    await expect(left.send(new Uint8Array(MAX_MESSAGE_BYTES))).rejects.toThrow(
      /^Expected the value sent on the Connection to take at most 64 MiB once serialized \(MAX_MESSAGE_BYTES\)/,
    )
    expect(await right.poll()).toBe(false)
  })

  it('cannot be constructed directly, and validates its options', () => {
    expect(() => new Connection()).toThrow(/Pipe\(\)/)
    expect(() => Pipe({ duplex: 'yes' as never })).toThrow(/`duplex` to be a boolean/)
  })
})

describe.each(['thread', 'process'] as const)('Pipe with %s tasks', (kind) => {
  it('plays ping-pong with a task', async () => {
    const [parent, child] = Pipe<string>()
    const worker = new Process({ target: tasks.pong, args: [child], kind })
    void worker.start()
    for (let i = 1; i <= 3; i++) {
      await parent.send(`ping ${i}`)
      expect(await parent.recv()).toBe(`pong ${i}`)
    }
    await parent.send('bye')
    await worker.join()
    expect(worker.exitCode).toBe(0)
  })

  it('gives EOFError after the values once the task closes its end', async () => {
    const [reader, writer] = Pipe<number>({ duplex: false })
    const worker = new Process({
      target: tasks.sendAll,
      args: [writer, [1, 2, 3], true],
      kind,
    })
    void worker.start()
    // As in Python, the parent closes its own copy of the end it handed over.
    writer.close()
    expect(await receiveAll(reader)).toEqual([1, 2, 3])
    await worker.join()
  })

  it('closes the task’s handle when the task ends, as a process’s descriptors close at exit', async () => {
    const [reader, writer] = Pipe<number>({ duplex: false })
    const worker = new Process({ target: tasks.sendAll, args: [writer, [7], false], kind })
    await worker.start()
    writer.close()
    await worker.join()
    expect(await reader.recv()).toBe(7)
    await expect(reader.recv({ timeout: 5_000 })).rejects.toBeInstanceOf(EOFError)
  })

  it('keeps the end open for the parent’s own handle while the task uses its copy', async () => {
    const [left, right] = Pipe<string>()
    await using pool = new Pool({ processes: 1, kind })
    await left.send('to the task')
    expect(await pool.apply(tasks.recvOnce, [right])).toBe('to the task')
    // The task's copy of `right` is closed; the parent's is not.
    await left.send('to the parent')
    expect(await right.recv()).toBe('to the parent')
  })

  it('leaves the value in the pipe when the receiving task is stopped while it waits', async () => {
    const [left, right] = Pipe<string>()
    const worker = new Process({ target: tasks.recvOnce, args: [right], kind })
    await worker.start()
    await new Promise((resolve) => setTimeout(resolve, 100))
    worker.terminate()
    await worker.join()
    await left.send('still here')
    expect(await right.recv({ timeout: 5_000 })).toBe('still here')
  })
})

async function receiveAll<T>(connection: Connection<T>): Promise<T[]> {
  const values: T[] = []
  for (;;) {
    try {
      values.push(await connection.recv({ timeout: 10_000 }))
    } catch (error) {
      if (error instanceof EOFError) return values
      throw error
    }
  }
}
