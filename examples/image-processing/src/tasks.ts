/**
 * The image task: decode a PNG, turn it to grayscale, shrink it, encode it again. Everything
 * it needs arrives as bytes and leaves as bytes, moved (not copied) in both directions.
 */
import { PNG } from 'pngjs'

import { transfer } from '@concurrent/executors'

/** What {@link processImage} gives back. */
export interface Processed {
  readonly png: Uint8Array
  readonly width: number
  readonly height: number
}

/**
 * Grayscale and shrink one PNG image to `width` pixels wide (keeping its aspect ratio), with
 * a box filter: each output pixel is the mean of the input pixels it covers.
 */
export function processImage(png: Uint8Array, width: number): Processed {
  const input = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength))
  const scale = input.width / width
  const height = Math.max(1, Math.round(input.height / scale))
  const output = new PNG({ width, height })
  for (let y = 0; y < height; y++) {
    const top = Math.floor(y * scale)
    const bottom = Math.max(top + 1, Math.floor((y + 1) * scale))
    for (let x = 0; x < width; x++) {
      const left = Math.floor(x * scale)
      const right = Math.max(left + 1, Math.floor((x + 1) * scale))
      let sum = 0
      for (let sy = top; sy < bottom && sy < input.height; sy++) {
        for (let sx = left; sx < right && sx < input.width; sx++) {
          const i = (sy * input.width + sx) * 4
          // Rec. 709 luma from the red, green and blue channels.
          sum +=
            0.2126 * (input.data[i] ?? 0) +
            0.7152 * (input.data[i + 1] ?? 0) +
            0.0722 * (input.data[i + 2] ?? 0)
        }
      }
      const gray = Math.round(sum / ((bottom - top) * (right - left)))
      const o = (y * width + x) * 4
      output.data[o] = output.data[o + 1] = output.data[o + 2] = gray
      output.data[o + 3] = 255
    }
  }
  // The encoded bytes move back to the caller instead of being copied.
  return transfer({ png: ownBuffer(PNG.sync.write(output, { colorType: 0 })), width, height })
}

/**
 * `bytes` on an `ArrayBuffer` of their own: a small `Buffer` can be a slice of Node's shared
 * pool, and moving that pool away would break every other buffer on it.
 */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : new Uint8Array(bytes)
}
