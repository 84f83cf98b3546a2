/**
 * The Redis connection both sides share: a URL or ioredis options, checked once, handed to
 * BullMQ as it is (auth and TLS pass through untouched) and used for this package's own two
 * needs that BullMQ does not cover — the cancel channel (publish on the client, subscribe on
 * workers) and a few reads of the event stream. Also the Redis key names this package derives
 * from BullMQ's.
 */
import type { ConnectionOptions as BullConnectionOptions } from 'bullmq'
import { Redis, type RedisOptions } from 'ioredis'

import { describe } from './internals.js'

/**
 * Where Redis is: a URL (`redis://user:password@host:6379/0`, `rediss://…` for TLS), or
 * ioredis options (`host`, `port`, `username`, `password`, `db`, `tls`, …), passed to BullMQ
 * and ioredis as they are.
 *
 * @example
 * ```ts
 * import type { ConnectionOptions } from '@concurrent/distributed'
 *
 * const local: ConnectionOptions = 'redis://127.0.0.1:6379'
 * const managed: ConnectionOptions = {
 *   host: 'redis.internal',
 *   port: 6380,
 *   username: 'worker',
 *   password: process.env.REDIS_PASSWORD,
 *   tls: { servername: 'redis.internal' },
 * }
 * ```
 * @category Executors
 */
export type ConnectionOptions = string | RedisOptions

/** A checked connection. */
export interface Connection {
  /** What BullMQ's `connection` option gets. */
  readonly bullmq: BullConnectionOptions
  /** The server, for messages, without credentials. */
  readonly display: string
  /** A new ioredis client to the same server. */
  client(extra?: RedisOptions): Redis
}

/**
 * Checks `value` and returns the connection it describes.
 *
 * @throws TypeError for anything but a `redis:`/`rediss:` URL or an options object.
 */
export function connectionOf(value: unknown): Connection {
  if (typeof value === 'string') {
    let url: URL | undefined
    try {
      url = new URL(value)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
      throw new TypeError(
        `Expected \`connection\` to be a Redis URL (redis://host:6379, or rediss:// for TLS) or ioredis options, got ${describe(redact(value))}`,
      )
    }
    const display = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`
    return {
      bullmq: { url: value },
      display,
      client: (extra = {}) => new Redis(value, extra),
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `Expected \`connection\` to be a Redis URL (redis://host:6379, or rediss:// for TLS) or ioredis options, got ${describe(value)}`,
    )
  }
  const options = value as RedisOptions
  const display =
    options.path !== undefined
      ? `unix:${options.path}`
      : `${options.tls === undefined ? 'redis' : 'rediss'}://${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`
  return {
    // ioredis's own option types are narrower than BullMQ's index signature admits.
    bullmq: { ...options } as BullConnectionOptions,
    display,
    client: (extra = {}) => new Redis({ ...options, ...extra }),
  }
}

/** A URL with its password hidden, for messages. */
function redact(text: string): string {
  return text.replace(/\/\/([^@/]*):([^@/]*)@/, '//$1:***@')
}

/** The Redis keys and channel of a queue, as BullMQ names them (`prefix:queue:…`). */
export interface QueueKeys {
  /** BullMQ's event stream of the queue. */
  readonly events: string
  /** This package's cancel channel: a job id published here interrupts that job's task. */
  readonly cancel: string
}

/** The keys of `queue` under BullMQ's `prefix`. */
export function keysOf(prefix: string, queue: string): QueueKeys {
  return {
    events: `${prefix}:${queue}:events`,
    cancel: `${prefix}:${queue}:concurrent:cancel`,
  }
}
