import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterExecutor, taskModule } from '@concurrent/distributed'
import {
  createNetwork,
  killHosts,
  PACKAGE_ROOT,
  startHost,
  type Network,
  type WorkerHost,
} from './helpers/hosts.js'
import { startRedis, type RedisServer } from './helpers/redis-server.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)
let network: Network
let redis: RedisServer
let hosts: WorkerHost[]
const queue = `smoke-${process.pid}`

beforeAll(async () => {
  network = createNetwork(2, 'smoke')
  redis = await startRedis({ bind: network.bind })
  hosts = await Promise.all(
    network.slots.map((slot) => startHost(slot, { redisUrl: redis.url, queue })),
  )
})
afterAll(async () => {
  await killHosts()
  network?.destroy()
  await redis?.stop()
})

describe('smoke', () => {
  it('submit', async () => {
    await using cluster = new ClusterExecutor({
      connection: redis.url(),
      queue,
      root: PACKAGE_ROOT,
    })
    expect(await cluster.submit(tasks.add, 1, 2)).toBe(3)
    const pids = await Promise.all([1, 2, 3, 4, 5, 6].map(() => cluster.submit(tasks.hostPid)))
    console.log(
      pids,
      hosts.map((h) => h.pid),
    )
    let n = 0
    for await (const x of cluster.map(
      tasks.square,
      Array.from({ length: 1000 }, (_, i) => i),
    ))
      n += x
    expect(n).toBe(332833500)
  })
})
