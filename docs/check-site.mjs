// Checks the built documentation site as a reader would, in headless Chromium: it serves
// docs-site/ on 127.0.0.1, opens the home page, the module list, one page per package and every
// guide, and fails on a page that is missing, answers an error, throws in the browser, or
// loads an asset that is not there. Then it follows every internal link on every page of the
// site (the API pages too) and fails on one whose file is missing, or whose #anchor is not on
// the page it points to. It builds nothing: run `pnpm docs` first.
//
// Usage: node docs/check-site.mjs [site folder]        (default: docs-site)
// Chromium: CHROMIUM_PATH, else /usr/bin/chromium (Debian's `chromium` package).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('..', import.meta.url))
const site = resolve(root, process.argv[2] ?? 'docs-site')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const problems = []
const problem = (where, what) => problems.push(`${where}: ${what}`)

if (!existsSync(join(site, 'index.html'))) {
  console.error(`No site at ${relative(root, site) || '.'}/index.html: build it first (pnpm docs).`)
  process.exit(1)
}
if (!existsSync(executablePath)) {
  console.error(
    `No Chromium at ${executablePath}: apt-get install -y chromium, or set CHROMIUM_PATH.`,
  )
  process.exit(1)
}

/** Every file under `dir`, as paths relative to it with forward slashes. */
function files(dir, prefix = '') {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    const rel = prefix + name
    return statSync(path).isDirectory() ? files(path, `${rel}/`) : [rel]
  })
}

// --- What must be there: the packages (one module page each) and the guides (one page each).
const packages = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'src', 'index.ts')))
  .map((dir) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')).name)
const guides = files(join(root, 'docs'))
  .filter((path) => path.endsWith('.md'))
  .map((path) => {
    const text = readFileSync(join(root, 'docs', path), 'utf8')
    const title = /^---\n[\s\S]*?^title:\s*(.+?)\s*$[\s\S]*?^---$/m.exec(text)?.[1]
    if (title === undefined) problem(`docs/${path}`, 'no front-matter title')
    return { path: `docs/${path}`, title: title?.replace(/^(['"])(.*)\1$/, '$2') }
  })
  .filter((guide) => guide.title !== undefined)

// --- A static server, so that a missing file is a real 404 in the browser.
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
}
const server = createServer(async (request, response) => {
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)
  const file = resolve(site, `.${path.endsWith('/') ? `${path}index.html` : path}`)
  if (!file.startsWith(site + sep) || !existsSync(file) || !statSync(file).isFile()) {
    response.writeHead(404).end('not found')
    return
  }
  response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
  response.end(await readFile(file))
})
await new Promise((done) => server.listen(0, '127.0.0.1', done))
const origin = `http://127.0.0.1:${server.address().port}`

const userDataDir = await mkdtemp(join(tmpdir(), 'check-site-'))
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
})

/** Opens `path` (relative to the site) and returns what a reader sees of it. */
async function visit(path) {
  const page = await browser.newPage()
  const where = path
  page.on('pageerror', (error) => problem(where, `script error: ${error.message}`))
  const answered = new Set()
  page.on('response', (response) => {
    if (response.status() < 400) return
    answered.add(response.url())
    problem(where, `${response.status()} for ${response.url()}`)
  })
  page.on('requestfailed', (request) => {
    // A request that answered 404 also "fails" (aborted); it is already reported.
    if (answered.has(request.url())) return
    problem(where, `could not load ${request.url()}: ${request.failure()?.errorText}`)
  })
  try {
    const response = await page.goto(`${origin}/${path}`, { waitUntil: 'load' })
    if (response === null || !response.ok()) {
      problem(where, `the page answered ${response?.status() ?? 'nothing'}`)
      return undefined
    }
    const h1 = (await page.locator('h1').first().textContent())?.trim() ?? ''
    const links = await page.$$eval('a[href]', (anchors) => anchors.map((a) => a.href))
    return { h1, links }
  } finally {
    await page.close()
  }
}

// --- In the browser: home, module list, every package, every guide.
const seen = new Map()
const home = await visit('index.html')
const modules = await visit('modules.html')
for (const [path, page] of [
  ['index.html', home],
  ['modules.html', modules],
]) {
  if (page !== undefined) seen.set(path, page)
}
const linked = new Set(
  [...seen.values()]
    .flatMap((page) => page.links)
    .filter((href) => href.startsWith(`${origin}/`))
    .map((href) => href.slice(origin.length + 1).replace(/#.*$/, '')),
)

for (const name of packages) {
  // TypeDoc names a package's page after it: @concurrent/rx -> modules/_concurrent_rx.html
  const path = `modules/${name.replace(/[^a-zA-Z0-9-]/g, '_')}.html`
  if (!linked.has(path)) problem('modules.html', `no link to ${name} (${path})`)
  const page = await visit(path)
  if (page === undefined) continue
  seen.set(path, page)
  if (!page.h1.includes(name)) problem(path, `its heading is "${page.h1}", not ${name}`)
}

const documents = [...linked].filter((path) => path.startsWith('documents/'))
for (const path of documents) {
  const page = await visit(path)
  if (page !== undefined) seen.set(path, page)
}
const titles = new Set([...seen.values()].map((page) => page.h1))
for (const { path, title } of guides) {
  if (!titles.has(title)) problem(path, `no page titled "${title}" is linked from the home page`)
}

await browser.close()
await rm(userDataDir, { recursive: true, force: true })
await new Promise((done) => server.close(done))

// --- Every internal link on every page of the site: the file exists, the #anchor is on it.
const htmlFiles = files(site).filter((path) => path.endsWith('.html'))
const ids = new Map()
function idsOf(path) {
  if (!ids.has(path)) {
    const html = readFileSync(join(site, path), 'utf8')
    ids.set(path, new Set([...html.matchAll(/\b(?:id|name)="([^"]+)"/g)].map((m) => m[1])))
  }
  return ids.get(path)
}
let checked = 0
for (const from of htmlFiles) {
  const html = readFileSync(join(site, from), 'utf8')
  for (const [, raw] of html.matchAll(/<a\b[^>]*?\bhref="([^"]*)"/g)) {
    const href = raw.replaceAll('&amp;', '&')
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue // external
    checked++
    const target = new URL(href, `http://site/${from}`)
    const path = decodeURIComponent(target.pathname.slice(1)) || 'index.html'
    if (!existsSync(join(site, path)) || !statSync(join(site, path)).isFile()) {
      problem(from, `broken link ${raw} (no ${path})`)
      continue
    }
    const anchor = decodeURIComponent(target.hash.slice(1))
    if (anchor !== '' && path.endsWith('.html') && !idsOf(path).has(anchor)) {
      problem(from, `broken anchor ${raw} (no id "${anchor}" in ${path})`)
    }
  }
}

const uniqueProblems = [...new Set(problems)]
if (uniqueProblems.length > 0) {
  console.error(`The documentation site has ${uniqueProblems.length} problem(s):`)
  for (const line of uniqueProblems) console.error(`  ${line}`)
  process.exit(1)
}
console.log(
  `Site OK: ${seen.size} pages opened in Chromium (home, modules, ${packages.length} packages, ` +
    `${documents.length} guides); ${checked} internal links on ${htmlFiles.length} pages all resolve.`,
)
