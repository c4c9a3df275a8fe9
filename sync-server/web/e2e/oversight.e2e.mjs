// Browser test of the dashboards and monthly reports (issue 14, docs/oversight.md) against a REAL
// jiuzhu-server: the demo data (树林召镇) plus cases of two more townships added with the admin
// command line, some of them carried to 在保 / 不予确认 / 停发 with a decided amount, and one made
// overdue (the fixture writes those flows in the database: the workflow's own path to 在保 is
// workflow.e2e.mjs's subject). The township lead sees only their township; the bureau sees the
// three side by side; every figure checked is read independently from the database or the queue
// API, never written down here. A figure opens the queue filtered to the same count; the Excel
// export and the payment list's PDF are downloaded and read. Screenshots:
// docs/screenshots/dashboard-township.png, dashboard-bureau.png, payment-list.png.
// Prints `N passed, M failed` last.
//
//   node e2e/oversight.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  HERE, KEEP, SCREENSHOTS, SHOTS, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot,
  until, watchedPages, consoleSignIn,
} from './lib.mjs'

const DEMO_PASSWORD = 'jiuzhu-demo'
const LEAD = '乔志强'
const BUREAU = '白玉梅'
const CASEWORKER = '张海燕'
const HOME = '树林召镇'
const OTHERS = ['王爱召镇', '白泥井镇']
const LEAD_B = '高建军'
const VIEW = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', ignoreHTTPSErrors: true, acceptDownloads: true }

const work = mkdtempSync(join(tmpdir(), 'jiuzhu-oversight-e2e-'))
const data = join(work, 'data')
const DB = join(data, 'jiuzhu.sqlite')
let bins = {}
let server = null
let browser = null
const admin = (...args) => run(bins['jiuzhu-server'], ['admin', '--data', data, ...args])
const sql = (q) => run('sqlite3', ['-cmd', '.timeout 10000', DB, q])
const sqlJson = (q) => {
  const out = run('sqlite3', ['-cmd', '.timeout 10000', '-json', DB, q])
  return out ? JSON.parse(out) : []
}

// ---------------------------------------------------------------- months in China (UTC+8)
const china = new Date(Date.now() + 8 * 3600_000)
const monthOf = (y, m) => {
  const d = new Date(Date.UTC(y, m, 1))
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}
const Y = china.getUTCFullYear()
const M = china.getUTCMonth()
const THIS = monthOf(Y, M)
const LAST = monthOf(Y, M - 1)
const EARLY = monthOf(Y, M - 5)
const day = (month, d) => `${month}-${String(d).padStart(2, '0')}`
/** A unix time on the 10th of `month`, noon in China. */
const at = (month) => Math.floor(Date.parse(`${day(month, 10)}T04:00:00Z`) / 1000)

// ---------------------------------------------------------------- synthetic households
/** A valid ID number (GB 11643 check character) for a synthetic person. */
function idNumber(n) {
  const stem = `150621${1960 + (n % 40)}${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}${String(100 + n).slice(-3)}`
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...stem].reduce((s, c, i) => s + Number(c) * w[i], 0)
  return stem + '10X98765432'[sum % 11]
}
let person = 0
function caseFile(no, township, village, caseType, name, size, bank) {
  const members = Array.from({ length: size }, (_, i) => ({
    name: i === 0 ? name : `${name.slice(0, 1)}${['小', '大', '二'][i % 3]}${i}`,
    relation: i === 0 ? '本人' : '家庭成员',
    id_number: idNumber(++person),
  }))
  const doc = {
    header: { case_no: no, case_type: caseType, applicant_name: name, applicant_id_number: members[0].id_number, township, village },
    declared: { members, income: [{ category: 'business', item: '种植玉米', amount_fen: 600_000, period_months: 12 }] },
    visits: bank ? [{ id: `${no}-v`, household: { bank_name: '内蒙古农村信用社', bank_account_holder: name, bank_account_no: bank } }] : [],
  }
  const file = join(work, `${no}.json`)
  writeFileSync(file, JSON.stringify(doc))
  return admin('add-case', '--file', file).split(/\s+/).pop()
}

/**
 * The households of the test, and what the fixture makes of each: `decision` [amount, start month,
 * decision month], `state` and the day it was entered.
 */
const HOUSEHOLDS = [
  { no: 'SLZ-01', t: HOME, v: '王爱召嘎查', type: 'rural_dibao', name: '苏和', size: 3, bank: '6228480019800101111', state: 'active', decision: [52000, LAST, LAST] },
  { no: 'SLZ-02', t: HOME, v: '新华社区', type: 'urban_dibao', name: '刘玉珍', size: 2, bank: '6228480019800102222', state: 'active', decision: [38000, THIS, THIS] },
  { no: 'SLZ-03', t: HOME, v: '树林召村', type: 'tekun', name: '韩成', size: 1, state: 'rejected', entered: day(LAST, 20) },
  { no: 'WAZ-01', t: OTHERS[0], v: '王爱召村', type: 'rural_dibao', name: '乌云其其格', size: 4, bank: '6228480019800103333', state: 'active', decision: [61000, EARLY, EARLY] },
  { no: 'WAZ-02', t: OTHERS[0], v: '昭君社区', type: 'tekun', name: '郝永福', size: 1, bank: '6228480019800104444', state: 'active', decision: [95000, LAST, LAST] },
  { no: 'WAZ-03', t: OTHERS[0], v: '王爱召村', type: 'temporary', name: '贺兰英', size: 3, bank: '6228480019800105555', state: 'active', decision: [200000, THIS, THIS] },
  { no: 'WAZ-04', t: OTHERS[0], v: '王爱召村', type: 'rural_dibao', name: '张福来', size: 2, bank: '6228480019800106666', state: 'stopped', decision: [45000, EARLY, EARLY], entered: day(THIS, 1) },
  { no: 'WAZ-05', t: OTHERS[0], v: '王爱召村', type: 'rural_dibao', name: '李春梅', size: 3, team: ['巴图', '其其格'] },
  { no: 'WAZ-06', t: OTHERS[0], v: '王爱召村', type: 'rural_dibao', name: '赵金花', size: 2, team: ['巴图', '其其格'], overdue: true },
  { no: 'BNJ-01', t: OTHERS[1], v: '白泥井村', type: 'rural_dibao', name: '高润生', size: 5 },
  { no: 'BNJ-02', t: OTHERS[1], v: '白泥井村', type: 'tekun', name: '王秀梅', size: 1, team: ['孟和', '图雅'] },
]

/** Carry a case's flow where the fixture wants it (the queue's summary of it is dropped by the store). */
function setFlow(id, h) {
  const sets = []
  if (h.state) sets.push(`'$.state', '${h.state}'`, `'$.entered', '${h.entered ?? day(h.decision?.[2] ?? THIS, 10)}'`)
  if (h.decision) {
    const [amount, start, decided] = h.decision
    sets.push(`'$.facts.decision', json('${JSON.stringify({ amount_fen: amount, start_month: start, by: BUREAU, at: at(decided) })}')`)
  }
  // Investigating for 90 days: past every working-day limit.
  if (h.overdue) sets.push(`'$.entered', '${day(monthOf(Y, M - 3), 1)}'`, `'$.accepted', '${day(monthOf(Y, M - 3), 1)}'`)
  if (sets.length) sql(`UPDATE items SET body = json_set(body, ${sets.join(', ')}) WHERE kind = 'flow' AND id = '${id}'`)
}

// ---------------------------------------------------------------- figures from the database
/** Every case the queue lists (a document's projection) with its flow, straight from the store. */
function dbCases() {
  return sqlJson(`SELECT v.township, v.village, v.applicant, i.body FROM case_view v JOIN items i ON i.kind = 'flow' AND i.id = v.case_id`)
    .map((r) => ({ ...r, flow: JSON.parse(r.body) }))
}
const people = (f) => (f.application ? f.application.members.length : f.facts.declared_people.length)
/** The rule of docs/oversight.md: paid for `month`. */
function paidIn(f, month) {
  const d = f.facts.decision
  if (!d || f.kind !== 'application') return null
  const decided = ['approved', 'published', 'active'].includes(f.state)
  const monthly = ['dibao', 'tekun'].includes(f.programme)
  const paid = monthly
    ? d.start_month <= month && (decided || (f.state === 'stopped' && f.entered.slice(0, 7) > month))
    : d.start_month === month && (decided || f.state === 'stopped')
  return paid ? d.amount_fen : null
}
function expected(township) {
  const cs = dbCases().filter((c) => !township || c.township === township)
  const byState = {}
  for (const c of cs) byState[c.flow.state] = (byState[c.flow.state] ?? 0) + 1
  const monthly = cs.filter((c) => ['dibao', 'tekun'].includes(c.flow.programme) && paidIn(c.flow, THIS) !== null)
  const paid = cs.filter((c) => paidIn(c.flow, THIS) !== null)
  return {
    cases: cs.length,
    byState,
    households: monthly.length,
    people: monthly.reduce((s, c) => s + people(c.flow), 0),
    paid,
    spendingFen: paid.reduce((s, c) => s + paidIn(c.flow, THIS), 0),
  }
}

// ---------------------------------------------------------------- the browser
const api = (page, path) => page.evaluate(async (p) => {
  const r = await fetch(p)
  const text = await r.text()
  let body = null
  try { body = JSON.parse(text) } catch { body = text }
  return { status: r.status, body, type: r.headers.get('content-type') }
}, path)
/** Download `path` through the page's session to `file`. */
/** Every chart on the page has drawn its current figures (ECharts' `finished`). */
async function chartsDrawn(page) {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.dash-canvas')].every((e) => e.getAttribute('data-drawn') === '1'))
}

async function download(page, path, file) {
  const b64 = await page.evaluate(async (p) => {
    const r = await fetch(p)
    if (!r.ok) throw new Error(`${p}: ${r.status}`)
    const bytes = new Uint8Array(await r.arrayBuffer())
    let s = ''
    for (const b of bytes) s += String.fromCharCode(b)
    return btoa(s)
  }, path)
  writeFileSync(file, Buffer.from(b64, 'base64'))
  return file
}
const figure = (page, key, row, col) => page.getAttribute(`[data-test=table-${key}] [data-row="${row}"][data-col="${col}"]`, 'data-value')
const queueRows = (page) => page.locator('[data-test=queue-table] .el-table__body tr').count()
async function openDashboard(page) {
  await page.click('[data-test=nav-dashboard]')
  await page.waitForSelector('[data-test=kpis]')
  await page.waitForSelector('[data-test=chart-states] canvas')
}

async function main() {
  log('oversight browser test (dashboards, payment list, monthly statistics)')
  bins = await privateBinaries(work, ['jiuzhu-server'])
  server = await step('serve --demo on 127.0.0.1:0', () => startServer(bins['jiuzhu-server'], data, ['--demo']))
  const { url } = server
  log(`    ${url}`)

  await step('two more townships: a lead, investigators and cases (admin command line)', () => {
    admin('add-user', '--name', LEAD_B, '--role', 'lead', '--township', OTHERS[0], '--password', DEMO_PASSWORD)
    for (const [name, t] of [['巴图', OTHERS[0]], ['其其格', OTHERS[0]], ['孟和', OTHERS[1]], ['图雅', OTHERS[1]]]) {
      admin('add-user', '--name', name, '--role', 'investigator', '--township', t)
    }
    for (const h of HOUSEHOLDS) {
      const id = caseFile(h.no, h.t, h.v, h.type, h.name, h.size, h.bank)
      if (h.team) admin('assign', '--case', id, '--users', h.team.join(','))
      setFlow(id, h)
    }
    const towns = sqlJson(`SELECT DISTINCT township FROM case_view ORDER BY township`).map((r) => r.township)
    assert(towns.length === 3, `three townships: ${towns}`)
  })

  browser = await launchChromium()
  const errors = []
  const watch = (page) => {
    watchedPages.add(page)
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e}`))
  }

  await step('the server serves this checkout\'s console', async () => {
    const local = readFileSync(join(HERE, '..', 'dist', 'index.html'), 'utf8')
    const res = await (await browser.newContext(VIEW)).request.get(`${url}/`)
    assert(res.status() === 200 && (await res.text()) === local, 'served / differs from dist/index.html (run vite build)')
  })

  // ---------------------------------------------------------------- the township lead
  const lead = await step('the township lead opens the dashboard: their township only, figures as in the database', async () => {
    const page = await consoleSignIn(await browser.newContext(VIEW), url, LEAD, DEMO_PASSWORD)
    watch(page)
    await openDashboard(page)
    const want = expected(HOME)
    const kpi = async (k) => Number(await page.getAttribute(`[data-test=kpi-${k}]`, 'data-value'))
    assert(await kpi('cases') === want.cases, `cases ${await kpi('cases')} ≠ ${want.cases}`)
    assert(await kpi('households') === want.households, `households ${await kpi('households')} ≠ ${want.households}`)
    const spending = await page.getAttribute('[data-test=kpi-spending]', 'data-value')
    assert(spending === (want.spendingFen / 100).toFixed(2), `spending ${spending} ≠ ${want.spendingFen}`)
    const cols = await page.locator('[data-test=table-states] thead th').allTextContents()
    assert(cols.filter(Boolean).join() === HOME, `one column, the lead's township: ${cols}`)
    const d = (await api(page, '/api/console/dashboard')).body
    for (const [state, n] of Object.entries(want.byState)) {
      const v = await figure(page, 'states', d.state_labels[state], HOME)
      assert(Number(v) === n, `${state}: ${v} ≠ ${n}`)
    }
    await chartsDrawn(page)
    await shot(page, 'dashboard-township', { fullPage: true })
    return page
  })

  await step('a figure opens the queue filtered to the same cases', async () => {
    const d = (await api(lead, '/api/console/dashboard')).body
    const label = d.state_labels.investigating
    const n = Number(await figure(lead, 'states', label, HOME))
    assert(n > 0, 'the demo cases are under investigation')
    await lead.click(`[data-test=table-states] a[data-row="${label}"][data-col="${HOME}"]`)
    await lead.waitForSelector('[data-test=linked-filters]')
    await until(`${n} rows in the queue`, async () => (await queueRows(lead)) === n)
    const states = await lead.locator('[data-test=row-state]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))
    assert(states.every((s) => s === 'investigating'), `only investigating rows: ${states}`)
  })

  await step('the lead cannot read another township\'s dashboard or payment list', async () => {
    for (const p of [`/api/console/dashboard?township=${encodeURIComponent(OTHERS[0])}`,
      `/api/console/reports/payments.pdf?township=${encodeURIComponent(OTHERS[0])}`,
      `/api/console/reports/statistics?township=${encodeURIComponent(OTHERS[0])}`]) {
      const r = await api(lead, p)
      assert(r.status === 404, `${p}: ${r.status}`)
    }
    const own = await api(lead, '/api/console/reports/payments')
    assert(own.status === 200 && own.body.rows.every((r) => r.township === HOME), 'the own list holds only the own township')
  })

  await step('a caseworker has no dashboard and is refused its figures', async () => {
    const page = await consoleSignIn(await browser.newContext(VIEW), url, CASEWORKER, DEMO_PASSWORD)
    watch(page)
    assert(await page.locator('[data-test=nav-dashboard]').count() === 0, 'no menu entry')
    for (const p of ['/api/console/dashboard', '/api/console/reports/payments.xlsx', '/api/console/reports/statistics']) {
      const r = await api(page, p)
      assert(r.status === 403, `${p}: ${r.status}`)
    }
    await page.context().close()
  })

  // ---------------------------------------------------------------- the bureau
  const bureau = await step('the bureau sees the three townships side by side, figures as in the database', async () => {
    const page = await consoleSignIn(await browser.newContext(VIEW), url, BUREAU, DEMO_PASSWORD)
    watch(page)
    await openDashboard(page)
    const d = (await api(page, '/api/console/dashboard')).body
    const cols = (await page.locator('[data-test=table-states] thead th').allTextContents()).filter(Boolean)
    assert(JSON.stringify(cols) === JSON.stringify([...[HOME, ...OTHERS].sort(), '合计']), `columns ${cols}`)
    for (const t of [HOME, ...OTHERS]) {
      const want = expected(t)
      for (const [state, n] of Object.entries(want.byState)) {
        const v = await figure(page, 'states', d.state_labels[state], t)
        assert(Number(v) === n, `${t} ${state}: ${v} ≠ ${n}`)
      }
      const h = await figure(page, 'payments', '在保户数', t)
      assert(Number(h) === want.households, `${t} households ${h} ≠ ${want.households}`)
      const p = await figure(page, 'payments', '在保人数', t)
      assert(Number(p) === want.people, `${t} people ${p} ≠ ${want.people}`)
    }
    const all = expected(null)
    assert(Number(await page.getAttribute('[data-test=kpi-cases]', 'data-value')) === all.cases, 'all cases')
    const spending = await page.getAttribute('[data-test=kpi-spending]', 'data-value')
    assert(spending === (all.spendingFen / 100).toFixed(2), `spending ${spending} ≠ ${all.spendingFen}`)
    await chartsDrawn(page)
    await shot(page, 'dashboard-bureau', { fullPage: true })
    return page
  })

  await step('the overdue figure agrees with the queue and opens it', async () => {
    const overdue = Number(await bureau.getAttribute('[data-test=kpi-overdue]', 'data-value'))
    const q = (await api(bureau, '/api/console/cases?overdue=1')).body
    assert(overdue >= 1 && overdue === q.cases.length, `overdue ${overdue}, queue ${q.cases.length}`)
    await bureau.click('[data-test=kpi-overdue]')
    await until(`${overdue} overdue rows`, async () => (await queueRows(bureau)) === overdue)
    await bureau.click('[data-test=nav-dashboard]')
    await bureau.waitForSelector('[data-test=kpis]')
  })

  await step('a programme figure opens the queue with that programme\'s cases', async () => {
    const label = '特困人员救助供养'
    const t = OTHERS[1]
    const n = Number(await figure(bureau, 'programmes', label, t))
    const want = dbCases().filter((c) => c.township === t && c.flow.programme === 'tekun').length
    assert(n === want && n > 0, `${n} ≠ ${want}`)
    await bureau.click(`[data-test=table-programmes] a[data-row="${label}"][data-col="${t}"]`)
    await until(`${n} rows`, async () => (await queueRows(bureau)) === n)
    await bureau.click('[data-test=nav-dashboard]')
    await bureau.waitForSelector('[data-test=kpis]')
  })

  await step('the dashboard\'s Excel holds a sheet per chart with every township', async () => {
    const file = await download(bureau, '/api/console/dashboard.xlsx', join(work, 'dashboard.xlsx'))
    const sheets = run('unzip', ['-Z1', file]).split('\n').filter((f) => /^xl\/worksheets\/sheet\d+\.xml$/.test(f))
    assert(sheets.length === 8, `8 sheets: ${sheets}`)
    const strings = run('unzip', ['-p', file, 'xl/sharedStrings.xml'])
    for (const t of [HOME, ...OTHERS, '在保户数', '已超期']) assert(strings.includes(t), `${t} in the workbook`)
    const one = await download(bureau, '/api/console/dashboard.xlsx?chart=states', join(work, 'states.xlsx'))
    assert(run('unzip', ['-Z1', one]).split('\n').filter((f) => f.startsWith('xl/worksheets/sheet')).length === 1, 'one chart, one sheet')
  })

  // ---------------------------------------------------------------- the monthly reports
  await step('the payment list of the month: on screen, as Excel and as PDF', async () => {
    await bureau.goto(`${url}/#/reports?month=${THIS}`)
    await bureau.waitForSelector('[data-test=payment-summary]')
    const all = expected(null)
    const households = Number(await bureau.getAttribute('[data-test=payment-summary]', 'data-households'))
    assert(households === all.paid.length, `households ${households} ≠ ${all.paid.length}`)
    const total = await bureau.getAttribute('[data-test=payment-summary]', 'data-total')
    assert(total === (all.spendingFen / 100).toFixed(2), `total ${total}`)
    // The 合计 row of the statistics: every programme's households and money.
    const statH = Number(await bureau.textContent('[data-test=stat-3-0]'))
    assert(statH === all.paid.length, `statistics households ${statH}`)
    const xlsx = await download(bureau, `/api/console/reports/payments.xlsx?month=${THIS}`, join(work, 'payments.xlsx'))
    const strings = run('unzip', ['-p', xlsx, 'xl/sharedStrings.xml'])
    for (const c of all.paid) assert(strings.includes(c.applicant), `${c.applicant} in the Excel list`)
    const pdf = await download(bureau, `/api/console/reports/payments.pdf?month=${THIS}`, join(work, 'payments.pdf'))
    run('pdftoppm', ['-png', '-r', '80', '-f', '1', '-singlefile', pdf, join(SCREENSHOTS ? SHOTS : work, 'payment-list')])
    const text = run('pdftotext', ['-layout', pdf, '-']).replace(/\s+/g, '')
    assert(text.includes('社会救助资金发放花名册'), 'the title')
    for (const c of all.paid) assert(text.includes(c.applicant), `${c.applicant} in the PDF`)
    assert(text.includes(`${all.paid.length}户`) && text.includes((all.spendingFen / 100).toFixed(2)), 'the totals')
    // The bureau sees account numbers masked, as it sees ID numbers.
    assert(!text.includes('6228480019800101111') && text.includes('6228***********1111'), 'masked account numbers')
  })

  await step('a bad month is refused with a clear message', async () => {
    for (const m of ['2026-13', '2026-1', 'abc']) {
      const r = await api(bureau, `/api/console/reports/statistics?month=${m}`)
      assert(r.status === 400 && r.body.message.includes('月份'), `${m}: ${r.status} ${JSON.stringify(r.body)}`)
    }
    await bureau.goto(`${url}/#/reports?month=2026-13`)
    await bureau.waitForSelector('[data-test=report-error]')
  })

  await step('the township lead of the second township sees only theirs', async () => {
    const page = await consoleSignIn(await browser.newContext(VIEW), url, LEAD_B, DEMO_PASSWORD)
    watch(page)
    await openDashboard(page)
    const want = expected(OTHERS[0])
    const n = Number(await page.getAttribute('[data-test=kpi-households]', 'data-value'))
    assert(n === want.households, `households ${n} ≠ ${want.households}`)
    const r = await api(page, `/api/console/reports/payments?township=${encodeURIComponent(HOME)}`)
    assert(r.status === 404, `another township's list: ${r.status}`)
    await page.context().close()
  })

  await step('no page errors', () => assert(errors.length === 0, errors.join('\n')))
}

try {
  await main()
} catch (e) {
  if (!(e instanceof Stop)) {
    counts.failed++
    log(`FAIL ${e.stack || e}`)
  }
} finally {
  await browser?.close().catch(() => {})
  server?.process.kill()
  if (!KEEP) rmSync(work, { recursive: true, force: true })
  else log(`kept ${work}`)
  log(`${counts.passed} passed, ${counts.failed} failed`)
  process.exit(counts.failed ? 1 : 0)
}
