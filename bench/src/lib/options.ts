/** The command line every scenario script shares: `--quick` and the number of rounds. */
import { availableParallelism } from 'node:os'

export interface BenchOptions {
  /** The much smaller version CI runs. */
  readonly quick: boolean
  /** Rounds thrown away before measuring. */
  readonly warmup: number
  /** Measured rounds (at least 5 in a full run). */
  readonly rounds: number
  /** Workers per pool: 2, as in the reference figures. */
  readonly workers: number
}

export function parseOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const quick = argv.includes('--quick')
  // A quick run (CI's) proves that every scenario and every contender still works: one round,
  // no warm-up, small inputs. Its figures mean little.
  const rounds = Number(valueOf(argv, '--rounds') ?? (quick ? 1 : 5))
  const warmup = Number(valueOf(argv, '--warmup') ?? (quick ? 0 : 1))
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(`Expected \`--rounds\` to be an integer from 1 and up, got ${rounds}`)
  }
  return { quick, rounds, warmup, workers: 2 }
}

function valueOf(argv: readonly string[], name: string): string | undefined {
  const inline = argv.find((arg) => arg.startsWith(`${name}=`))
  if (inline !== undefined) return inline.slice(name.length + 1)
  const index = argv.indexOf(name)
  return index === -1 ? undefined : argv[index + 1]
}

/** Cores the bench can use. */
export const cores = availableParallelism()
