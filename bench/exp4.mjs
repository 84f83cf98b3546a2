import { spawn } from 'node:child_process'
import { ClusterExecutor } from '@concurrent/distributed'
import { tasks } from './dist/lib/tasks.js'
const url = 'redis://127.0.0.1:16399'
const stamp = Date.now()
const host = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/dist-scratch/prof', 'node_modules/@concurrent/distributed/dist/bin/concurrent-worker.js', '--connection', url, '--queue', 'ours' + stamp, '--root', process.cwd(), '--concurrency', '2'], { stdio: ['ignore', 'pipe', 'inherit'] })
await new Promise(r => host.stdout.on('data', d => { if (String(d).includes('taking tasks')) r() }))
const cluster = new ClusterExecutor({ connection: url, queue: 'ours' + stamp, root: process.cwd() })
for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 5000 }, (_, i) => cluster.submit(tasks.addOne, i)))
await cluster.shutdown()
host.kill('SIGINT')
await new Promise(r => host.on('exit', r))
