// Typechecks every ```ts block of the READMEs and guides against the built packages, as strict
// as the repository's own code, so a reader can paste a snippet and have it compile.
//
// A block is one module, or several: a line `// tasks.ts` (at the top of the block, or after a
// blank line) starts a file of that name, so `main.ts` in the same block, or in a later block of
// the same document, can `import('./tasks.js')`. Two markers, an HTML comment on the line
// before the fence, change what happens to a block:
// - `<!-- include: path -->`: the block shows that file of the repository, and must equal it
//   (any language); the file itself is checked where it lives (examples are typechecked and run
//   by CI), so it is not compiled again here.
// - `<!-- fragment -->`: the block is not a whole program (a signature, a pattern to adapt) and
//   is not compiled. Use it sparingly: a snippet that compiles is a snippet that works.
//
// The snippets are compiled in memory, as if they were files under this package, so that they
// resolve @concurrent/*, rxjs and fp-ts from its dependencies (the workspace's built packages).
//
// Usage: node internal/pack-check/check-doc-snippets.mjs      (after the build)
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

import ts from 'typescript'

import { fail, ok, root } from './lib.mjs'

const documents = [
  'README.md',
  ...readdirSync(join(root, 'packages')).map((dir) => `packages/${dir}/README.md`),
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
].filter((path) => existsSync(join(root, path)))

/** The code blocks of a Markdown text: `{ lang, code, line, marker }` (line: the fence's, 1-based). */
function codeBlocks(markdown) {
  const blocks = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^(```+|~~~+)\s*([\w-]*)/.exec(lines[i])
    if (open === null) continue
    const close = lines.findIndex((line, j) => j > i && line.startsWith(open[1]))
    const end = close === -1 ? lines.length : close
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const comment = /^<!--\s*(include|fragment)(?::\s*(\S+))?\s*-->$/.exec(
      lines[before]?.trim() ?? '',
    )
    blocks.push({
      lang: open[2],
      code: lines.slice(i + 1, end).join('\n') + '\n',
      line: i + 1,
      marker: comment === null ? undefined : { kind: comment[1], path: comment[2] },
    })
    i = end
  }
  return blocks
}

const problems = []
/** Virtual file → where its first line is in the docs. */
const origins = new Map()
const virtualRoot = join(import.meta.dirname, '.doc-snippets')
const files = new Map()
let checked = 0
let fragments = 0
let included = 0

for (const document of documents) {
  const markdown = readFileSync(join(root, document), 'utf8')
  const folder = join(virtualRoot, document.replace(/\.md$/, '').replaceAll('/', '__'))
  for (const block of codeBlocks(markdown)) {
    if (block.marker?.kind === 'include') {
      included++
      const file = join(root, block.marker.path ?? '')
      if (block.marker.path === undefined || !existsSync(file)) {
        problems.push(`${document}:${block.line}: include of a missing file ${block.marker.path}`)
      } else if (readFileSync(file, 'utf8') !== block.code) {
        problems.push(
          `${document}:${block.line}: the block differs from ${block.marker.path}, which it includes: ` +
            'copy the file into the block again',
        )
      }
      continue
    }
    if (block.lang !== 'ts' && block.lang !== 'typescript') continue
    if (block.marker?.kind === 'fragment') {
      fragments++
      continue
    }
    checked++
    // Split at `// name.ts` lines that start a file.
    const lines = block.code.split('\n')
    let name = `block-${block.line}.ts`
    let start = 0
    const flush = (endLine) => {
      const code = lines.slice(start, endLine).join('\n')
      if (code.trim() === '') return
      const path = join(folder, name.replace(/\.m?js$/, '.ts'))
      if (files.has(path)) {
        problems.push(
          `${document}:${block.line + 1 + start}: a second ${name} in ${document}; name it differently`,
        )
        return
      }
      // `export {}` makes every snippet a module, so that top-level await and names stay local.
      files.set(path, `${code}\nexport {}\n`)
      origins.set(path, { document, line: block.line + 1 + start })
    }
    for (let i = 0; i < lines.length; i++) {
      const header = /^\/\/ ([\w.-]+\.(?:ts|mts|js|mjs))(?:[\s:—,(].*)?$/.exec(lines[i])
      if (header !== null && (i === 0 || lines[i - 1].trim() === '')) {
        flush(i)
        name = header[1]
        start = i
      }
    }
    flush(lines.length)
  }
}

const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions
const { options, errors } = ts.convertCompilerOptionsFromJson(
  {
    ...base,
    composite: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    noEmit: true,
    typeRoots: [join(root, 'node_modules/@types')],
  },
  virtualRoot,
)
if (errors.length > 0) fail(ts.formatDiagnostics(errors, formatHost()))
const host = ts.createCompilerHost(options)
const { fileExists, readFile, getSourceFile, directoryExists, realpath } = host
const isVirtualFolder = (path) => path === virtualRoot || path.startsWith(`${virtualRoot}/`)
host.fileExists = (path) => files.has(path) || fileExists.call(host, path)
host.directoryExists = (path) => isVirtualFolder(path) || directoryExists.call(host, path)
host.realpath = (path) => (files.has(path) ? path : realpath.call(host, path))
host.readFile = (path) => files.get(path) ?? readFile.call(host, path)
host.getSourceFile = (path, languageVersion, ...rest) =>
  files.has(path)
    ? ts.createSourceFile(path, files.get(path), languageVersion, true)
    : getSourceFile.call(host, path, languageVersion, ...rest)
const program = ts.createProgram({ rootNames: [...files.keys()], options, host })
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
  const origin = diagnostic.file === undefined ? undefined : origins.get(diagnostic.file.fileName)
  if (origin === undefined) {
    const where =
      diagnostic.file === undefined ? '' : `${relative(root, diagnostic.file.fileName)}: `
    problems.push(`${where}${message}`)
    continue
  }
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
  problems.push(`${origin.document}:${origin.line + line}: ${message}`)
}

if (problems.length > 0) {
  fail(`${problems.length} problem(s) in the code blocks of the docs:\n  ${problems.join('\n  ')}`)
}
ok(
  `${checked} TypeScript blocks of ${documents.length} documents compile (${files.size} files); ` +
    `${included} included files match; ${fragments} marked as fragments`,
)

function formatHost() {
  return {
    getCanonicalFileName: (path) => path,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  }
}
