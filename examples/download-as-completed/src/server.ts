/**
 * A small HTTP server for the example, on 127.0.0.1 and a free port: `/pages/<name>` answers
 * after a delay set per page, with a body whose size and bytes depend only on the name, so
 * every run prints the same thing; any other path is a 404.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Each page's delay in milliseconds and size in bytes. */
export const pages: Readonly<Record<string, { delay: number; size: number }>> = {
  news: { delay: 100, size: 12_034 },
  docs: { delay: 300, size: 96_501 },
  home: { delay: 700, size: 48_213 },
  about: { delay: 300, size: 3_377 },
  blog: { delay: 200, size: 27_640 },
}

/** A running server; `close()` stops it and drops its connections. */
export interface PageServer {
  readonly origin: string
  close(): Promise<void>
}

export async function startServer(): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    const name = /^\/pages\/([a-z]+)$/.exec(request.url ?? '')?.[1]
    const page = name === undefined ? undefined : pages[name]
    if (name === undefined || page === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const timer = setTimeout(() => {
      const body = Buffer.alloc(page.size, name)
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': page.size })
      response.end(body)
    }, page.delay)
    request.on('close', () => clearTimeout(timer))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
