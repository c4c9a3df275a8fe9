// Browser test of the bureau's spot checks (抽查, docs/workflow.md "Spot checks") against a REAL
// jiuzhu-server: this month's cases made with the admin command line (new 特困 and 低保 in two
// townships), one marked 单独登记备案 by the township lead; the bureau draws in the console with
// the seed left empty (the server makes one and shows it), sees why each case was drawn, records
// an outcome, finds it on the case page; the same seed draws the same cases again; the lead reads
// the township's checks and may not draw. Screenshots: docs/screenshots/spot-checks*.png.
// Prints `N passed, M failed` last.
//
//   node e2e/spotchecks.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  KEEP, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot as libShot,
  watchedPages, a11y, a11yCounts, consoleSignIn,
} from './lib.mjs'

async function shot(page, name, opts = {}) {
  await a11y(page, name)
  await libShot(page, name, opts)
}

const TOWNSHIP = '树林召镇'
const OTHER_TOWNSHIP = '王爱召镇'
const BUREAU = { name: '白玉梅', password: 'bureau-2026-e2e' }
const LEAD = { name: '乔志强', password: 'lead-2026-e2e' }
const NOTE = '入户核实：家中有未申报的轿车一辆，需乡镇整改。'
const VIEW = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', ignoreHTTPSErrors: true }

const work = mkdtempSync(join(tmpdir(), 'jiuzhu-spotchecks-e2e-'))
const data = join(work, 'data')
let bins = {}
let server = null
let browser = null
const admin = (...args) => run(bins['jiuzhu-server'], ['admin', '--data', data, ...args])

function addCase(i, township, caseType) {
  const file = join(work, `case-${i}.json`)
  const name = `申请人${String(i).padStart(2, '0')}`
  writeFileSync(file, JSON.stringify({
    header: { case_no: `CC-E2E-${String(i).padStart(2, '0')}`, case_type: caseType, applicant_name: name, township, village: '王爱召嘎查', deadline: '2026-12-31' },
    declared: { members: [{ name, relation: '本人' }] },
  }))
  return admin('add-case', '--file', file)
}

async function main() {
  log('spot checks (抽查) browser test')
  bins = await privateBinaries(work, ['jiuzhu-server'])
  const cases = await step('admin: the bureau, a lead, 10 cases in 树林召镇 (4 new 特困) and 3 in 王爱召镇', () => {
    admin('add-user', '--name', BUREAU.name, '--role', 'bureau', '--township', TOWNSHIP, '--password', BUREAU.password)
    admin('add-user', '--name', LEAD.name, '--role', 'lead', '--township', TOWNSHIP, '--password', LEAD.password)
    admin('add-user', '--name', '张海燕', '--role', 'caseworker', '--township', TOWNSHIP, '--password', 'caseworker-2026')
    admin('add-user', '--name', '刘芳', '--role', 'caseworker', '--township', OTHER_TOWNSHIP, '--password', 'caseworker-2026')
    const ids = []
    for (let i = 0; i < 10; i++) ids.push(addCase(i, TOWNSHIP, i < 4 ? 'tekun' : 'rural_dibao'))
    for (let i = 10; i < 13; i++) ids.push(addCase(i, OTHER_TOWNSHIP, 'rural_dibao'))
    return ids
  })
  server = await step('serve on 127.0.0.1:0', () => startServer(bins['jiuzhu-server'], data))
  const { url } = server
  browser = await launchChromium()

  const leadCtx = await browser.newContext(VIEW)
  const lead = await consoleSignIn(leadCtx, url, LEAD.name, LEAD.password)
  watchedPages.add(lead)
  const flagged = cases[9]
  await step('the lead marks a 低保 case 单独登记备案 and may not draw', async () => {
    const r = await leadCtx.request.post(`${url}/api/console/cases/${flagged}/flags`, {
      data: { separately_registered: true, reason: '申请人系村委会委员的弟弟' },
    })
    assert(r.status() === 200, `flag: ${r.status()} ${await r.text()}`)
    const month = new Date().toISOString().slice(0, 7)
    const d = await leadCtx.request.post(`${url}/api/console/spot-checks`, { data: { from: month, to: month } })
    assert(d.status() === 403, `a lead's draw: ${d.status()}`)
    assert((await d.json()).message.includes('民政局'), 'a Chinese reason')
  })

  const ctx = await browser.newContext(VIEW)
  const page = await consoleSignIn(ctx, url, BUREAU.name, BUREAU.password)
  watchedPages.add(page)
  const pageErrors = []
  page.on('pageerror', (e) => pageErrors.push(String(e)))

  const seed = await step('the bureau draws with the seed left empty: the server makes one and shows it', async () => {
    await page.click('[data-test=nav-spot-checks]')
    await page.waitForSelector('[data-test=spot-none]')
    await page.click('[data-test=spot-draw-open]')
    await page.waitForSelector('[data-test=spot-draw-dialog] [data-test=spot-seed-input]')
    const rest = page.locator('[data-test=spot-rest] input')
    await rest.fill('20')
    await rest.press('Tab')
    await libShot(page, 'spot-checks-draw')
    await page.click('[data-test=spot-draw-submit]')
    await page.waitForSelector('[data-test=spot-draw] [data-test=spot-tasks] .spot-task')
    const s = (await page.innerText('[data-test=spot-seed]')).trim()
    assert(/^\d{12}$/.test(s), `a generated 12-digit seed: ${s}`)
    assert((await page.getAttribute('[data-test=spot-reproduced]', 'data-ok')) === 'true', 'the record redraws to its sample')
    return s
  })

  await step('why each case was drawn: every 单独登记备案, 30% of 4 new 特困 (2), 20% of 8 others (2)', async () => {
    const reasons = await page.locator('[data-test=spot-reason]').evaluateAll((els) => els.map((e) => e.dataset.reason))
    const n = (r) => reasons.filter((x) => x === r).length
    assert(n('separately_registered') === 1 && n('tekun_new') === 2 && n('random') === 2, `reasons: ${reasons}`)
    const pop = await page.innerText('[data-test=spot-population]')
    assert(pop.includes('单独登记备案 1 件') && pop.includes('特困新增 4 件') && pop.includes('共 13 件'), pop)
  })

  await step('the bureau records 不属实，需整改 with a note on the 单独登记备案 case', async () => {
    const row = page.locator('.spot-task', { has: page.locator('[data-reason=separately_registered]') })
    await row.locator('[data-test=spot-record]').click()
    await page.waitForSelector('[data-test=spot-outcome-dialog] [data-test=spot-note]')
    await page.click('[data-test=spot-finding-needs_correction]')
    await page.fill('[data-test=spot-outcome-dialog] textarea[data-test=spot-note], [data-test=spot-outcome-dialog] [data-test=spot-note] textarea', NOTE)
    await page.click('[data-test=spot-outcome-submit]')
    await row.locator('[data-test=spot-finding][data-finding=needs_correction]').waitFor()
    assert((await row.innerText()).includes(NOTE), 'the note beside the outcome')
    assert((await row.locator('[data-test=spot-reopen]').count()) === 1, 'a done check offers only 重新打开')
    await shot(page, 'spot-checks', { fullPage: true })
  })

  await step('the case page shows the check and its outcome', async () => {
    const row = page.locator('.spot-task', { has: page.locator('[data-reason=separately_registered]') })
    await row.locator('[data-test=spot-case]').click()
    await page.click('[data-test=tab-workflow]')
    await page.waitForSelector('[data-test=spot-panel] [data-test=spot-panel-finding][data-finding=needs_correction]')
    const panel = page.locator('[data-test=spot-panel]')
    await panel.scrollIntoViewIfNeeded()
    await libShot(page, 'spot-checks-case-panel', { clip: await panel.boundingBox() })
  })

  await step('the same seed over the same cases draws the same cases', async () => {
    const all = (await (await ctx.request.get(`${url}/api/console/spot-checks`)).json()).draws
    const first = all[0]
    const again = await ctx.request.post(`${url}/api/console/spot-checks`, {
      data: { from: first.from, to: first.to, townships: [], tekun_percent: 30, rest_percent: 20, seed },
    })
    assert(again.status() === 200, `draw again: ${again.status()}`)
    const ids = (d) => d.tasks.map((t) => t.case_id).sort().join(',')
    assert(ids(await again.json()) === ids(first), 'the same sample')
  })

  await step('the lead reads the township\'s checks, read-only', async () => {
    await lead.click('[data-test=nav-spot-checks]')
    await lead.waitForSelector('[data-test=spot-draw] .spot-task')
    assert((await lead.locator('[data-test=spot-draw-open]').count()) === 0, 'no draw button')
    assert((await lead.locator('[data-test=spot-record], [data-test=spot-reopen]').count()) === 0, 'no outcome buttons')
    const towns = await lead.locator('.spot-task').allInnerTexts()
    assert(towns.length > 0 && towns.every((t) => t.includes(TOWNSHIP) && !t.includes(OTHER_TOWNSHIP)), `only 树林召镇: ${towns}`)
  })

  await step('no script errors on the pages', () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'))
  })
}

try {
  await main()
} catch (e) {
  if (!(e instanceof Stop)) {
    counts.failed++
    log(`  ✗ ${String(e?.stack || e)}`)
  }
} finally {
  await browser?.close().catch(() => {})
  if (server && server.process.exitCode === null) {
    server.process.removeAllListeners('exit')
    server.process.kill('SIGTERM')
  }
  if (!KEEP) rmSync(work, { recursive: true, force: true })
  else log(`kept ${work}`)
}
log(`${counts.passed} passed, ${counts.failed} failed; ${a11yCounts.screens} screens checked for accessibility`)
process.exit(counts.failed ? 1 : 0)
