/**
 * The seeds' "process a set of images" (`pool.map(process_image, image_paths)`), made real:
 * draw a few PNG images, then grayscale and shrink them on worker threads, moving each file's
 * bytes to the worker with `transfer()` (and the result back the same way) instead of copying.
 * The images land in `out/` beside this example (git-ignored).
 *
 * `--quick` draws fewer, smaller images.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

import { PNG } from 'pngjs'

import {
  ThreadPoolExecutor,
  asCompleted,
  taskModule,
  transfer,
  type Future,
} from '@concurrent/executors'

import { ownBuffer, type Processed } from './tasks.js'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const quick = process.argv.includes('--quick')
const [width, height, count] = quick ? [320, 240, 3] : [1600, 1200, 6]
const thumbnailWidth = quick ? 80 : 400
const out = fileURLToPath(new URL('../out/', import.meta.url))

/** A deterministic picture: colour bands, rings and a checkerboard, varied by `seed`. */
function draw(seed: number): Uint8Array {
  const png = new PNG({ width, height })
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      const ring = Math.hypot(x - width / 2, y - height / 2) / (8 + seed * 4)
      const checker = ((x >> (4 + (seed % 3))) + (y >> (4 + (seed % 3)))) & 1
      png.data[i] = (x * 255) / width
      png.data[i + 1] = 128 + 127 * Math.sin(ring)
      png.data[i + 2] = checker ? 255 - (y * 255) / height : (seed * 40) % 256
      png.data[i + 3] = 255
    }
  }
  return ownBuffer(PNG.sync.write(png))
}

await rm(out, { recursive: true, force: true })
await mkdir(`${out}input`, { recursive: true })
await mkdir(`${out}output`, { recursive: true })
const paths: string[] = []
for (let seed = 1; seed <= count; seed++) {
  const path = `${out}input/image${seed}.png`
  await writeFile(path, draw(seed))
  paths.push(path)
}
console.log(`Drew ${count} images of ${width}x${height} in ${out}input`)

await using pool = new ThreadPoolExecutor()
const jobs = new Map<Future<Processed>, { path: string; bytes: Uint8Array; size: number }>()
for (const path of paths) {
  // A fresh Uint8Array owns its ArrayBuffer, so moving it detaches nothing else.
  const bytes = new Uint8Array(await readFile(path))
  const size = bytes.byteLength
  const future = pool.submit(tasks.processImage, transfer(bytes), thumbnailWidth)
  jobs.set(future, { path, bytes, size })
}

const lines: string[] = []
for await (const done of asCompleted(jobs.keys())) {
  const job = jobs.get(done)
  if (job === undefined) continue
  const { png, width: w, height: h } = await done.result()
  const target = `${out}output/${name(job.path)}`
  await writeFile(target, png)
  const pixels = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength)).data
  const digest = createHash('sha256').update(pixels).digest('hex').slice(0, 12)
  lines.push(
    `${name(job.path)} (${job.size.toLocaleString('en-US')} bytes, moved: ${job.bytes.byteLength} left here)` +
      ` -> output/${name(target)}: ${w}x${h} grayscale, pixels ${digest}`,
  )
}
// Completion order varies from run to run; the report does not.
console.log(lines.sort().join('\n'))
console.log(`Wrote ${lines.length} images to ${out}output`)

function name(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}
