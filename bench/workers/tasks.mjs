// The bench's task module as pools load it (ESM). The functions live in `cjs/tasks.js`, so that
// poolifier's cluster workers, which cannot wait for an ESM import, run the very same code.
export {
  addOne,
  isPrime,
  isPrimeRange,
  isPrimeList,
  addOneRange,
  sqrtSum,
  factorial,
  square,
  spin,
} from './cjs/tasks.js'
