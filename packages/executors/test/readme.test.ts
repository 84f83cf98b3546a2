// The root README's everyday snippet is examples/everyday, shown verbatim: CI runs that example,
// and this test fails the moment the README and the files drift apart.
import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

const root = new URL('../../../', import.meta.url)
const readme = readFileSync(new URL('README.md', root), 'utf8')

/** Each code block the README marks with `<!-- include: path -->` just before its fence. */
const included = [...readme.matchAll(/<!-- include: (\S+) -->\s*```ts\n([\s\S]*?)```\n/g)].map(
  ([, path, code]) => ({ path: path!, code: code! }),
)

describe('README.md', () => {
  it('shows the everyday example, tasks.ts then main.ts', () => {
    expect(included.map(({ path }) => path)).toEqual([
      'examples/everyday/src/tasks.ts',
      'examples/everyday/src/main.ts',
    ])
  })

  it.each(included)('shows $path exactly as the file is', ({ path, code }) => {
    expect(code).toBe(readFileSync(new URL(path, root), 'utf8'))
  })
})
