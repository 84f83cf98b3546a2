#!/usr/bin/env node
// Fails when an exported name in the TypeDoc JSON (docs-site/api.json) has no @example:
// Every name reachable from an index.ts carries one complete example (see ARCHITECTURE.md).
import { readFileSync } from 'node:fs'

const file = process.argv[2] ?? 'docs-site/api.json'
const api = JSON.parse(readFileSync(file, 'utf8'))

const comments = (reflection) => [
  reflection.comment,
  ...(reflection.signatures ?? []).map((signature) => signature.comment),
  reflection.getSignature?.comment,
]
const hasExample = (reflection) =>
  comments(reflection).some((comment) => comment?.blockTags?.some((tag) => tag.tag === '@example'))

const missing = []
for (const pkg of api.children ?? []) {
  for (const reflection of pkg.children ?? []) {
    if (!hasExample(reflection)) missing.push(`${pkg.name}: ${reflection.name}`)
  }
}
if (missing.length > 0) {
  console.error(`${missing.length} exported names have no @example:\n  ${missing.join('\n  ')}`)
  process.exit(1)
}
console.log(`every exported name of ${api.children?.length ?? 0} packages has an @example`)
