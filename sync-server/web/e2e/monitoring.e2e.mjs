// Browser test of 主动发现 (issue 15, docs/monitoring.md) against a REAL jiuzhu-server with the
// demo data: the caseworker imports the fictional 民政 roll and a 医保 file with one bad row in the
// console, sees the row error and the one warning, sends a 探访; the lead assigns it, a simulated
// tablet (jiuzhu-tablet) records the six areas offline, seals and syncs; the caseworker sees them
// on the case page and opens an application from the 探访 (依探访代为申请 → the window draft); the
// scheduler (admin schedule-reviews on a fixed date) opens the 定期探访 the bureau sees by village
// with its due day.
// Screenshots: docs/screenshots/monitoring-import.png, monitoring-warnings.png,
// monitoring-visit-case.png, monitoring-visits.png.
// Prints `N passed, M failed` last.
//
//   node e2e/monitoring.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  REPO, KEEP, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot, until, watchedPages,
  consoleSignIn, pick, tabletCli, a11y,
} from './lib.mjs'
import { housePicture } from './png.mjs'

const PASSWORD = 'jiuzhu-demo'
const CASEWORKER = '张海燕'
const BUREAU = '白玉梅'
const LEAD = '乔志强'
const TEAM = ['王建国', '李秀英']
const AREAS = ['basic_living', 'medical', 'education', 'housing', 'employment', 'care']
const VIEW = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', ignoreHTTPSErrors: true }
const work = mkdtempSync(join(tmpdir(), 'jiuzhu-monitoring-e2e-'))
const data = join(work, 'data')
let server = null
let browser = null
let bins = {}
const { tablet, show, signSealSync } = tabletCli(() => bins['jiuzhu-tablet'])

/** The console's JSON API from a signed-in page (its session cookie). */
const call = (page, method, path, body) => page.evaluate(async ([method, path, body]) => {
  const r = await fetch(`/api/console${path}`, {
    method, headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  })
  return [r.status, await r.json()]
}, [method, path, body])

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
  bins = await privateBinaries(work, ['jiuzhu-server', 'jiuzhu-tablet'])
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

  await step('the 探访 on a tablet (six areas, offline), synced; the case page shows them and opens an application', async () => {
    const cw = await consoleSignIn(await browser.newContext(VIEW), server.url, CASEWORKER, PASSWORD)
    watchedPages.add(cw)
    const [, q] = await call(cw, 'GET', '/monitoring/warnings')
    const visit = q.warnings.find((w) => w.visit_case)?.visit_case
    assert(visit, JSON.stringify(q))
    const lead = await consoleSignIn(await browser.newContext(VIEW), server.url, LEAD, PASSWORD)
    watchedPages.add(lead)
    const [s, wf] = await call(lead, 'POST', `/cases/${visit}/workflow`, { action: 'start_investigation', team: TEAM })
    assert(s === 200 && wf.state === 'investigating', JSON.stringify(wf))

    const home = join(work, 'tablet')
    const code = run(bins['jiuzhu-server'], ['admin', '--data', data, 'enroll-code', '--user', TEAM[0]]).trim()
    tablet(home, 'enroll', '--server', server.url, '--code', code, '--fingerprint', server.fp, '--name', '平板-探访')
    tablet(home, 'sync')
    const doc = show(home, visit)
    assert(doc.header.flags.includes('探访'), JSON.stringify(doc.header))
    AREAS.forEach((area, i) => tablet(home, 'set', '--case', visit, `visits.0.needs.${i}`, JSON.stringify({
      area, situation: area === 'medical' ? '户主住院手术后在家休养，需长期服药' : '基本正常',
      need: area === 'medical' ? '医疗救助、慢性病门诊报销' : '', risk: area === 'medical' ? '因病致贫' : '',
    })))
    doc.visits[0].members.forEach((_, m) => tablet(home, 'set', '--case', visit, `visits.0.members.${m}.present`, 'true'))
    const pic = join(work, 'house.png')
    writeFileSync(pic, housePicture())
    tablet(home, 'photo', '--case', visit, '--file', pic, '--caption', '住房正面', '--tag', 'exterior')
    const sig = join(work, 'sig.png')
    writeFileSync(sig, housePicture(120, 40, [20, 20, 20]))
    signSealSync(home, visit, TEAM, sig)

    await cw.goto(`${server.url}/#/cases/${visit}`)
    const table = await cw.waitForSelector('[data-test=visit-needs]')
    const text = await table.innerText()
    assert(['基本生活', '医疗', '教育', '住房', '就业'].every((a) => text.includes(a)) && text.includes('因病致贫'), text)
    await a11y(cw, 'monitoring-visit-case')
    await shot(cw, 'monitoring-visit-case', { fullPage: true })
    await cw.goto(`${server.url}/#/cases/${visit}?tab=workflow`)
    await cw.waitForSelector('[data-test=wf-discovered]')
    await cw.click('[data-test=wf-visit-apply]')
    await cw.waitForURL(/#\/window\/[0-9a-f-]+/)
    const [, q2] = await call(cw, 'GET', '/monitoring/warnings')
    assert(q2.warnings.some((w) => w.visit_case === visit && w.state === 'applied' && w.application_case), JSON.stringify(q2))
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
