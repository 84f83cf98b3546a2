/**
 * The messages between the owner of a queue or pipe and its handles: one discriminated union on
 * `type`, imported by both sides. Types only, with no Node types in them, so that the public
 * declarations that mention a pipe's end or an item need no `@types/node`; their framing and
 * checks are in `wire.ts`.
 */
/** Which end of a pipe: the first or the second connection `Pipe()` returned. */
export type End = 0 | 1

/** Why an operation failed on the owner's side; the handle turns it into an error. */
export type Failure =
  | 'empty'
  | 'full'
  | 'eof'
  | 'broken-pipe'
  | 'timeout'
  | 'cancelled'
  | 'unknown-channel'
  /** The owner's thread or process has gone away (set by the client, never sent). */
  | 'gone'

/** An item as it travels and as the owner stores it: see `transport/items.ts`. */
export type Packed = Uint8Array

/** Handle → owner. */
export type Request =
  | {
      readonly type: 'put'
      readonly req: number
      readonly channel: number
      readonly value: Packed
      readonly block: boolean
      readonly timeout: number | undefined
    }
  | {
      readonly type: 'get'
      readonly req: number
      readonly channel: number
      readonly block: boolean
      readonly timeout: number | undefined
    }
  | { readonly type: 'size'; readonly req: number; readonly channel: number }
  | {
      readonly type: 'send'
      readonly req: number
      readonly channel: number
      readonly end: End
      readonly value: Packed
    }
  | {
      readonly type: 'recv'
      readonly req: number
      readonly channel: number
      readonly end: End
      readonly timeout: number | undefined
    }
  | {
      readonly type: 'poll'
      readonly req: number
      readonly channel: number
      readonly end: End
      readonly timeout: number | undefined
    }
  /** One-way: a put on a queue without a `maxsize`, which never waits, so needs no answer. */
  | { readonly type: 'push'; readonly channel: number; readonly value: Packed }
  /**
   * One-way: what the handle did with the value a `get` or `recv` (request `req`) took: kept
   * it, or — the call had been given up meanwhile — handed it back, to go back in front.
   */
  | { readonly type: 'settle'; readonly req: number; readonly keep: boolean }
  /** One-way: a new handle on `end` exists (it was passed on); `ref` names it. */
  | { readonly type: 'addref'; readonly channel: number; readonly end: End; readonly ref: string }
  /** One-way: the handle `ref` on `end` is closed. */
  | { readonly type: 'release'; readonly channel: number; readonly end: End; readonly ref: string }
  /** Give up request `req` if it is still waiting; its reply then reports `cancelled`. */
  | { readonly type: 'cancel'; readonly req: number }

/** Owner → handle: how request `req` ended. */
export type Reply =
  | { readonly type: 'reply'; readonly req: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly req: number; readonly ok: false; readonly failure: Failure }

/** The type of a request that expects a reply. */
export type CallType = 'put' | 'get' | 'size' | 'send' | 'recv' | 'poll'

type WithoutReq<R> = R extends unknown ? Omit<R, 'req'> : never

/** A request that expects a reply, without the number the client assigns it. */
export type Call = WithoutReq<Extract<Request, { readonly type: CallType }>>
