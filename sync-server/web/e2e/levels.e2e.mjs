// Browser test of the levels (issue 18, docs/levels.md) against REAL servers: the demo banner
// (`serve --demo`) and a township station enrolled with `admin add-station`, both jiuzhu-server.
// The township lead signs in at the station with the banner's password; the top bar says it is
// 树林召镇同步站 and when the banner last answered; a change the station cannot forward is refused
// in Chinese; at the banner the same lead sees 旗级系统. Screenshot: docs/screenshots/station-console.png.
// Prints `N passed, M failed` last.
//
//   node e2e/levels.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  KEEP, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot as libShot, until,
  watchedPages, a11y, a11yCounts, consoleSignIn,
} from './lib.mjs'

async function shot(page, name, opts = {}) {
  await a11y(page, name)
  await libShot(page, name, opts)
}

const DEMO_PASSWORD = 'jiuzhu-demo'
const LEAD = '乔志强'
const TOWNSHIP = '树林召镇'
const OPEN_CASE = 'DLT-2026-0001'
const VIEW = { viewport: { width: 1366, height: 768 }, locale: 'zh-CN', ignoreHTTPSErrors: true }

const work = mkdtempSync(join(tmpdir(), 'jiuzhu-levels-e2e-'))
const bannerData = join(work, 'banner')
const stationData = join(work, 'station')
let bins = {}
const servers = []
let browser = null
const admin = (data, ...args) => run(bins['jiuzhu-server'], ['admin', '--data', data, ...args])

async function main() {
  log('levels (banner and township station) browser test')
  bins = await privateBinaries(work, ['jiuzhu-server'])
  const banner = await step('the banner: serve --demo', () => startServer(bins['jiuzhu-server'], bannerData, ['--demo']))
  servers.push(banner)
  const code = await step('admin add-station prints a one-time code', () => admin(bannerData, 'add-station', '--township', TOWNSHIP))
  const station = await step('the station enrolls with it and pins the banner', async () => {
    const s = await startServer(bins['jiuzhu-server'], stationData, [
      '--upstream', banner.url, '--upstream-code', code, '--upstream-fingerprint', banner.fp, '--uplink-every', '1',
    ])
    servers.push(s)
    assert(s.stdout().includes(`township station of ${TOWNSHIP}`), s.stdout())
    return s
  })
  await step('the station holds the township\'s cases after its first rounds', () =>
    until('the demo case at the station', () => admin(stationData, 'list-cases').includes(OPEN_CASE), { timeout: 30_000, every: 500 }),
  )

  browser = await launchChromium()
  const errors = []
  const ctx = await browser.newContext(VIEW)
  const page = await step('the lead signs in at the station with the banner\'s password', async () => {
    const p = await consoleSignIn(ctx, station.url, LEAD, DEMO_PASSWORD)
    watchedPages.add(p)
    p.on('pageerror', (e) => errors.push(String(e)))
    return p
  })
  await step('the top bar says 树林召镇同步站 and that the banner answered', async () => {
    await page.waitForSelector('[data-test=level]')
    const text = await page.innerText('[data-test=level]')
    assert(text.includes(`${TOWNSHIP}同步站`), text)
    const hint = await until('a contact with the banner', async () => {
      const h = (await page.getAttribute('[data-test=level]', 'aria-label')) ?? ''
      return h.includes('上次连接旗级') ? h : (await page.reload(), await page.waitForSelector('[data-test=level]'), null)
    }, { timeout: 20_000, every: 500 })
    assert(hint.includes('只能查看'), hint)
    assert(await page.locator('[data-test=queue-table]', { hasText: OPEN_CASE }).count() === 1, 'the case in the station\'s queue')
    await shot(page, 'station-console')
  })
  await step('a change the station cannot forward is refused, saying where to do it', async () => {
    const r = await page.evaluate(async () => {
      const res = await fetch('/api/console/enroll-codes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: '王建国' }) })
      return { status: res.status, body: await res.json() }
    })
    assert(r.status === 409 && r.body.code === 'station_read_only' && r.body.message.includes('旗级系统'), JSON.stringify(r))
  })
  await step('at the banner the same lead sees 旗级系统', async () => {
    const ctx2 = await browser.newContext(VIEW)
    const p = await consoleSignIn(ctx2, banner.url, LEAD, DEMO_PASSWORD)
    watchedPages.add(p)
    await p.waitForSelector('[data-test=level]')
    const text = await p.innerText('[data-test=level]')
    assert(text.includes('旗级系统'), text)
  })
  await step('no script errors on any page', async () => {
    assert(errors.length === 0, errors.join('\n'))
  })
}

async function finish() {
  try {
    await browser?.close()
  } catch {}
  for (const s of servers) {
    try {
      s.process.kill('SIGTERM')
    } catch {}
  }
  if (!KEEP) rmSync(work, { recursive: true, force: true })
  log(`${counts.passed} passed, ${counts.failed} failed; ${a11yCounts.screens} screens checked for accessibility`)
  process.exit(counts.failed === 0 ? 0 : 1)
}

main()
  .catch((e) => {
    if (!(e instanceof Stop)) {
      counts.failed++
      log(`  ✗ ${String(e?.stack || e)}`)
    }
  })
  .finally(finish)
