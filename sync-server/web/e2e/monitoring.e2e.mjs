// Browser test of 主动发现 (issue 15, docs/monitoring.md) against a REAL jiuzhu-server with the
// demo data: the caseworker imports the fictional 民政 roll and a 医保 file with one bad row in the
// console, sees the row error and the one warning, sends a 探访; the scheduler (admin
// schedule-reviews on a fixed date) opens the 定期探访 the bureau sees by village with its due day.
// Screenshots: docs/screenshots/monitoring-import.png, monitoring-warnings.png, monitoring-visits.png.
// Prints `N passed, M failed` last.
//
//   node e2e/monitoring.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  REPO, KEEP, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot, until, watchedPages,
  consoleSignIn, pick,
} from './lib.mjs'

const PASSWORD = 'jiuzhu-demo'
const CASEWORKER = '张海燕'
const BUREAU = '白玉梅'
const VIEW = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', ignoreHTTPSErrors: true }
const work = mkdtempSync(join(tmpdir(), 'jiuzhu-monitoring-e2e-'))
const data = join(work, 'data')
let server = null
let browser = null

const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
const medical = join(work, 'medical.csv')
writeFileSync(medical, [
  '身份证号,姓名,就诊机构,结算日期,医疗总费用,个人自付',
  `150621198001010010,测试甲,示例旗人民医院,${today},30000,12000.50`,
  `150621198202020039,测试乙,示例市中心医院,${today},20000,9000`,
  '150621198001010010,测试甲,示例旗人民医院,2026-02-30,100,50',
].join('\n') + '\n')

async function importFile(page, sourceZh, file) {
  await page.click('.el-tabs__item:has-text("数据导入")')
  await pick(page, '[data-test=import-source]', sourceZh)
  await page.setInputFiles('input[data-test=import-file]', file)
  await page.click('[data-test=import-upload]')
  return page.waitForSelector('[data-test=import-summary]')
}

try {
  const bins = await privateBinaries(work, ['jiuzhu-server'])
  server = await step('serve --demo on 127.0.0.1:0', () => startServer(bins['jiuzhu-server'], data, ['--demo']))
  browser = await launchChromium()

  await step('the caseworker imports the roll and a 医保 file: one row error, one warning', async () => {
    const page = await consoleSignIn(await browser.newContext(VIEW), server.url, CASEWORKER, PASSWORD)
    watchedPages.add(page)
    await page.click('[data-test=nav-monitoring]')
    await page.waitForSelector('[data-test=monitoring]')
    await importFile(page, '民政低收入人口名册', join(REPO, 'config', 'monitoring', 'fictional-roll.csv'))
    await until('the roll summary', async () => /4行有效/.test(await page.textContent('[data-test=import-summary]')))
    await importFile(page, '医保自付费用', medical)
    await until('the 医保 summary', async () => /新预警1条/.test(await page.textContent('[data-test=import-summary]')))
    const rows = await page.textContent('[data-test=import-rows]')
    assert(rows.includes('第4行') && rows.includes('结算日期'), rows)
    await shot(page, 'monitoring-import', { fullPage: true })

    await page.click('.el-tabs__item:has-text("预警处理")')
    await page.waitForSelector('[data-test=warning-visit]')
    const text = await page.textContent('[data-test=warnings]')
    assert(text.includes('大额医疗自付') && text.includes('21000.50元'), text)
    await shot(page, 'monitoring-warnings', { fullPage: true })
    await page.click('[data-test=warning-visit]')
    await until('the warning sent to a visit', async () => (await page.textContent('[data-test=warnings]')).includes('已派探访'))
  })

  await step('定期探访 on a fixed date: the bureau sees it by village, overdue', async () => {
    const out = JSON.parse(run(bins['jiuzhu-server'], ['admin', '--data', data, 'schedule-reviews', '--today', '2026-02-10']))
    assert(out.visits.length >= 1, JSON.stringify(out))
    const page = await consoleSignIn(await browser.newContext(VIEW), server.url, BUREAU, PASSWORD)
    watchedPages.add(page)
    await page.goto(`${server.url}/#/monitoring`)
    await page.click('.el-tabs__item:has-text("定期探访")')
    await page.waitForSelector('[data-test=visit-overdue]')
    const text = await page.textContent('[data-test=visits]')
    assert(text.includes('另一村') && text.includes('2026-03-01') && text.includes('独居'), text)
    await shot(page, 'monitoring-visits', { fullPage: true })
  })
} catch (e) {
  if (!(e instanceof Stop)) {
    counts.failed++
    log(String(e?.stack || e))
  }
} finally {
  await browser?.close()
  server?.process.kill()
  if (!KEEP) rmSync(work, { recursive: true, force: true })
  log(`${counts.passed} passed, ${counts.failed} failed`)
  process.exitCode = counts.failed ? 1 : 0
}
