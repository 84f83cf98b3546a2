/**
 * The batch's work, run in worker threads: validating raw orders and pricing valid ones. Plain
 * functions that throw on bad input; `@concurrent/fp` turns those throws into values.
 */

export interface RawOrder {
  readonly id: number
  readonly email: string
  readonly sku: string
  readonly quantity: number
}

export interface Order {
  readonly id: number
  readonly email: string
  readonly sku: string
  readonly quantity: number
}

export interface PricedOrder {
  readonly id: number
  /** In cents. */
  readonly total: number
}

/** An order that breaks a rule; `field` says which. It reaches the caller with its fields. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError'
  readonly field: string

  constructor(message: string, field: string) {
    super(message)
    this.field = field
  }
}

/** An order for a product that is no longer sold. */
export class DiscontinuedError extends Error {
  override readonly name = 'DiscontinuedError'
  readonly sku: string

  constructor(sku: string) {
    super(`${sku} is discontinued`)
    this.sku = sku
  }
}

export function validate(raw: RawOrder): Order {
  if (!/^[^@\s]+@[^@\s]+\.[a-z]+$/.test(raw.email)) {
    throw new ValidationError(
      `order ${raw.id}: invalid email ${JSON.stringify(raw.email)}`,
      'email',
    )
  }
  if (!/^[A-Z]{3}-\d{3}$/.test(raw.sku)) {
    throw new ValidationError(`order ${raw.id}: invalid sku ${JSON.stringify(raw.sku)}`, 'sku')
  }
  if (!Number.isInteger(raw.quantity) || raw.quantity < 1 || raw.quantity > 100) {
    throw new ValidationError(`order ${raw.id}: quantity ${raw.quantity} not in 1..100`, 'quantity')
  }
  return { ...raw, email: raw.email.toLowerCase() }
}

/** Prices an order: a deliberately CPU-bound unit price, derived from the sku. */
export function price(order: Order): PricedOrder {
  if (order.sku.startsWith('OLD-')) throw new DiscontinuedError(order.sku)
  let unit = 0
  for (let round = 0; round < 20_000; round++) {
    unit = (unit * 31 + order.sku.charCodeAt(round % order.sku.length)) % 9_973
  }
  return { id: order.id, total: (unit + 100) * order.quantity }
}
