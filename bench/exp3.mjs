import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Queue, QueueEvents } from 'bullmq'
import { ClusterExecutor } from '@concurrent/distributed'
import { tasks } from './dist/lib/tasks.js'
const url = 'redis://127.0.0.1:16399'
const redisPid = Number(readFileSync('/tmp/dist-scratch/r.pid', 'utf8'))
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10 } // ms
const selfCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
function start(args) { const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] }); return new Promise(r => c.stdout.on('data', d => { if (String(d).includes('taking tasks')) r(c) })) }
const N = 5000
const stamp = Date.now()
const rawHost = await start(['workers/raw-bullmq-worker.mjs', url, 'raw' + stamp, '2'])
const ourHost = await start(['node_modules/@concurrent/distributed/dist/bin/concurrent-worker.js', '--connection', url, '--queue', 'ours' + stamp, '--root', process.cwd(), '--concurrency', '2'])
// raw client
const queue = new Queue('raw' + stamp, { connection: { url }, streams: { events: { maxLen: 100000 } } }); const events = new QueueEvents('raw' + stamp, { connection: { url } })
const waiting = new Map(); events.on('completed', ({ jobId, returnvalue }) => { waiting.get(jobId)?.(returnvalue); waiting.delete(jobId) })
let n = 0; const call = (x) => { const jobId = 'r' + n++; const p = new Promise(r => waiting.set(jobId, r)); return queue.add('addOne', { args: [x] }, { jobId }).then(() => p) }
await events.waitUntilReady(); await new Promise(r => setTimeout(r, 300))
const cluster = new ClusterExecutor({ connection: url, queue: 'ours' + stamp, root: process.cwd() })
for (let round = 0; round < 3; round++) {
  for (const [name, host, fn] of [['raw', rawHost, (i) => call(i)], ['ours', ourHost, (i) => cluster.submit(tasks.addOne, i)]]) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => fn(i)))
    const c0 = selfCpu(), h0 = cpu(host.pid), r0 = cpu(redisPid), t0 = performance.now()
    await Promise.all(Array.from({ length: N }, (_, i) => fn(i)))
    const t = performance.now() - t0
    console.log(name, 'µs/task', (t * 1000 / N).toFixed(0), 'cpu µs/task: client', ((selfCpu() - c0) * 1000 / N).toFixed(0), 'host', ((cpu(host.pid) - h0) * 1000 / N).toFixed(0), 'redis', ((cpu(redisPid) - r0) * 1000 / N).toFixed(0))
  }
}
await cluster.shutdown(); await events.close(); await queue.close()
rawHost.kill(); ourHost.kill()
