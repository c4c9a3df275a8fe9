// Browser test of one household's whole path (issues 7 and 11) against a REAL jiuzhu-server,
// driven through the pages people use: the application on the phone page with a 补正 round → 受理 →
// assignment → a 核对 result that does not match, told to the applicant, who objects on the phone
// with a photo → 复查 and re-investigation → two simulated tablets (jiuzhu-tablet) seal and sync a
// signed visit → 验收 (accept_visit) → 初审意见 → 公示 with an objection from the public page →
// 民主评议 with three representatives voting on their phone pages (only the count shows while
// voting is open) → a complaint during 审核确认, the bureau's own visit with a photo, decision →
// the notice on the applicant's page → a periodic report opening a change-review case in the
// console. Every move is a workflow action. Screenshots of every page of the path go to
// docs/screenshots/workflow-*.png. Prints `N passed, M failed` last.
//
//   node e2e/workflow.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  HERE, REPO, KEEP, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot as libShot, until, watchedPages,
  a11y, a11yCounts, startSmsGateway, leakedSecrets, consoleSignIn, pick, drawSignature, tabletCli, state, act,
} from './lib.mjs'
import { housePicture } from './png.mjs'

// Every console screen photographed is first checked for accessibility (axe-core: no serious or
// critical violation), and so are the application wizard's screens on the phone.
const CHECKED_PHONE_SCREENS = ['workflow-applicant-apply-', 'workflow-applicant-materials', 'workflow-applicant-submit']
async function shot(page, name, opts = {}) {
  if (name.startsWith('workflow-console-') || CHECKED_PHONE_SCREENS.some((p) => name.startsWith(p))) await a11y(page, name)
  await libShot(page, name, opts)
}

const TOWNSHIP = '树林召镇'
const VILLAGE = '王爱召嘎查'
const PASSWORD = 'shulinzhao-2026'
const CASEWORKER = '张海燕'
const LEAD = '乔志强'
const BUREAU = '白玉梅'
const INVESTIGATORS = ['王建国', '李秀英']
const PHONE = '13800138000'
const APPLICANT = { name: '王秀兰', id: '150621196203150020' }
const SON = { name: '李小军', birth: '2012-05-01' }
const SPOUSE = { name: '李大山', birth: '1960-02-02' }
const MISSING = ['户口本首页及本人页', '近6个月收入证明']
const OBJECTION = '她家儿子在外地打工，有收入没有申报，请核实。'
const CHECK_NOTE = '名下登记有小型汽车一辆'
const CHECK_OBJECTION = '这辆车 2025 年已经卖掉，过户手续在办理中，附过户证明。'
const COMPLAINT = '有群众反映该户在镇上另有一套住房。'
const FINDINGS = '入户核实：镇上住房为其子单位宿舍，非该户所有；家庭情况与调查一致。'
// What the applicant declares as rows in the wizard (vocabulary codes; amounts typed in yuan).
const ROWS = {
  income: { category: 'business', item: '养殖', itemZh: '养殖业（牧业）', yuan: '12000', months: '12', note: '养了30只羊' },
  property: { kind: 'internet_finance', kindZh: '互联网金融资产', description: '余额宝', yuan: '5000' },
  expense: { kind: 'medical', kindZh: '医疗（自付部分）', yuan: '3000', months: '12' },
}
const PHONE_VIEW = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }

const work = mkdtempSync(join(tmpdir(), 'jiuzhu-workflow-e2e-'))
const data = join(work, 'data')
let bins = {}
let server = null
let sms = null
/** Credentials the path handles ({what, value}); none may reach the server's log. */
const credentials = []
let browser = null
const admin = (...args) => run(bins['jiuzhu-server'], ['admin', '--data', data, ...args])
const { tablet, show, signSealSync } = tabletCli(() => bins['jiuzhu-tablet'])

/** The newest one-time code the SMS gateway delivered to `phone` after its first `since` texts. */
async function codeFor(phone, since) {
  return until(`a one-time code for ${phone} at the SMS gateway`, () => {
    const found = sms.sent.slice(since).filter((t) => t.phone === phone)
    return found.length ? found[found.length - 1].code : null
  })
}

async function phoneSignIn(page, url, phone, beforeSubmit = async () => {}) {
  await page.goto(`${url}/m/#/login`)
  await page.fill('[data-test=login-phone]', phone)
  const since = sms.sent.length
  await page.click('[data-test=login-send-code]')
  const code = await codeFor(phone, since)
  await page.fill('[data-test=login-code]', code)
  await beforeSubmit()
  await page.click('[data-test=login-submit]')
}

async function main() {
  log('workflow browser test (the whole path of one household)')
  bins = await privateBinaries(work, ['jiuzhu-server', 'jiuzhu-tablet'])

  await step('admin: staff, investigators, regional options and calendar', () => {
    for (const n of INVESTIGATORS) admin('add-user', '--name', n, '--role', 'investigator', '--township', TOWNSHIP)
    admin('add-user', '--name', CASEWORKER, '--role', 'caseworker', '--township', TOWNSHIP, '--password', PASSWORD)
    admin('add-user', '--name', LEAD, '--role', 'lead', '--township', TOWNSHIP, '--password', PASSWORD)
    admin('add-user', '--name', BUREAU, '--role', 'bureau', '--township', TOWNSHIP, '--password', PASSWORD)
    admin('set-workflow', '--file', join(REPO, 'config', 'workflow', 'example.toml'))
    admin('set-calendar', '--file', join(REPO, 'config', 'calendars', 'example-2026.toml'))
    admin('set-rules', '--file', join(REPO, 'config', 'regions', 'example.toml'))
  })
  sms = await step('an SMS gateway for the one-time codes', () => startSmsGateway(data))
  server = await step('serve on 127.0.0.1:0', () => startServer(bins['jiuzhu-server'], data))
  const { url, fp } = server
  log(`    ${url}`)

  browser = await launchChromium()
  const errors = []
  const watch = (page) => {
    watchedPages.add(page)
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e}`))
  }
  const phoneCtx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN', ...PHONE_VIEW })
  const app = await phoneCtx.newPage()
  watch(app)

  await step('the server serves this checkout\'s phone pages at /m/', async () => {
    const local = readFileSync(join(HERE, '..', 'dist', 'm', 'index.html'), 'utf8')
    const res = await phoneCtx.request.get(`${url}/m/`)
    assert(res.status() === 200 && (await res.text()) === local, 'served /m/ differs from dist/m/index.html (run vite build)')
  })

  // ---------------------------------------------------------------- the application
  await step('applicant: signs in with the phone number and the one-time code', async () => {
    await app.goto(`${url}/m/#/`)
    await app.waitForSelector('[data-test=home-apply]')
    await shot(app, 'workflow-applicant-home')
    await phoneSignIn(app, url, PHONE, async () => shot(app, 'workflow-applicant-login'))
    await app.waitForSelector('[data-test=cases-new], [data-test=cases-empty]')
    await shot(app, 'workflow-applicant-login-done')
  })

  const caseId = await step('applicant: fills in the application (programme, place, applicant, family, notes)', async () => {
    await app.click('[data-test=cases-new]')
    await app.click('[data-test=programme-dibao]')
    await shot(app, 'workflow-applicant-apply-programme')
    await app.click('[data-test=apply-next]')
    await app.click(`[data-test=apply-township-option][data-value="${TOWNSHIP}"]`)
    await app.fill('[data-test=apply-village]', VILLAGE)
    await app.fill('[data-test=apply-address]', '三社12号')
    await app.click('[data-test=apply-next]')
    await app.fill('[data-test=apply-name]', APPLICANT.name)
    await app.fill('[data-test=apply-id]', '150621196203150021')
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=apply-id-error]')
    await app.fill('[data-test=apply-id]', APPLICANT.id)
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=member-list]')
    await app.click('[data-test=member-add]')
    await app.fill('[data-test=member-name]', SON.name)
    await app.click('[data-test=member-relation-option][data-value="子"]')
    await app.click('[data-test=member-sex-option][data-value="男"]')
    await app.fill('[data-test=member-birth]', SON.birth)
    // The new member attributes: pickers from the shared vocabulary (民族 starts unchosen).
    assert((await app.inputValue('[data-test=member-ethnicity]')) === '', 'ethnicity starts unchosen')
    await app.selectOption('[data-test=member-ethnicity]', '蒙古族')
    await app.click('[data-test=member-hukou-option][data-value="农村牧区"]')
    await app.click('[data-test=member-school-option][data-value="义务教育"]')
    assert((await app.locator('[data-test=member-disease]').count()) === 0, 'no illness asked while healthy')
    // A chronic illness asks which one (chosen, then taken back: the son is healthy).
    await app.click('[data-test=member-health-option][data-value="慢性病"]')
    await app.click('[data-test=member-disease-option][data-value="糖尿病"]')
    await app.click('[data-test=member-health-option][data-value="健康"]')
    await app.waitForSelector('[data-test=member-disease]', { state: 'detached' })
    await app.click('[data-test=member-employment-option] >> nth=0')
    await shot(app, 'workflow-applicant-apply-member', { fullPage: true })
    await app.click('[data-test=member-save]')
    await until('two members listed', async () => (await app.locator('[data-test=member-item]').count()) === 2)
    await app.click('[data-test=member-add]')
    await app.fill('[data-test=member-name]', SPOUSE.name)
    await app.click('[data-test=member-relation-option][data-value="配偶"]')
    await app.click('[data-test=member-sex-option][data-value="男"]')
    await app.fill('[data-test=member-birth]', SPOUSE.birth)
    await app.click('[data-test=member-health-option] >> nth=0')
    await app.click('[data-test=member-employment-option] >> nth=0')
    await app.click('[data-test=member-save]')
    await until('three members listed', async () => (await app.locator('[data-test=member-item]').count()) === 3)
    await shot(app, 'workflow-applicant-apply-members')
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=apply][data-step=notes]')
    await shot(app, 'workflow-applicant-apply-rows-empty')
    // One income row: an amount but no category is refused beside the field, and nothing typed is lost.
    await app.click('[data-test=income-add]')
    await app.fill('[data-test=income-amount]', ROWS.income.yuan)
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=income-category-error]')
    await app.waitForSelector('[data-test=rows-problems]')
    assert((await app.inputValue('[data-test=income-amount]')) === ROWS.income.yuan, 'the amount typed is kept after an error')
    await app.locator('[data-test=row-income] h3').scrollIntoViewIfNeeded()
    await app.evaluate(() => document.querySelector('[data-test=row-income]').scrollIntoView({ block: 'start' }))
    await shot(app, 'workflow-applicant-apply-rows-error')
    await app.click(`[data-test=income-category-option][data-value="${ROWS.income.category}"]`)
    await app.click(`[data-test=income-item-option][data-value="${ROWS.income.item}"]`)
    await app.fill('[data-test=income-months]', '13')
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=income-months-error]')
    await app.fill('[data-test=income-months]', ROWS.income.months)
    await app.fill('[data-test=income-note]', ROWS.income.note)
    // One property row and one expense row.
    await app.click('[data-test=property-add]')
    await app.click(`[data-test=property-kind-option][data-value="${ROWS.property.kind}"]`)
    await app.fill('[data-test=property-description]', ROWS.property.description)
    await app.fill('[data-test=property-value]', ROWS.property.yuan)
    await app.click('[data-test=expense-add]')
    await app.click(`[data-test=expense-kind-option][data-value="${ROWS.expense.kind}"]`)
    await app.fill('[data-test=expense-amount]', ROWS.expense.yuan)
    await app.fill('[data-test=expense-months]', ROWS.expense.months)
    // A row added by mistake is deleted with its own button.
    await app.click('[data-test=expense-add]')
    await until('two expense rows', async () => (await app.locator('[data-test=row-expenditures]').count()) === 2)
    await app.locator('[data-test=row-expenditures]').nth(1).locator('[data-test=row-remove]').click()
    await until('one expense row', async () => (await app.locator('[data-test=row-expenditures]').count()) === 1)
    await app.fill('[data-test=apply-income]', '种地十亩，养羊二十只，年收入约六千元')
    await app.fill('[data-test=apply-expense]', '本人慢性病常年服药')
    await app.evaluate(() => document.querySelector('[data-test=row-income]').scrollIntoView({ block: 'start' }))
    await shot(app, 'workflow-applicant-apply-rows')
    await app.evaluate(() => document.querySelector('[data-test=row-property]').scrollIntoView({ block: 'start' }))
    await shot(app, 'workflow-applicant-apply-rows-property')
    await app.click('[data-test=apply-next]')
    await app.waitForURL(/\/materials$/)
    return decodeURIComponent(/cases\/([^/]+)\/materials/.exec(app.url())[1])
  })

  await step('applicant: photographs the ID card (downscaled on the phone before upload)', async () => {
    const big = join(work, 'id-card.png')
    writeFileSync(big, housePicture(2400, 1500))
    await app.setInputFiles('[data-test=material-input-id_card]', big)
    await app.waitForSelector('[data-test=material-count-id_card]')
    await app.waitForSelector('[data-test=material-thumb]')
    assert((await app.locator('[data-test=material-input-mandate]').count()) === 1, 'the 委托书 is offered as a material')
    assert((await app.locator('[data-test=material-input-decider_visit]').count()) === 0, 'the township\'s own photos are not offered')
    await shot(app, 'workflow-applicant-materials')
    await app.click('[data-test=materials-next]')
  })

  await step('applicant: signs the 承诺书; every adult (not the child) signs the 授权核对书; submits', async () => {
    await app.waitForSelector('[data-test=doc-promise]')
    await drawSignature(app, '[data-test=sign-pad-canvas]')
    await shot(app, 'workflow-applicant-sign')
    await app.click('[data-test=sign-confirm]')
    await app.waitForSelector('[data-test=doc-consent]')
    for (const who of [APPLICANT.name, SPOUSE.name]) {
      await until(`the consent asks ${who} to sign`, async () => (await app.inputValue('[data-test=sign-signer]')) === who)
      await drawSignature(app, '[data-test=sign-pad-canvas]')
      if (who === SPOUSE.name) await shot(app, 'workflow-applicant-consent')
      await app.click('[data-test=sign-confirm]')
    }
    await app.waitForSelector('[data-test=doc-consent]', { state: 'detached' })
    await app.waitForSelector('[data-test=submit-application]')
    // The summary lists the declared rows in words, amounts in yuan.
    const income = await app.innerText('[data-test=sign-summary-income]')
    assert(income.includes(ROWS.income.itemZh) && income.includes('12000.00'), `income in the summary: ${income}`)
    const property = await app.innerText('[data-test=sign-summary-property]')
    assert(property.includes(ROWS.property.kindZh) && property.includes('5000.00'), `property in the summary: ${property}`)
    const spent = await app.innerText('[data-test=sign-summary-expenditures]')
    assert(spent.includes(ROWS.expense.kindZh) && spent.includes('3000.00'), `expenses in the summary: ${spent}`)
    await shot(app, 'workflow-applicant-submit-summary', { fullPage: true })
    await app.click('[data-test=submit-application]')
    await app.click('.van-dialog__confirm')
    await app.waitForSelector('[data-test=state-badge][data-state=submitted]')
    await shot(app, 'workflow-applicant-submitted')
  })

  // ---------------------------------------------------------------- 初审 in the console
  const staff = async (name) => {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    const page = await consoleSignIn(ctx, url, name, PASSWORD)
    watch(page)
    return page
  }
  const cw = await step('caseworker signs in; the application waits in the queue', async () => {
    const page = await staff(CASEWORKER)
    await page.waitForSelector(`[data-test=row-state][data-state=submitted]`)
    await shot(page, 'workflow-console-queue')
    return page
  })
  const openCase = async (page, id = caseId, tab = 'workflow') => {
    await page.goto(`${url}/#/cases/${id}?tab=${tab}`)
    if (tab === 'workflow') await page.waitForSelector('[data-test=workflow-panel] [data-test=wf-state]')
  }
  /** A step that keeps the state: confirm, wait for the dialog to close and for `after` to show. */
  const record = async (page, action, after, fill = async () => {}) => {
    await page.click(`[data-test=action-${action}]`)
    await page.waitForSelector(`[data-test=action-dialog][data-action=${action}]`)
    await fill()
    await page.click('[data-test=action-dialog] [data-test=action-confirm]')
    await page.waitForSelector('[data-test=action-dialog]', { state: 'detached' })
    await page.waitForSelector(after)
  }

  await step('the case page shows the rows the applicant declared on the phone', async () => {
    await cw.goto(`${url}/#/cases/${caseId}?tab=detail`)
    const income = await (await cw.waitForSelector('[data-test=rows-income]')).innerText()
    assert(income.includes(ROWS.income.itemZh) && income.includes('12,000.00') && income.includes(ROWS.income.note), `declared income: ${income}`)
    const property = await cw.innerText('[data-test=rows-property]')
    assert(property.includes(ROWS.property.description) && property.includes('5,000.00'), `declared property: ${property}`)
    const spent = await cw.innerText('[data-test=rows-expenditures]')
    assert(spent.includes(ROWS.expense.kindZh) && spent.includes('3,000.00'), `declared expenses: ${spent}`)
    assert((await cw.locator('[data-test=rows-income] tr.declared').count()) === 1, 'one declared income row')
  })

  await step('初审: the checklist shows what is missing; 补正 lists every item at once', async () => {
    await openCase(cw)
    await state(cw, 'submitted')
    // The caseworker looks at the ID card photo and ticks it; 户口本 and 收入证明 stay missing.
    await cw.waitForSelector('[data-test=check-summary][data-missing="3"]')
    await cw.click('[data-test=check-box-id_card]')
    await cw.waitForSelector('[data-test=check-summary][data-missing="2"]')
    await shot(cw, 'workflow-console-intake', { fullPage: true })
    await cw.click('[data-test=action-request_supplement]')
    const items = await cw.locator('[data-test=action-missing-item]').allTextContents()
    assert(items.length === 2, `two missing items: ${items}`)
    await shot(cw, 'workflow-console-supplement-dialog')
    await cw.click('[data-test=action-dialog] [data-test=action-confirm]')
    await state(cw, 'needs_supplement')
  })

  await step('applicant: the 补正 notice lists every item; adds them and resubmits', async () => {
    await app.goto(`${url}/m/#/cases/${caseId}`)
    await app.reload() // the same hash route: load it afresh
    await app.waitForSelector('[data-test=state-badge][data-state=needs_supplement]')
    assert((await app.locator('[data-test=missing-item]').count()) === 2, 'two missing items on the phone')
    assert((await app.locator('[data-test=notice][data-kind=supplement]').count()) === 1, 'the 补正 notice')
    await shot(app, 'workflow-applicant-supplement', { fullPage: true })
    for (let i = 0; i < 2; i++) {
      const f = join(work, `extra-${i}.png`)
      writeFileSync(f, housePicture(1200, 900, [90 + i * 60, 120, 150]))
      await app.locator('[data-test=missing-item]').nth(i).locator('input[type=file]').setInputFiles(f)
      await until(`material ${i} uploaded`, async () => (await app.locator('[data-test=missing-item]').nth(i).locator('[data-test=material-thumb]').count()) > 0)
    }
    await app.click('[data-test=resubmit]')
    await app.click('.van-dialog__confirm')
    await app.waitForSelector('[data-test=state-badge][data-state=submitted]')
  })

  await step('caseworker accepts (受理): the clock starts, the acceptance notice is issued', async () => {
    // No reload: the open case page follows the applicant's resubmission by itself.
    await state(cw, 'submitted')
    await openCase(cw)
    await state(cw, 'submitted')
    for (const key of ['id_card', 'hukou', 'income']) {
      if ((await cw.getAttribute(`[data-test=check-${key}]`, 'data-ok')) !== 'true') await cw.click(`[data-test=check-box-${key}]`)
    }
    await cw.waitForSelector('[data-test=check-summary][data-missing="0"]')
    await cw.click('[data-test=check-save]')
    await act(cw, 'accept', 'accepted')
    await cw.waitForSelector('[data-test=wf-deadline]')
    await cw.waitForSelector('[data-test=notice][data-kind=acceptance]')
    // 人户分离: the overall limit becomes 45 working days.
    assert((await cw.innerText('[data-test=wf-overall]')).includes('30'), 'the overall limit starts at 30 working days')
    await pick(cw, '[data-test=extension-select]', '人户分离')
    await cw.click('[data-test=extension-save]')
    await until('the 45-working-day limit', async () => (await cw.innerText('[data-test=wf-overall]')).includes('45'))
    // The queue shows the remaining working days of the running limit (3 to start the investigation).
    await cw.goto(`${url}/#/`)
    const due = await (await cw.waitForSelector('[data-test=row-due]')).innerText()
    assert(/剩 [0-3] 个工作日|今天到期/.test(due), `queue deadline: ${due}`)
    await shot(cw, 'workflow-console-queue-deadlines')
  })

  const lead = await step('township lead assigns the investigation team', async () => {
    const page = await staff(LEAD)
    await openCase(page)
    await state(page, 'accepted')
    await act(page, 'start_investigation', 'investigating', async () => {
      for (const n of INVESTIGATORS) await pick(page, '[data-test=action-team]', n)
      await page.keyboard.press('Escape')
    })
    return page
  })

  // ---------------------------------------------------------------- 核对 and the applicant's objection
  await step('核对: the caseworker records a 不符合 result and tells the applicant (核对不符已告知)', async () => {
    await openCase(cw)
    await state(cw, 'investigating')
    await record(cw, 'record_check_result', '[data-test=check-result][data-result=ineligible]', async () => {
      await cw.click('[data-test=action-check-ineligible]')
      await pick(cw, '[data-test=action-check-items]', '车辆')
      await cw.keyboard.press('Escape')
      await cw.fill('textarea[data-test=action-check-note]', CHECK_NOTE)
      await shot(cw, 'workflow-console-check-result')
    })
    await act(cw, 'notify_check_failed', 'check_failed_notified', async () => {
      await cw.fill('textarea[data-test=action-reason]', `信息核对显示：${CHECK_NOTE}。`)
    })
    await cw.waitForSelector('[data-test=wf-deadline][data-code=check_objection]')
  })

  await step('applicant: sees what the 核对 found and until when; objects with a reason and a photo (复查中)', async () => {
    await app.goto(`${url}/m/#/cases/${caseId}`)
    await app.reload() // the same hash route: load it afresh
    await app.waitForSelector('[data-test=check-failed]')
    assert((await app.innerText('[data-test=check-failed-items]')).includes('车辆'), 'the item that did not match')
    assert(/\d{4}-\d{2}-\d{2}/.test(await app.innerText('[data-test=check-objection-due]')), 'the due date')
    await shot(app, 'workflow-applicant-check-failed', { fullPage: true })
    await app.click('[data-test=to-check-objection]')
    await app.waitForSelector('[data-test=check-objection-form]')
    await app.fill('[data-test=check-objection-reason]', '车卖了')
    await app.click('[data-test=check-objection-submit]')
    await app.waitForSelector('[data-test=check-objection-reason-error]')
    await app.fill('[data-test=check-objection-reason]', CHECK_OBJECTION)
    const proof = join(work, 'transfer.png')
    writeFileSync(proof, housePicture(1600, 1200, [200, 200, 190]))
    await app.setInputFiles('[data-test=material-input-other]', proof)
    await app.waitForSelector('[data-test=check-objection-evidence] [data-test=material-thumb]')
    await shot(app, 'workflow-applicant-check-objection', { fullPage: true })
    await app.click('[data-test=check-objection-submit]')
    await app.click('.van-dialog__confirm')
    await app.waitForSelector('[data-test=check-objection-done]')
    await app.click('[data-test=check-objection-back]')
    await app.waitForSelector('[data-test=state-badge][data-state=recheck]')
  })

  await step('the lead re-investigates (复查) with the same team', async () => {
    await openCase(lead)
    await state(lead, 'recheck')
    const rec = await (await lead.waitForSelector('[data-test=wf-record][data-action=object_to_check]')).innerText()
    assert(rec.includes('过户'), `the objection on the case: ${rec}`)
    await act(lead, 'reinvestigate', 'investigating', async () => {
      // The dialog starts from the current team (two investigators).
      await lead.fill('textarea[data-test=action-reason]', '申请人对核对结果提出异议，重新核查车辆情况。')
    })
  })

  // ---------------------------------------------------------------- the visit on two tablets
  const homes = INVESTIGATORS.map((_, i) => join(work, `tablet-${i}`))
  await step('two simulated tablets receive the case, seal a signed visit and sync it', async () => {
    INVESTIGATORS.forEach((n, i) => {
      const code = admin('enroll-code', '--user', n)
      credentials.push({ what: 'an enrollment code', value: code.trim() })
      tablet(homes[i], 'enroll', '--server', url, '--code', code, '--fingerprint', fp, '--name', `平板-0${i + 1}`)
      tablet(homes[i], 'sync')
    })
    const [a, b] = homes
    const doc = show(a, caseId)
    assert(doc.header.status === 'investigating' && doc.declared.members.length === 3, `case on the tablet: ${JSON.stringify(doc.header)}`)
    doc.visits[0].members.forEach((_, m) => tablet(a, 'set', '--case', caseId, `visits.0.members.${m}.present`, 'true'))
    tablet(b, 'photo', '--case', caseId, '--file', (() => { const f = join(work, 'house.png'); writeFileSync(f, housePicture()); return f })(), '--caption', '住房正面', '--tag', 'exterior')
    tablet(b, 'sync')
    tablet(a, 'sync')
    const sig = join(work, 'sig.png')
    writeFileSync(sig, housePicture(120, 40, [20, 20, 20]))
    signSealSync(a, caseId, INVESTIGATORS, sig)
  })

  // ---------------------------------------------------------------- 初审意见 and 公示
  await step('the caseworker accepts the visit (验收, accept_visit); the lead signs the 初审意见 and starts 公示', async () => {
    await openCase(cw, caseId, 'actions')
    await cw.waitForSelector('[data-test=review-sealed][data-sealed=true]')
    await cw.waitForSelector('[data-test=review-accepted][data-accepted=false]')
    await cw.click('[data-test=review-accept_visit]')
    await cw.waitForSelector('[data-test=action-dialog][data-action=accept_visit]')
    await cw.click('[data-test=action-dialog] [data-test=action-confirm]')
    await cw.waitForSelector('[data-test=review-accepted][data-accepted=true]')
    await cw.waitForSelector('[data-test=review-accept_visit][disabled], [data-test=review-accept_visit].is-disabled')
    await cw.waitForSelector('[data-test=case-visit-accepted]')
    await shot(cw, 'workflow-console-visit-accepted')
    await openCase(lead)
    await state(lead, 'investigating')
    await act(lead, 'write_opinion', 'prelim_opinion', async () => {
      await lead.fill('[data-test=action-opinion-text]', '经入户调查，家庭人均收入低于当地低保标准，拟纳入最低生活保障。')
      await lead.fill('input[data-test=action-amount]', '560')
      await lead.fill('[data-test=action-month] input', '2027-01')
      await lead.keyboard.press('Enter')
      await shot(lead, 'workflow-console-opinion')
    })
    await lead.waitForSelector('[data-test=opinion-signed]')
    await act(lead, 'start_publicity', 'publicity')
    await shot(lead, 'workflow-console-publicity-case', { fullPage: true })
    await lead.goto(`${url}/#/publicity`)
    await lead.waitForSelector('[data-test=publicity-table] .publicity-row')
    await shot(lead, 'workflow-console-publicity')
  })

  await step('the public 公示 page shows only name (masked), household size, programme, amount', async () => {
    const pub = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN', ...PHONE_VIEW })
    const page = await pub.newPage()
    watch(page)
    await page.goto(`${url}/m/#/publicity/${encodeURIComponent(TOWNSHIP)}`)
    await page.waitForSelector('[data-test=publicity-entry]')
    const text = await page.locator('[data-test=publicity-entry]').innerText()
    assert(text.includes('王*兰') && text.includes('560') && !text.includes(APPLICANT.id) && !text.includes('三社'), `entry: ${text}`)
    await shot(page, 'workflow-public-publicity')
    await page.click('[data-test=objection-open]')
    await page.fill('[data-test=objection-content]', OBJECTION)
    await shot(page, 'workflow-public-objection')
    await page.click('[data-test=objection-submit]')
    const receipt = await (await page.waitForSelector('[data-test=objection-receipt-no]')).innerText()
    assert(/YY-\d{8}-\d{4}/.test(receipt), `receipt ${receipt}`)
    await pub.close()
  })

  await step('the objection moves the case to 异议处理 and reaches the tablets as a 重新核查 task', async () => {
    await openCase(lead)
    await state(lead, 'objection_handling')
    await lead.waitForSelector('[data-test=objections-table]')
    tablet(homes[1], 'sync')
    const notes = JSON.stringify(show(homes[1], caseId).review_notes)
    assert(notes.includes('公示期间收到异议') && notes.includes('在外地打工'), `task on the tablet: ${notes}`)
  })

  // ---------------------------------------------------------------- 民主评议
  const links = await step('the lead arranges a 民主评议: roster of four, one cadre recused', async () => {
    await lead.click('[data-test=arrange-meeting]')
    await lead.waitForSelector('[data-test=meeting-dialog] [data-test=roster-row]')
    const rows = lead.locator('[data-test=meeting-dialog] [data-test=roster-row]')
    const names = ['代表甲', '代表乙', '代表丙']
    for (let i = 0; i < 3; i++) {
      await rows.nth(i).locator('input[data-test=roster-name]').fill(names[i])
      await rows.nth(i).locator('input[data-test=roster-phone]').fill(`1390000000${i + 1}`)
    }
    await lead.click('[data-test=roster-add]')
    const cadre = rows.nth(3)
    await cadre.locator('input[data-test=roster-name]').fill('村干部丁')
    await cadre.locator('input[data-test=roster-phone]').fill('13900000004')
    await pick(lead, '[data-test=meeting-dialog] [data-test=roster-row][data-idx="3"] [data-test=roster-kind]', '村干部')
    await pick(lead, '[data-test=meeting-dialog] [data-test=roster-row][data-idx="3"] [data-test=roster-recuse]', APPLICANT.name)
    await lead.keyboard.press('Escape')
    await cadre.locator('input[data-test=roster-reason]').fill('申请人的表兄')
    await shot(lead, 'workflow-console-meeting-create')
    await lead.click('[data-test=meeting-submit]')
    await lead.waitForSelector('[data-test=meeting-links]')
    await shot(lead, 'workflow-console-meeting-links')
    const urls = await lead.locator('[data-test=meeting-link-url]').allInnerTexts()
    assert(urls.length === 4 && urls.every((u) => u.startsWith(`${url}/m/#/vote/`)), `links: ${urls}`)
    await lead.click('[data-test=meeting-go]')
    await lead.waitForSelector('[data-test=meeting-header]')
    for (const u of urls) credentials.push({ what: 'a ballot link', value: u.trim().split('/vote/')[1] })
    return urls.map((u) => u.trim())
  })

  await step('three representatives vote on their phones (secret ballot); a link works once', async () => {
    const reps = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN', ...PHONE_VIEW })
    const votes = ['agree', 'agree', 'disagree']
    for (let i = 0; i < 3; i++) {
      const page = await reps.newPage()
      watch(page)
      await page.goto(links[i])
      await page.waitForSelector('[data-test=ballot-case]')
      if (i === 0) {
        // The household as the representative sees it: masked name, size, income against the line.
        const card = await page.innerText('[data-test=ballot-case]')
        assert(card.includes('王*兰') && !card.includes(APPLICANT.name) && card.includes('3'), `ballot card: ${card}`)
        await page.waitForSelector('[data-test=ballot-income]')
      }
      await page.click(`[data-test=ballot-case] [data-test=vote-${votes[i]}]`)
      await drawSignature(page, '[data-test=vote-signature-canvas]')
      if (i === 0) await shot(page, 'workflow-representative-ballot', { fullPage: true })
      await page.click('[data-test=vote-submit]')
      await page.click('.van-dialog__confirm')
      await page.waitForSelector('[data-test=vote-thanks]')
      if (i === 0) await shot(page, 'workflow-representative-thanks')
      await page.close()
    }
    const again = await reps.newPage()
    await again.goto(links[0])
    await again.waitForSelector('[data-test=vote-invalid]')
    const recused = await reps.newPage()
    await recused.goto(links[3])
    await recused.waitForSelector('[data-test=vote-meeting]')
    assert((await recused.locator('[data-test=ballot-case]').count()) === 0, 'the recused cadre sees no case')
    await reps.close()
  })

  await step('while voting is open only the count shows; after the close the tally (advisory): quorum and 2/3 met; the township concludes', async () => {
    await until('three votes counted on the meeting page', async () =>
      (await lead.getAttribute('[data-test=meeting-voted-count]', 'data-n')) === '3', { timeout: 15_000, every: 500 })
    assert((await lead.innerText('[data-test=meeting-voted-count]')).includes('已表决 3 / 4 人'), 'the count of who voted')
    // No live tally, no per-person marks, no minutes while voting is open (the PDF answers 409).
    assert((await lead.locator('[data-test=tally-hidden]').count()) >= 1, 'the tally is hidden while open')
    assert((await lead.locator('[data-test=tally-agree]').count()) === 0, 'no agree count while open')
    assert((await lead.locator('[data-test=roster-voted]').count()) === 0, 'no per-person voted marks while open')
    assert((await lead.locator('[data-test=minutes-pdf]').count()) === 0, 'no minutes link while open')
    const meetingId = decodeURIComponent(/meetings\/([^/?#]+)/.exec(lead.url())[1])
    const early = await lead.request.get(`${url}/api/console/meetings/${encodeURIComponent(meetingId)}/minutes.pdf`)
    assert(early.status() === 409, `minutes.pdf while open: ${early.status()}`)
    await lead.fill('textarea[data-test=minutes-text]', '宣讲政策，介绍申请人和调查情况，代表评议，无记名表决，当场公布结果。')
    await shot(lead, 'workflow-console-meeting', { fullPage: true })
    await lead.click('[data-test=meeting-close]')
    await lead.click('.el-message-box__btns .el-button--primary')
    await lead.waitForSelector('[data-test=minutes-pdf]')
    const tally = lead.locator('[data-test=tally]').first()
    await until('the tally after the close', async () => (await tally.locator('[data-test=tally-agree]').count()) === 1, { timeout: 10_000, every: 500 })
    assert((await tally.locator('[data-test=tally-agree]').innerText()).includes('2'), 'two agree')
    assert((await tally.locator('[data-test=tally-threshold]').getAttribute('data-met')) === 'true', '2/3 met')
    assert((await lead.locator('[data-test=roster-voted][data-voted=true]').count()) === 3, 'who voted, after the close')
    await shot(lead, 'workflow-console-meeting-closed', { fullPage: true })
    const pdf = await lead.request.get(`${url}/api/console/meetings/${encodeURIComponent(meetingId)}/minutes.pdf`)
    assert(pdf.status() === 200 && (await pdf.body()).subarray(0, 4).toString() === '%PDF', `minutes.pdf after the close: ${pdf.status()}`)
    await openCase(lead)
    await state(lead, 'democratic_review')
    await act(lead, 'conclude_democratic_review', 'prelim_opinion', async () => {
      await lead.fill('textarea[data-test=action-reason]', '经重新核实其子务工收入不稳定，评议多数同意，维持初审意见。')
    })
    await act(lead, 'write_opinion', 'prelim_opinion', async () => {
      await lead.fill('textarea[data-test=action-opinion-text]', '经民主评议和重新核实，维持纳入最低生活保障的初审意见。')
      await lead.fill('input[data-test=action-amount]', '560')
      await lead.fill('[data-test=action-month] input', '2027-01')
      await lead.keyboard.press('Enter')
    })
    await act(lead, 'report', 'reported')
  })

  // ---------------------------------------------------------------- decision
  await step('the bureau receives; a complaint means its own visit first (with a photo); then it confirms, publishes the roll, benefits start', async () => {
    const page = await staff(BUREAU)
    await openCase(page)
    await state(page, 'reported')
    await act(page, 'receive', 'county_review')
    await record(page, 'register_complaint', '[data-test=wf-complaints]', async () => {
      await page.fill('textarea[data-test=action-reason]', COMPLAINT)
    })
    assert((await page.innerText('[data-test=complaints-table]')).includes(COMPLAINT), 'the complaint on the case')
    // The engine refuses the decision until the bureau has visited itself (S1 Art. 20).
    await page.waitForSelector('[data-test=action-approve][disabled], [data-test=action-approve].is-disabled')
    const why = await page.innerText('[data-test=refusal-approve]')
    assert(why.includes('入户'), `approve refused for the decider's own visit: ${why}`)
    await record(page, 'record_decider_visit', '[data-test=wf-decider-visit]', async () => {
      const photo = join(work, 'decider.png')
      writeFileSync(photo, housePicture(2000, 1500, [180, 160, 140]))
      await page.setInputFiles('[data-test=action-dialog] [data-test=photo-upload-input]', photo)
      await page.waitForSelector('[data-test=action-dialog] [data-test=photo-upload-item]')
      await page.fill('textarea[data-test=action-reason]', FINDINGS)
      await shot(page, 'workflow-console-decider-visit')
    })
    assert((await page.innerText('[data-test=decider-findings]')).includes('单位宿舍'), 'the findings on the case')
    await page.waitForSelector('[data-test=wf-decider-visit] img[data-test=material-img]')
    await act(page, 'approve', 'approved', async () => {
      assert((await page.inputValue('input[data-test=action-amount]')).startsWith('560'), 'amount defaults to the opinion')
      await shot(page, 'workflow-console-decision')
    })
    await act(page, 'publish_roll', 'published')
    await act(page, 'activate', 'active')
    await page.waitForSelector('[data-test=notice][data-kind=approval]')
    await shot(page, 'workflow-console-case-active', { fullPage: true })
  })

  await step('the approved roll (公布) is public the same restricted way', async () => {
    const pub = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN', ...PHONE_VIEW })
    const page = await pub.newPage()
    watch(page)
    await page.goto(`${url}/m/#/roll/${encodeURIComponent(TOWNSHIP)}`)
    const text = await (await page.waitForSelector('[data-test=roll-entry]')).innerText()
    assert(text.includes('王*兰') && text.includes('560') && !text.includes(APPLICANT.id), `roll: ${text}`)
    await shot(page, 'workflow-public-roll')
    await pub.close()
  })

  await step('the applicant sees the decision notice (with its PDF) on the status page', async () => {
    await app.goto(`${url}/m/#/cases/${caseId}`)
    await app.reload() // the same hash route: load it afresh
    await app.waitForSelector('[data-test=state-badge][data-state=active]')
    assert((await app.innerText('[data-test=amount-yuan]')).includes('560'), 'amount shown')
    const notice = app.locator('[data-test=notice][data-kind=approval]')
    assert((await notice.innerText()).includes('审核确认通知书'), 'approval notice')
    const href = await notice.locator('[data-test=notice-pdf]').getAttribute('href')
    const pdf = await app.request.get(new URL(href, `${url}/m/`).toString())
    assert(pdf.status() === 200 && (await pdf.body()).subarray(0, 4).toString() === '%PDF', 'the notice as PDF')
    await shot(app, 'workflow-applicant-decision', { fullPage: true })
  })

  await step('a periodic report (定期报告) with a change opens a review case in the queue', async () => {
    await app.click('[data-test=to-report]')
    await app.click('[data-test=report-change-income]')
    await app.fill('[data-test=report-details]', '儿子外出务工，每月收入约2000元')
    await app.fill('[data-test=report-income]', '2000')
    await shot(app, 'workflow-applicant-report')
    await app.click('[data-test=report-submit]')
    const text = await (await app.waitForSelector('[data-test=report-review-no]')).innerText()
    const no = /HC-\d{8}-\d{4}/.exec(text)?.[0]
    assert(no, `review case number in ${text}`)
    await shot(app, 'workflow-applicant-report-done')
    await lead.goto(`${url}/#/`)
    await lead.waitForSelector('[data-test=queue-table]')
    await until('the review case in the queue', async () => (await lead.locator('[data-test=queue-table]').innerText()).includes(no), { timeout: 10_000, every: 500 })
    await shot(lead, 'workflow-console-queue-review')
  })

  await step('no script errors on any page', async () => {
    assert(errors.length === 0, errors.join('\n'))
  })

  await step('no credential or ID number reached the server log (debug level)', async () => {
    const text = server.wholeLog()
    assert(text.includes('/api/public/vote/{token}'), 'the log names each request by its route')
    for (const t of sms.sent) credentials.push({ what: 'a one-time code', value: t.code })
    credentials.push({ what: 'the console password', value: PASSWORD })
    credentials.push({ what: "the applicant's ID number", value: APPLICANT.id })
    credentials.push({ what: 'an ID number typed on the phone', value: '150621196203150021' })
    for (const ctx of browser.contexts()) {
      for (const c of await ctx.cookies()) credentials.push({ what: `the cookie ${c.name}`, value: c.value })
    }
    assert(sms.sent.length >= 1 && credentials.length >= 10, `${credentials.length} credentials collected`)
    const leaked = leakedSecrets(text, credentials)
    assert(leaked.length === 0, `in the log: ${leaked.map((l) => l.what).join(', ')}`)
  })
}

async function finish() {
  try {
    await browser?.close()
  } catch {}
  try {
    server?.process.kill('SIGTERM')
  } catch {}
  sms?.close()
  if (!KEEP) rmSync(work, { recursive: true, force: true })
  log(`${counts.passed} passed, ${counts.failed} failed; ${a11yCounts.screens} console and phone wizard screens checked for accessibility`)
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
