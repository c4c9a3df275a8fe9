// Browser test of the township review console against a REAL jiuzhu-server: admin CLI set-up,
// two simulated tablets (jiuzhu-tablet) syncing a visit with a photo and a conflicting field, then
// Chromium (playwright-core, Debian's /usr/bin/chromium, headless) signs in, reviews, resolves the
// conflict with a reason (处理冲突值), returns the visit with notes (退回补正), changes a team
// (调整调查组), sees 验收 refused before a visit is sealed, imports 核对 results from a CSV file;
// the tablet syncs and holds the notes and the resolved value. Every one of these moves is a
// workflow action (POST /cases/{id}/workflow). Also: the rules engine's proposal tab (after
// `admin set-rules`), the audit trail tab, gallery thumbnails.
// Screenshots go to docs/screenshots/console-*.png. Prints `N passed, M failed` last.
//
//   node e2e/console.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { housePicture } from './png.mjs'
import {
  HERE, REPO, KEEP, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot as libShot, a11y, a11yCounts, until,
} from './lib.mjs'

const TOWNSHIP = '树林召镇'
const OTHER_TOWNSHIP = '展旦召苏木'
const CASEWORKER = { name: '张海燕', password: 'shulinzhao-2026' }
const OTHER_CASEWORKER = { name: '赵丽', password: 'zhandanzhao-2026' }
const INVESTIGATORS = ['王建国', '李明', '高娃']
const RULES = join(REPO, 'config', 'regions', 'example.toml')
const NOTE = '住房情况两名调查员记录不一致，请再次核实房屋结构并补拍室内照片。'
const GENERAL_NOTE = '另请补充其其格的诊断证明照片。'
const RESOLUTION_REASON = '经电话向户主核实，住房为砖瓦房。'

// ---------------------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'jiuzhu-console-e2e-'))
// The target directory is shared with other checkouts, whose builds replace these binaries (and a
// debug jiuzhu-server serves web/dist of the checkout that built it). Run private copies, taken
// right after our build, and check below that the server serves this checkout's console.
const SERVER = join(work, 'jiuzhu-server')
const TABLET = join(work, 'jiuzhu-tablet')
const data = join(work, 'data')
const admin = (...args) => run(SERVER, ['admin', '--data', data, ...args])
const tablet = (home, ...args) => run(TABLET, ['--home', home, ...args])
const show = (home, id) => JSON.parse(tablet(home, 'show', '--case', id))

let server = null
let browser = null

function caseFile(name, c) {
  const f = join(work, `${name}.json`)
  writeFileSync(f, JSON.stringify(c))
  return f
}

const CASE1 = {
  header: {
    case_no: 'DLT-2026-0001', case_type: 'rural_dibao', applicant_name: '巴特尔', applicant_id_number: '150621198003154512',
    township: TOWNSHIP, village: '王爱召嘎查', address: '王爱召嘎查三社 12 号', deadline: '2026-12-31',
  },
  declared: {
    application_date: '2026-11-02',
    members: [
      { name: '巴特尔', relation: '本人', id_number: '150621198003154512', sex: '男', birth_date: '1980-03-15', ethnicity: '蒙古族',
        health: '健康', work_capacity: '有劳动能力', employment: '务农' },
      { name: '其其格', relation: '配偶', id_number: '150621198207084526', sex: '女', birth_date: '1982-07-08', ethnicity: '蒙古族',
        health: '慢性病', disease: '高血压', work_capacity: '部分丧失劳动能力', employment: '无业' },
      { name: '乌云', relation: '子女', id_number: '150621200805124528', sex: '女', birth_date: '2008-05-12', ethnicity: '蒙古族',
        health: '健康', school_stage: '高中', employment: '在校学生' },
    ],
    income: [
      { category: 'business', item: '养羊', amount_fen: 1_200_000, cost_fen: 300_000, period_months: 12 },
      { category: 'wage', item: '农闲务工', amount_fen: 360_000, period_months: 12 },
    ],
    property: [
      { kind: 'livestock', description: '绵羊', quantity: 80, unit: '只', value_fen: 4_000_000 },
      { kind: 'vehicle', description: '农用三轮车', quantity: 1, unit: '辆', value_fen: 600_000 },
    ],
    expenditures: [{ kind: 'medical', amount_fen: 800_000, period_months: 12, evidence: '门诊票据' }],
  },
}
const CASE2 = {
  header: { case_no: 'DLT-2026-0002', case_type: 'temporary', applicant_name: '巴雅尔', township: TOWNSHIP, village: '王爱召嘎查', deadline: '2027-01-15' },
  declared: { members: [{ name: '巴雅尔', relation: '本人' }] },
}
const CASE3 = {
  header: { case_no: 'DLT-2026-0003', case_type: 'tekun', applicant_name: '高娃', township: TOWNSHIP, village: '新民堡村', deadline: '2026-11-20' },
  declared: { members: [{ name: '高娃', relation: '本人' }] },
}

// Every screen photographed is first checked for accessibility (axe-core: no serious or critical violation).
const shot = async (page, name, opts = {}) => {
  await a11y(page, name)
  await libShot(page, `console-${name}`, opts)
}

async function imagesLoaded(page, selector, timeout = 15_000) {
  await page.waitForFunction(
    (sel) => {
      const imgs = [...document.querySelectorAll(sel)]
      return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0)
    },
    selector,
    { timeout },
  )
}

async function signIn(page, url, who) {
  await page.goto(`${url}/#/login`)
  await page.fill('input[data-test=login-name]', who.name)
  await page.fill('input[data-test=login-password]', who.password)
  await page.click('[data-test=login-submit]')
  await page.waitForSelector('[data-test=queue-table]')
}

async function main() {
  log('console browser test')
  await privateBinaries(work, ['jiuzhu-server', 'jiuzhu-tablet'])

  // ---- data directory: users, cases, assignment ----
  const ids = await step('admin: users, cases, assignment', () => {
    for (const n of INVESTIGATORS) admin('add-user', '--name', n, '--role', 'investigator', '--township', TOWNSHIP)
    admin('add-user', '--name', '苏和', '--role', 'investigator', '--township', OTHER_TOWNSHIP)
    admin('add-user', '--name', CASEWORKER.name, '--role', 'caseworker', '--township', TOWNSHIP, '--password', CASEWORKER.password)
    admin('add-user', '--name', OTHER_CASEWORKER.name, '--role', 'caseworker', '--township', OTHER_TOWNSHIP, '--password', OTHER_CASEWORKER.password)
    const c1 = admin('add-case', '--file', caseFile('c1', CASE1))
    const c2 = admin('add-case', '--file', caseFile('c2', CASE2))
    const c3 = admin('add-case', '--file', caseFile('c3', CASE3))
    admin('assign', '--case', c1, '--users', '王建国,李明')
    admin('assign', '--case', c3, '--users', '李明,高娃')
    return { c1, c2, c3 }
  })
  const ID = ids.c1

  server = await step('serve on 127.0.0.1:0', () => startServer(SERVER, data))
  const { url, fp } = server
  log(`    ${url}  ${fp}`)


  browser = await launchChromium()
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })
  const page = await ctx.newPage()
  const consoleErrors = []
  page.on('pageerror', (e) => consoleErrors.push(String(e)))

  await step('the server serves this checkout\'s built console', async () => {
    const local = readFileSync(join(HERE, '..', 'dist', 'index.html'), 'utf8')
    const res = await ctx.request.get(`${url}/`)
    const served = await res.text()
    assert(res.status() === 200 && served === local,
      `served ${res.status()} index.html differs from dist/index.html (run vite build; was the binary built from another checkout?):\n${served.slice(0, 300)}`)
  })

  await step('sign-in: a wrong password gets the one generic message', async () => {
    await page.goto(`${url}/#/login`)
    await page.waitForSelector('input[data-test=login-name]')
    await page.fill('input[data-test=login-name]', CASEWORKER.name)
    await page.fill('input[data-test=login-password]', 'not-the-password')
    await page.click('[data-test=login-submit]')
    const msg = await page.textContent('[data-test=login-error]')
    assert(msg.includes('用户名或密码错误'), `generic message, got ${msg}`)
    await page.fill('input[data-test=login-name]', '没有这个人')
    await page.fill('input[data-test=login-password]', 'whatever-password')
    await page.click('[data-test=login-submit]')
    await page.waitForTimeout(300)
    const msg2 = await page.textContent('[data-test=login-error]')
    assert(msg2 === msg, `same message for an unknown name: ${msg2}`)
    await shot(page, 'login')
  })

  await step('sign-in: lockout after repeated failures shows the locked message', async () => {
    const who = '锁定测试'
    let last = ''
    for (let i = 0; i < 6; i++) {
      await page.fill('input[data-test=login-name]', who)
      await page.fill('input[data-test=login-password]', `wrong-${i}-password`)
      await page.click('[data-test=login-submit]')
      await page.waitForFunction(() => !document.querySelector('[data-test=login-submit]')?.classList.contains('is-loading'))
      await page.waitForTimeout(150)
      last = await page.textContent('[data-test=login-error]')
    }
    assert(last.includes('锁定'), `locked message after 6 tries, got ${last}`)
  })

  await step('sign-in as the township caseworker; the assigned case is in the queue', async () => {
    await signIn(page, url, CASEWORKER)
    await page.waitForSelector(`[data-test=queue-table] >> text=DLT-2026-0001`)
    const who = await page.textContent('[data-test=who]')
    assert(who.includes(CASEWORKER.name) && who.includes(TOWNSHIP), who)
    const counts = await page.textContent('[data-test=state-counts]')
    assert(counts.includes('调查中') && counts.includes('2'), `counts: ${counts}`)
  })

  // ---- two tablets: a visit with a photo and a conflicting field ----
  const homeA = join(work, 'tablet-a')
  const homeB = join(work, 'tablet-b')
  await step('enroll two tablets and sync the assignment', () => {
    for (const [home, user, name] of [[homeA, '王建国', '平板-01'], [homeB, '李明', '平板-02']]) {
      const code = admin('enroll-code', '--user', user).split(/\s+/).pop()
      tablet(home, 'enroll', '--server', url, '--code', code, '--fingerprint', fp, '--name', name)
      tablet(home, 'sync')
      const cases = JSON.parse(tablet(home, 'cases'))
      assert(JSON.stringify(cases).includes(ID), `${user}'s tablet has the case`)
    }
  })

  const photoFile = join(work, 'house.png')
  const photoFile2 = join(work, 'room.png')
  writeFileSync(photoFile, housePicture())
  writeFileSync(photoFile2, housePicture(480, 360, [215, 200, 170]))

  await step('tablets verify the household, disagree on the housing, take photos, sync', () => {
    const doc = show(homeA, ID)
    const m = doc.declared.members.map((x) => x.id)
    const set = (home, path, value) => tablet(home, 'set', '--case', ID, path, String(value))
    const A = (p, v) => set(homeA, `visits.0.${p}`, v)
    A('members.0.declared_id', m[0]); A('members.0.status', 'present'); A('members.0.present', 'true')
    A('members.0.name.verified', '巴特尔'); A('members.0.name.matches', 'true')
    A('members.0.id_number.verified', '150621198003154521'); A('members.0.id_number.matches', 'false')
    A('members.0.id_number.reason', '申报表身份证号末两位抄反，已核对身份证原件')
    A('members.0.health.verified', '健康'); A('members.0.health.matches', 'true')
    A('members.1.declared_id', m[1]); A('members.1.status', 'present')
    A('members.1.name.verified', '其其格'); A('members.1.name.matches', 'true')
    A('members.1.health.verified', '重病'); A('members.1.health.matches', 'false')
    A('members.1.health.reason', '2026 年 9 月确诊尿毒症，每周透析两次')
    A('members.2.declared_id', m[2]); A('members.2.status', 'present')
    A('members.2.name.verified', '乌云'); A('members.2.name.matches', 'true')
    A('income.0.category', 'business'); A('income.0.item', '养羊'); A('income.0.amount_fen', 1_500_000)
    A('income.0.cost_fen', 300_000); A('income.0.period_months', 12); A('income.0.note', '存栏 95 只，售羊 40 只')
    A('living.food', '一日三餐，以面食为主'); A('living.clothing', '衣着普通')
    A('living.housing_type', 'self_built'); A('living.housing_area_m2', 65)
    A('living.housing', '土坯房')
    // Issue 12: the visit's own record, the household's circumstances, a supporter, self-care.
    A('visited_at', Date.parse('2026-11-20T09:30:00+08:00')); A('opinion', '家庭困难属实，建议纳入。')
    A('household.application_method', 'agent'); A('household.agent_name', '巴图'); A('household.agent_relation', '子')
    A('household.mandate_seen', 'true'); A('household.separated_residence', 'false')
    A('supporters.0.name', '巴图'); A('supporters.0.relation', '子女'); A('supporters.0.household_size', 4)
    A('supporters.0.income_fen_month', 450_000); A('supporters.0.able', 'true'); A('supporters.0.support_paid_fen_month', 30_000)
    for (const k of ['eating', 'dressing', 'bed', 'toilet', 'walking']) A(`members.1.self_care.${k}`, 'false')
    A('members.1.self_care.bathing', 'true'); A('members.1.caregiver', '巴特尔（丈夫）')
    A('income.0.detail.species', '绵羊'); A('income.0.detail.head_count', 95); A('income.0.detail.head_sold', 40)
    A('property.0.kind', 'livestock'); A('property.0.description', '绵羊'); A('property.0.value_fen', 4_500_000)
    A('property.1.kind', 'vehicle'); A('property.1.description', '农用三轮车'); A('property.1.vehicle_type', 'tricycle')
    A('property.1.plate', '蒙K·12345'); A('property.1.usage', 'production')
    tablet(homeA, 'note', '--case', ID, '--text', '家中有透析病人，医疗支出大，羊群规模比申报时多。')
    tablet(homeA, 'photo', '--case', ID, '--file', photoFile, '--caption', '住房正面', '--tag', 'exterior')
    set(homeB, 'visits.0.living.housing', '砖瓦房')
    set(homeB, 'visits.0.living.daily_goods', '电视、冰箱各一台')
    tablet(homeB, 'photo', '--case', ID, '--file', photoFile2, '--caption', '客厅', '--tag', 'interior')
    tablet(homeA, 'sync')
    tablet(homeB, 'sync')
    tablet(homeA, 'sync')
    const exported = JSON.parse(admin('export-case', '--case', ID))
    assert(JSON.stringify(exported.conflicts ?? []).includes('visits.0.living.housing'), 'server sees the conflict')
  })

  await step('the queue updates by itself (version poll): conflicts and photos show', async () => {
    // The page may have polled between a tablet's document and its photo: the photo's arrival
    // moves the version again, and the row follows at the next poll.
    await page.waitForSelector('[data-test=row-conflicts]', { timeout: 15_000 })
    const row = () => page.textContent('.queue-row:has-text("DLT-2026-0001")')
    await until('the row shows the conflict and both photos', async () => {
      const text = await row()
      return text.includes('1 处') && text.includes('2/2')
    }, { timeout: 15_000, every: 500 }).catch(async (e) => { throw new Error(`${e.message}; row: ${await row()}`) })
    await shot(page, 'queue')
  })

  await step('queue filters: has conflicts, village, search, excel link', async () => {
    await page.click('[data-test=filter-conflicts]')
    await page.waitForFunction(() => document.querySelectorAll('.queue-row').length === 1)
    const href = await page.getAttribute('[data-test=export-xlsx]', 'href')
    assert(href === '/api/console/export/queue.xlsx?conflicts=1', href)
    const xlsx = await page.request.get(`${url}${href}`)
    assert(xlsx.status() === 200, `export status ${xlsx.status()}`)
    const body = await xlsx.body()
    assert(body[0] === 0x50 && body[1] === 0x4b, 'xlsx is a zip')
    await page.click('[data-test=filter-conflicts]')
    await page.fill('input[data-test=search]', '高娃')
    await page.waitForFunction(() => document.querySelectorAll('.queue-row').length === 1 && document.querySelector('.queue-row').textContent.includes('高娃'))
    await page.click('[data-test=filter-reset]')
    await page.waitForFunction(() => document.querySelectorAll('.queue-row').length === 3)
  })

  await step('queue at 1366×768', async () => {
    await page.setViewportSize({ width: 1366, height: 768 })
    await page.waitForTimeout(300)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert(overflow <= 0, `no horizontal scrolling at 1366 px (overflow ${overflow})`)
    await shot(page, 'queue-1366')
    await page.setViewportSize({ width: 1920, height: 1080 })
  })

  await step('regional rules: 404 no_rules with a Chinese message until admin set-rules installs them', async () => {
    const before = await page.request.get(`${url}/api/console/cases/${ID}/proposal`)
    const body = await before.json()
    assert(before.status() === 404 && body.code === 'no_rules' && /[\u4e00-\u9fff]/.test(body.message), `before: ${before.status()} ${JSON.stringify(body)}`)
    const out = JSON.parse(admin('set-rules', '--file', RULES))
    assert(typeof out.installed === 'string' && out.installed, `installed: ${JSON.stringify(out)}`)
    const after = await page.request.get(`${url}/api/console/cases/${ID}/proposal`)
    assert(after.status() === 200, `after: ${after.status()}`)
  })

  await step('open the case: differences highlighted, photo thumbnails render', async () => {
    await page.click(`.queue-row:has-text("DLT-2026-0001") .case-link`)
    await page.waitForSelector('[data-test=case-header]')
    await page.locator('[data-test=gallery]').scrollIntoViewIfNeeded() // thumbnails load lazily
    await imagesLoaded(page, 'img[data-test=photo-img]')
    await page.evaluate(() => window.scrollTo(0, 0))
    const n = await page.$$eval('img[data-test=photo-img]', (imgs) => imgs.map((i) => [i.naturalWidth, i.naturalHeight, i.getAttribute('src')]))
    assert(n.length === 2 && n.every(([w, h]) => w > 0 && w <= 320 && h <= 320), `thumbnails ≤ 320 px: ${JSON.stringify(n)}`)
    assert(n.every(([, , src]) => src.endsWith('?thumb=1')), `gallery uses the preview: ${JSON.stringify(n)}`)
    const diffs = await page.$$eval('[data-test=field-diff]', (rows) => rows.map((r) => r.getAttribute('data-field') + ':' + r.textContent))
    assert(diffs.some((d) => d.startsWith('id_number:') && d.includes('已核对身份证原件')), `id_number diff with reason: ${diffs}`)
    assert(diffs.some((d) => d.startsWith('health:') && d.includes('重病')), `health diff: ${diffs}`)
    const income = await page.textContent('[data-test=rows-income]')
    assert(income.includes('15,000.00') && income.includes('与申报不同'), `income diff: ${income}`)
    // The evidence line counts what is there: both photos arrived, nobody has signed yet (the two
    // investigators and the member present must), no online application.
    const ev = await page.$eval('[data-test=evidence]', (e) => [e.dataset.complete, e.dataset.photos, e.dataset.signatures, e.textContent])
    assert(ev[0] === 'false' && ev[1] === '2/2' && ev[2] === '0/3', `evidence: ${ev}`)
    assert(ev[3].includes('照片 2/2') && ev[3].includes('签名 0/3') && /未签名：.*王建国/.test(ev[3]) && /未签名：.*李明/.test(ev[3])
      && /未签名：.*巴特尔/.test(ev[3]) && !ev[3].includes('齐全'), `evidence line: ${ev[3]}`)
    // The visit's new fields with their labels and the vocabulary's words.
    const facts = await page.textContent('[data-test=visit-facts]')
    for (const w of ['调查人员意见', '委托申请', '巴图', '子女', '有赡养（抚养、扶养）能力', '自主吃饭', '部分丧失生活自理能力'])
      assert(facts.includes(w), `visit facts show ${w}: ${facts.slice(0, 600)}`)
    const rowsText = await page.textContent('[data-test=rows-income]')
    assert(rowsText.includes('经营净收入') && rowsText.includes('存栏（头/只）：95'), `income in words and detail: ${rowsText}`)
    const propText = await page.textContent('[data-test=rows-property]')
    assert(propText.includes('牲畜') && propText.includes('号牌：蒙K·12345'), `property in words and detail: ${propText}`)
    await shot(page, 'case-detail', { fullPage: true })
    await shot(page, 'case-detail-top')
  })

  await step('case detail at 1366×768: no horizontal scrolling', async () => {
    await page.setViewportSize({ width: 1366, height: 768 })
    await page.waitForTimeout(300)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert(overflow <= 0, `overflow ${overflow}`)
    await shot(page, 'case-detail-1366')
    await page.setViewportSize({ width: 1920, height: 1080 })
  })

  await step('photo full view with capture time and who took it', async () => {
    await page.click('[data-test=photo] .thumb >> nth=0')
    await page.waitForSelector('.el-dialog .full img')
    await imagesLoaded(page, '.el-dialog .full img')
    const full = await page.$eval('.el-dialog .full img', (i) => [i.naturalWidth, i.getAttribute('src')])
    assert(full[0] > 320 && !full[1].includes('thumb'), `the full view shows the original: ${full}`)
    await page.waitForTimeout(400) // the dialog fades in
    const txt = await page.textContent('.el-dialog .full')
    assert(txt.includes('王建国') || txt.includes('李明'), `photo meta: ${txt}`)
    await shot(page, 'photo')
    await page.keyboard.press('Escape')
    await page.waitForSelector('.el-dialog .full', { state: 'hidden' })
  })

  await step('conflict: both values with who and when; pick one, give the reason, resolve (resolve_conflict)', async () => {
    await page.click('#tab-conflicts')
    const sel = '[data-test=conflict][data-path="visits.0.living.housing"]'
    await page.waitForSelector(sel)
    const text = await page.textContent(sel)
    assert(text.includes('土坯房') && text.includes('砖瓦房'), `both values: ${text}`)
    assert(text.includes('王建国') && text.includes('李明'), `who wrote them: ${text}`)
    assert((await page.getAttribute(sel, 'data-sealed')) === 'false', 'the visit is not sealed: the conflict can be resolved')
    await page.click(`${sel} [data-test=conflict-value]:has-text("砖瓦房") [data-test=choose-value]`)
    await page.waitForSelector(`${sel} [data-test=conflict-value][data-chosen=true]:has-text("砖瓦房")`)
    // The reason is required: without it nothing is sent.
    await page.click(`${sel} [data-test=conflict-submit]`)
    await page.waitForSelector(`${sel} [data-test=conflict-error]:has-text("理由")`)
    await page.fill(`${sel} textarea[data-test=conflict-reason]`, RESOLUTION_REASON)
    await shot(page, 'conflict')
    await page.click(`${sel} [data-test=conflict-submit]`)
    await page.waitForSelector(sel, { state: 'detached' })
    const tab = await page.textContent('#tab-conflicts')
    assert(tab.includes('(0)'), `no conflicts left: ${tab}`)
    // The resolution is a workflow record with its reason.
    await page.click('#tab-workflow')
    const rec = await (await page.waitForSelector('[data-test=wf-record][data-action=resolve_conflict]')).textContent()
    assert(rec.includes(RESOLUTION_REASON) && rec.includes(CASEWORKER.name), `record: ${rec}`)
  })

  await step('history: who changed what and when', async () => {
    await page.click('#tab-history')
    await page.waitForSelector('[data-test=history-table] .el-table__row')
    const text = await page.textContent('[data-test=history-table]')
    assert(text.includes('处理冲突') && text.includes(CASEWORKER.name), `console resolution in history: ${text.slice(0, 400)}`)
    assert(text.includes('王建国') && text.includes('李明'), 'both devices in history')
    // Hashes and actor ids are hex with letters; ID numbers, which a caseworker sees whole, are digits.
    const raw = /visits\.\d|(?=[0-9a-f]*[a-f])[0-9a-f]{10,}/.exec(text)
    assert(!raw && text.includes('第 1 次调查 · 家庭情况 · 申请方式'), `fields named, no paths or hashes: ${raw ? text.slice(Math.max(0, raw.index - 80), raw.index + 40) : text.slice(0, 400)}`)
    await shot(page, 'history')
  })

  await step('proposal tab: the notice, declared beside verified, every step by section', async () => {
    await page.click('#tab-proposal')
    await page.waitForSelector('[data-test=proposal-notice]')
    const notice = await page.textContent('[data-test=proposal-notice]')
    assert(notice.includes('不是审核确认决定') && notice.includes('第二十八条'), `notice: ${notice}`)
    const steps = await page.$$eval('[data-test=proposal-step]', (li) => li.map((x) => x.textContent.trim()))
    assert(steps.length >= 1 && steps.every((x) => x), `steps: ${steps.length}`)
    const sections = await page.$$eval('[data-test=proposal-steps] [data-section]', (g) => g.map((x) => x.getAttribute('data-section')))
    assert(sections[0] === 'members' && sections.includes('per_capita') && sections.includes('dibao'), `sections: ${sections}`)
    assert((await page.getAttribute('[data-test=proposal-steps]', 'data-side')) === 'verified', 'verified steps shown first')
    const cmp = await page.textContent('[data-test=proposal-compare]')
    assert(cmp.includes('example-2026') && cmp.includes('月人均收入') && cmp.includes('元/人·月') && /建议(不)?符合/.test(cmp), `compare: ${cmp.slice(0, 400)}`)
    const verdicts = await page.$$eval('[data-test=proposal-compare] tr[data-row=dibao] [data-test=verdict]', (v) => v.length)
    assert(verdicts === 2, `declared and verified 低保 outcomes: ${verdicts}`)
    await shot(page, 'proposal', { fullPage: true })
    await page.setViewportSize({ width: 1366, height: 768 })
    await page.waitForTimeout(300)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert(overflow <= 0, `no horizontal scrolling at 1366 px (overflow ${overflow})`)
    await page.setViewportSize({ width: 1920, height: 1080 })
  })

  await step('audit tab: the case\'s trail, newest first, in words', async () => {
    await page.click('#tab-audit')
    await page.waitForSelector('[data-test=audit-table] .el-table__row')
    const actions = await page.$$eval('[data-test=audit-action]', (t) => t.map((x) => x.getAttribute('data-action')))
    for (const a of ['view_case', 'merge', 'resolve_conflict', 'start_investigation']) assert(actions.includes(a), `${a} in ${actions}`)
    const text = await page.textContent('[data-test=audit-table]')
    assert(text.includes('查看案件') && text.includes('平板同步') && text.includes('王建国（平板-01）'), `audit words: ${text.slice(0, 400)}`)
    assert(text.includes('处理冲突值') && text.includes(RESOLUTION_REASON), `the resolution in words with its reason: ${text.slice(0, 600)}`)
    assert(!/view_case|console |device /.test(text), `no raw codes: ${text.slice(0, 400)}`)
    const times = await page.$$eval('[data-test=audit-table] .el-table__row td:first-child', (td) => td.map((x) => x.textContent.trim()))
    assert(times.every((x, i) => i === 0 || times[i - 1] >= x), `newest first: ${times}`)
    await shot(page, 'audit')
  })

  await step('退回补正 (return_visit): a note pinned to the housing field and a general one', async () => {
    await page.click('#tab-detail')
    await page.click('[data-test=annotate][data-path="visits.0.living.housing"]')
    await page.fill('textarea[data-test=annotate-text]', NOTE)
    await page.click('[data-test=annotate-save]')
    await page.click('#tab-actions')
    const notes = '[data-test=review-notes]'
    await page.waitForSelector(`${notes} [data-test=note-draft]`)
    const draft = await page.textContent(`${notes} [data-test=note-drafts]`)
    // The note names the field in words; the path stays an attribute, never shown.
    assert(draft.includes('第 1 次调查 · 吃穿住用 · 住') && !draft.includes('visits.0'), `draft: ${draft}`)
    assert(await page.$(`${notes} [data-test=note-draft][data-path="visits.0.living.housing"]`), 'draft pinned to the housing field')
    // A general note (no field chosen) added in the tab's editor.
    await page.fill(`${notes} textarea[data-test=note-text]`, GENERAL_NOTE)
    await page.click(`${notes} [data-test=note-add]`)
    await page.waitForFunction((sel) => document.querySelectorAll(`${sel} [data-test=note-draft]`).length === 2, notes)
    await shot(page, 'actions')
    await page.click('[data-test=review-return_visit]')
    await page.waitForSelector('[data-test=action-dialog][data-action=return_visit]')
    const inDialog = await page.locator('[data-test=action-dialog] [data-test=note-draft]').count()
    assert(inDialog === 2, `both notes in the dialog: ${inDialog}`)
    await page.click('[data-test=action-dialog] [data-test=action-confirm]')
    await page.waitForSelector('[data-test=action-dialog]', { state: 'detached' })
    // The header counts the open review notes; the state stays the engine's (调查中).
    await page.waitForSelector('[data-test=case-open-notes][data-n="2"]')
    await page.waitForSelector('[data-test=case-status][data-state=investigating]')
    await page.waitForSelector(`${notes} [data-test=notes-none]`) // the draft went out
    await page.click('#tab-workflow')
    await page.waitForSelector('[data-test=wf-record][data-action=return_visit]')
    await shot(page, 'returned', { fullPage: true })
  })

  await step('the tablet syncs and holds the note and the resolved value', async () => {
    tablet(homeA, 'sync')
    const doc = show(homeA, ID)
    const notes = doc.review_notes ?? []
    assert(notes.some((n) => n.text === NOTE && n.path === 'visits.0.living.housing'), `review_notes: ${JSON.stringify(notes)}`)
    assert(notes.some((n) => n.text === GENERAL_NOTE && !n.path), `general note: ${JSON.stringify(notes)}`)
    assert(doc.visits[0].living.housing === '砖瓦房', `housing: ${doc.visits[0].living.housing}`)
    // Header codes are the engine's states only (no more `returned`).
    assert(doc.header.status === 'investigating', `status ${doc.header.status}`)
    tablet(homeB, 'sync')
    assert(show(homeB, ID).visits[0].living.housing === '砖瓦房', 'second tablet too')
  })

  await step('特困 (issue 12): self-care items and a supporter recorded on the tablet move the console\'s proposal', async () => {
    const B = (p, v) => tablet(homeB, 'set', '--case', ids.c3, `visits.0.${p}`, String(v))
    B('members.0.birth_date.verified', '1950-03-01'); B('members.0.hukou_type.verified', '农村牧区')
    for (const k of ['eating', 'dressing', 'bed', 'toilet']) B(`members.0.self_care.${k}`, 'false')
    B('members.0.self_care.walking', 'true'); B('members.0.self_care.bathing', 'true')
    B('supporters.0.name', '王强'); B('supporters.0.relation', '子女'); B('supporters.0.able', 'false')
    B('supporters.0.unable_reason', 'severe_disability')
    tablet(homeB, 'sync')
    await page.goto(`${url}/#/cases/${ids.c3}?tab=proposal`)
    await page.waitForSelector('[data-test=proposal-compare]')
    // The declared and the verified member are different rows (the visit's member has its own id).
    await page.waitForSelector('[data-test=proposal-compare] tr[data-row^="tekun."]')
    const rows = await page.$$eval('[data-test=proposal-compare] tr[data-row^="tekun."]', (r) => r.map((x) => x.textContent))
    assert(rows.some((x) => x.includes('高娃') && /建议符合，每月/.test(x)), `特困 rows: ${rows}`)
    const steps = (await page.$$eval('[data-test=proposal-step]', (li) => li.map((x) => x.textContent))).join('\n')
    assert(steps.includes('部分丧失生活自理能力') && steps.includes('无履行能力'), `steps: ${steps.slice(0, 600)}`)
    const edge = await page.$$eval('[data-test=proposal-compare] tr[data-row=edge] [data-test=verdict]', (v) => v.map((x) => x.textContent))
    assert(edge.length === 2 && edge[1].includes('不符合'), `特困 is not proposed with 边缘: ${edge}`)
    await shot(page, 'proposal-tekun', { fullPage: true })
  })

  await step('调整调查组 (change_team) on another case; 验收 is refused until a visit is sealed', async () => {
    await page.goto(`${url}/#/cases/${ids.c3}?tab=actions`)
    await page.waitForSelector('[data-test=review-team]')
    assert((await page.textContent('[data-test=review-team]')).includes('李明'), 'the current team')
    // No sealed visit yet: the engine says why 验收 cannot be done.
    await page.waitForSelector('[data-test=review-accept_visit][disabled], [data-test=review-accept_visit].is-disabled')
    const why = await page.textContent('[data-test=review-refusal-accept_visit]')
    assert(/[\u4e00-\u9fff]/.test(why) && why.includes('封存'), `refusal: ${why}`)
    await page.click('[data-test=review-change_team]')
    await page.waitForSelector('[data-test=action-dialog][data-action=change_team]')
    // The team starts as it is (李明, 高娃): add 王建国, take 李明 off.
    await page.click('[data-test=action-dialog] [data-test=action-team]')
    await page.locator('.el-select-dropdown__item:visible', { hasText: '王建国' }).first().click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '李明' }).first().click()
    await page.keyboard.press('Escape')
    await page.click('[data-test=action-dialog] [data-test=action-confirm]')
    await page.waitForSelector('[data-test=action-dialog]', { state: 'detached' })
    await page.waitForFunction(() => {
      const t = document.querySelector('[data-test=review-team]')?.textContent ?? ''
      return t.includes('王建国') && t.includes('高娃') && !t.includes('李明')
    })
    const team = await page.textContent('[data-test=case-header]')
    assert(team.includes('王建国') && team.includes('高娃'), `team in header: ${team}`)
    await page.click('#tab-workflow')
    await page.waitForSelector('[data-test=wf-record][data-action=change_team]')
  })

  await step('核对结果导入: a CSV with a good row and a bad one; the good one is recorded, the bad one reported', async () => {
    await page.click('[data-test=nav-check-results]')
    await page.waitForSelector('[data-test=check-import]')
    const href = await page.getAttribute('[data-test=check-template]', 'href')
    const template = await page.request.get(`${url}${href}`)
    assert(template.status() === 200 && (await template.text()).includes('案件编号,核对结果,核对项目,说明,核对日期'), `template ${template.status()}`)
    const csv = '\uFEFF案件编号,核对结果,核对项目,说明,核对日期\n' +
      'DLT-2026-0001,不符合,车辆、存款,名下有小型汽车一辆,2026-12-01\n' +
      'DLT-2026-9999,符合,社保,,2026-12-01\n'
    await page.setInputFiles('input[data-test=check-file]', { name: '核对结果.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') })
    await page.waitForSelector('[data-test=check-file-name]:has-text("核对结果.csv")')
    await page.click('[data-test=check-upload]')
    const summary = await page.waitForSelector('[data-test=check-summary]')
    assert((await summary.getAttribute('data-recorded')) === '1' && (await summary.getAttribute('data-errors')) === '1',
      `summary: ${await summary.textContent()}`)
    await page.waitForSelector('[data-test=check-row-status][data-status=recorded][data-row="2"]')
    await page.waitForSelector('[data-test=check-row-status][data-status=error][data-row="3"]')
    assert((await page.locator('tr.row-error').count()) === 1, 'the bad row is highlighted')
    await shot(page, 'check-import')
    // The recorded result shows on the case.
    await page.goto(`${url}/#/cases/${ID}?tab=workflow`)
    await page.waitForSelector('[data-test=check-results-table] [data-test=check-result][data-result=ineligible]')
    const table = await page.textContent('[data-test=check-results-table]')
    assert(table.includes('车辆') && table.includes('存款'), `check results: ${table}`)
  })

  await step('printable 入户调查表 with photos', async () => {
    const print = await ctx.newPage()
    await print.goto(`${url}/#/cases/${ID}/print`)
    await print.waitForSelector('[data-test=print-sheet]')
    await imagesLoaded(print, '[data-test=print-photos] img')
    const text = await print.textContent('[data-test=print-sheet]')
    assert(text.includes('入户调查表') && text.includes('巴特尔') && text.includes('砖瓦房'), 'print content')
    await shot(print, 'print', { fullPage: true })
    await print.emulateMedia({ media: 'print' })
    await print.pdf({ path: join(work, 'print.pdf'), format: 'A4' })
    await print.close()
  })

  await step('devices: owners and last sync; enrollment code as text and QR; revoke', async () => {
    await page.click('[data-test=nav-devices]')
    await page.waitForSelector('[data-test=devices-table] .el-table__row:has-text("平板-02")')
    const table = await page.textContent('[data-test=devices-table]')
    assert(table.includes('王建国') && table.includes('李明'), `owners: ${table}`)
    await page.click('[data-test=create-code]')
    await page.click('.el-dialog .el-select')
    await page.click('.el-select-dropdown__item:has-text("高娃")')
    await page.click('[data-test=code-generate]')
    await page.waitForSelector('[data-test=code-text]')
    const code = (await page.textContent('[data-test=code-text]')).trim()
    assert(code.length >= 6, `code ${code}`)
    await imagesLoaded(page, 'img[data-test=code-qr]')
    await shot(page, 'enroll-code')
    // The code works once: enroll a third tablet with it.
    tablet(join(work, 'tablet-c'), 'enroll', '--server', url, '--code', code, '--fingerprint', fp, '--name', '平板-03')
    await page.click('.el-dialog__footer button')
    await page.waitForSelector('[data-test=devices-table] .el-table__row:has-text("平板-03")')
    await page.click('[data-test=devices-table] .el-table__row:has-text("平板-02") [data-test=revoke]')
    await page.click('.el-message-box__btns button:has-text("停用")')
    await page.waitForSelector('[data-test=devices-table] .el-table__row:has-text("平板-02"):has-text("已停用")')
    await shot(page, 'devices')
    let refused = false
    try {
      tablet(homeB, 'sync')
    } catch {
      refused = true
    }
    assert(refused, 'a revoked tablet is refused')
  })

  await step('a caseworker of another township sees no such case', async () => {
    const other = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
    const p = await other.newPage()
    await signIn(p, url, OTHER_CASEWORKER)
    await p.waitForSelector('[data-test=queue-table] .el-table__empty-text')
    assert((await p.$$('.queue-row')).length === 0, 'queue empty')
    await p.goto(`${url}/#/cases/${ID}`)
    await p.waitForSelector('[data-test=not-found]')
    const api = await p.request.get(`${url}/api/console/cases/${ID}`)
    assert(api.status() === 404, `detail ${api.status()}`)
    const hash = show(homeA, ID).visits[0].photos[0].hash
    const blob = await p.request.get(`${url}/api/console/blobs/${hash}`)
    assert(blob.status() === 404, `photo ${blob.status()}`)
    const xlsx = await p.request.get(`${url}/api/console/export/queue.xlsx`)
    assert(xlsx.status() === 200, 'own (empty) export works')
    await other.close()
  })

  await step('signed out, the API refuses and the console asks to sign in', async () => {
    await page.click('[data-test=logout]')
    await page.waitForSelector('input[data-test=login-name]')
    const r = await page.request.get(`${url}/api/console/cases`)
    assert(r.status() === 401, `after logout ${r.status()}`)
  })

  await step('no script errors in the page', () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'))
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
