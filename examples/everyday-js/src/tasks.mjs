// tasks.mjs — a plain module, no framework imports needed
/** @param {number} n */
export function isPrime(n) {
  if (n < 2) return false
  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false
  return true
}
