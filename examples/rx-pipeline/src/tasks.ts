/**
 * The image operations, run in worker threads: plain functions over RGBA pixel buffers. Each
 * one returns its output with `transfer()`, so the buffer moves back to the main thread
 * without a copy.
 */
import { transfer } from '@concurrent/executors'

export interface Frame {
  readonly index: number
  readonly width: number
  readonly height: number
  /** RGBA, 4 bytes a pixel, row after row. */
  readonly pixels: Uint8Array
}

/** Halves a frame's width and height, each output pixel the average of a 2×2 block. */
export function downscale(frame: Frame): Frame {
  const width = frame.width >> 1
  const height = frame.height >> 1
  const source = frame.pixels
  const pixels = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const top = (2 * y * frame.width + 2 * x) * 4
      const bottom = top + frame.width * 4
      for (let channel = 0; channel < 4; channel++) {
        const sum =
          (source[top + channel] as number) +
          (source[top + 4 + channel] as number) +
          (source[bottom + channel] as number) +
          (source[bottom + 4 + channel] as number)
        pixels[(y * width + x) * 4 + channel] = sum >> 2
      }
    }
  }
  return transfer({ index: frame.index, width, height, pixels })
}

/** Turns a frame to shades of grey (Rec. 601 luma), in place. */
export function grayscale(frame: Frame): Frame {
  const { pixels } = frame
  for (let i = 0; i < pixels.length; i += 4) {
    const luma =
      (299 * (pixels[i] as number) +
        587 * (pixels[i + 1] as number) +
        114 * (pixels[i + 2] as number)) /
      1000
    pixels[i] = pixels[i + 1] = pixels[i + 2] = Math.round(luma)
  }
  return transfer(frame)
}
