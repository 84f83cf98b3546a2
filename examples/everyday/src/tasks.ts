// tasks.ts — a plain module, no framework imports needed
import { createHash } from 'node:crypto'

export function isPrime(n: number): boolean {
  if (n < 2) return false
  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false
  return true
}

export async function fetchAndHash(url: string): Promise<string> {
  const response = await fetch(url)
  const body = new Uint8Array(await response.arrayBuffer())
  return createHash('sha256').update(body).digest('hex')
}
