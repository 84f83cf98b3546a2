/**
 * Tasks that fail. A task throws as any function does; the pool carries the error back to the
 * caller with its name, message, own properties, `cause` chain and the worker's stack.
 */

/** A domain error with data the caller needs: which account, how much it has, how much was asked. */
export class InsufficientFundsError extends Error {
  override readonly name = 'InsufficientFundsError'
  constructor(
    readonly account: string,
    readonly balance: number,
    readonly requested: number,
    options?: ErrorOptions,
  ) {
    super(`account ${account} has ${balance}, cannot withdraw ${requested}`, options)
  }
}

function checkAmount(amount: number): void {
  if (!Number.isInteger(amount) || amount <= 0) {
    throw new RangeError(`Expected \`amount\` to be a positive integer, got \`${amount}\``)
  }
}

/** Withdraws `amount` from a balance, or throws: a `RangeError` wrapped as the cause, or ours. */
export function withdraw(account: string, balance: number, amount: number): number {
  try {
    checkAmount(amount)
  } catch (error) {
    throw new InsufficientFundsError(account, balance, amount, { cause: error })
  }
  if (amount > balance) throw new InsufficientFundsError(account, balance, amount)
  return balance - amount
}

/** A built-in error thrown deep in a worker: it arrives as a real `TypeError`. */
export function parseOrder(text: string): { id: number } {
  const order = JSON.parse(text) as { id?: unknown }
  if (typeof order.id !== 'number') throw new TypeError(`order has no numeric id: ${text}`)
  return { id: order.id }
}
