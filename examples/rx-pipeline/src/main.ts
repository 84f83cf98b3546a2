/**
 * An RxJS pipeline over worker threads: a stream of generated RGBA frames is downscaled and
 * turned grey, each step on the pool, with the pixel buffers moved between threads instead of
 * copied. Then an endless stream is cut short with `take()`, which stops the work in flight.
 *
 * Run it with `pnpm start` in this folder.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { taskModule, ThreadPoolExecutor, transfer } from '@concurrent/executors'
import { executeMap } from '@concurrent/rx'
import { interval, lastValueFrom, map, reduce, take, tap } from 'rxjs'

import type { Frame } from './tasks.js'

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url))

const FRAMES = 40
const WIDTH = 320
const HEIGHT = 240

/** A frame of a moving colour gradient: the same pixels for the same index, every run. */
function makeFrame(index: number): Frame {
  const pixels = new Uint8Array(WIDTH * HEIGHT * 4)
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 4
      pixels[i] = (x + index * 4) & 255
      pixels[i + 1] = (y + index * 2) & 255
      pixels[i + 2] = (x ^ y) & 255
      pixels[i + 3] = 255
    }
  }
  return { index, width: WIDTH, height: HEIGHT, pixels }
}

/** FNV-1a over the bytes, to show that every run produces the same pixels. */
function checksum(hash: number, bytes: Uint8Array): number {
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0
  return hash
}

await using pool = new ThreadPoolExecutor({ maxWorkers: 2 })
const sent: Uint8Array[] = []

// A "camera" pushing a frame every millisecond. RxJS cannot slow it down, so executeMap holds
// at most 4 frames in flight and at most 64 waiting; ordered (the default), frames come out in
// the order they went in.
const summary = await lastValueFrom(
  interval(1).pipe(
    take(FRAMES),
    map(makeFrame),
    tap((frame) => sent.push(frame.pixels)),
    map((frame) => transfer(frame)), // move the pixels to the worker, no copy
    executeMap(pool, tasks.downscale, { concurrency: 4, buffersize: 64 }),
    executeMap(pool, tasks.grayscale, { concurrency: 4 }),
    reduce(
      (acc, frame: Frame) => ({
        frames: acc.frames + 1,
        inOrder: acc.inOrder && frame.index === acc.frames,
        size: `${frame.width}x${frame.height}`,
        hash: checksum(acc.hash, frame.pixels),
      }),
      { frames: 0, inOrder: true, size: '', hash: 2166136261 },
    ),
  ),
)

console.log(`processed ${summary.frames} frames of ${WIDTH}x${HEIGHT} into ${summary.size}`)
console.log(`in order: ${summary.inOrder}; checksum ${summary.hash.toString(16).padStart(8, '0')}`)
const moved = sent.every((pixels) => pixels.byteLength === 0)
console.log(`source buffers moved to the workers, not copied: ${moved}`)

// An endless stream, cut short: take() unsubscribes, which cancels the queued frames and
// interrupts the running ones, so the pool is idle right after.
const firstThree = await lastValueFrom(
  interval(1).pipe(
    map(makeFrame),
    map((frame) => transfer(frame)),
    executeMap(pool, tasks.downscale, { concurrency: 2, buffersize: 8, overflow: 'drop-oldest' }),
    take(3),
    reduce((count) => count + 1, 0),
  ),
)
console.log(`endless stream: took ${firstThree} frames, then unsubscribed`)
// A frame already in a worker stops at once (or its worker is replaced after `gracePeriod`).
while (pool.stats().running > 0) await sleep(5)
console.log(`pool idle again: ${pool.stats().queued} queued, ${pool.stats().running} running`)
