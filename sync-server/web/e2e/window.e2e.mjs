// Browser test of the township window (issue 16, 一门受理、协同办理) against a REAL jiuzhu-server
// with its demo data: the demo caseworker takes a walk-in application for a family of three with
// an agent (委托) — the duplicate warning shows when an ID number of an open case is typed — scans
// the 委托书 and an ID card, has the 承诺书 and both adults' 授权核对书 signed on the pad (a submit
// before the last consent is refused with `consent_missing`), submits and accepts, prints the 受理回执
// (PDF, rendered to PNG), refers a medical need (医疗救助), and finds the case in the queue; the
// township lead starts the investigation and two simulated tablets receive the case with its three
// declared members and both documents. Screenshots go to docs/screenshots/window-*.png.
// Prints `N passed, M failed` last.
//
//   node e2e/window.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  HERE, KEEP, SCREENSHOTS, SHOTS, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot as libShot, until,
  watchedPages, a11y, a11yCounts, consoleSignIn, pick, drawSignature, tabletCli, state, act,
} from './lib.mjs'
import { housePicture } from './png.mjs'

/** Every window screen photographed is first checked for accessibility (axe-core). */
async function shot(page, name, opts = {}) {
  await a11y(page, name)
  await libShot(page, name, opts)
}

// The demo data of `serve --demo` (sync-server/src/demo.rs): its staff, and an open case whose
// applicant's ID number the window types by mistake.
const DEMO_PASSWORD = 'jiuzhu-demo'
const CASEWORKER = '张海燕'
const LEAD = '乔志强'
const INVESTIGATORS = ['王建国', '李秀英']
const OPEN_CASE = { no: 'DLT-2026-0001', id: '150621196505120011' }

const APPLICANT = { name: '高宝力', id: '150621197003030053', phone: '13900139000' }
const SPOUSE = { name: '乌云', id: '150621197501010020' }
const CHILD = { name: '高小龙', id: '150621201506060018' }
const AGENT = { name: '高娜', id: '150621198808080044', relation: '侄女', phone: '13700137000' }
const VILLAGE = '王爱召嘎查'
const REFERRAL_NOTE = '配偶患尿毒症，需长期透析，申请医疗救助。'
const VIEW = { viewport: { width: 1366, height: 768 }, locale: 'zh-CN', ignoreHTTPSErrors: true }

const work = mkdtempSync(join(tmpdir(), 'jiuzhu-window-e2e-'))
const data = join(work, 'data')
let bins = {}
let server = null
let browser = null
const admin = (...args) => run(bins['jiuzhu-server'], ['admin', '--data', data, ...args])
const { tablet, show } = tabletCli(() => bins['jiuzhu-tablet'])

/** The window case as the server has it (from the page, with its session). */
const windowCase = (page, id) => page.evaluate(async (id) => (await fetch(`/api/console/window/cases/${encodeURIComponent(id)}`)).json(), id)
const line = (doc, signer) => `[data-test=sign-line][data-document=${doc}][data-signer="${signer}"]`

/** Sign one line of the signing step on the pad. */
async function padSign(page, doc, signer) {
  await page.click(`${line(doc, signer)} [data-test=sign-pad-open]`)
  await page.waitForSelector('[data-test=window-pad-canvas]')
  await drawSignature(page, '[data-test=window-pad-canvas]')
  await page.waitForSelector('[data-test=window-pad-confirm]:not([disabled])')
}
async function padConfirm(page, doc, signer) {
  await page.click('[data-test=window-pad-confirm]')
  await page.waitForSelector(`${line(doc, signer)}[data-signed=true]`)
  await page.waitForSelector('[data-test=window-pad-canvas]', { state: 'detached' })
}

async function main() {
  log('window browser test (一门受理、协同办理)')
  bins = await privateBinaries(work, ['jiuzhu-server', 'jiuzhu-tablet'])
  server = await step('serve --demo on 127.0.0.1:0', () => startServer(bins['jiuzhu-server'], data, ['--demo']))
  const { url, fp } = server
  log(`    ${url}`)

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

  const cw = await step('the demo caseworker signs in; 窗口受理 is in the menu', async () => {
    const page = await consoleSignIn(await browser.newContext(VIEW), url, CASEWORKER, DEMO_PASSWORD)
    watch(page)
    await page.click('[data-test=nav-window]')
    await page.waitForSelector('[data-test=window-view][data-step=form]')
    await page.waitForSelector('[data-test=window-drafts]')
    return page
  })

  // ---------------------------------------------------------------- the application
  await step('the form: programme, place, applicant with a live ID check, phone, agent', async () => {
    await cw.click('[data-test=programme-dibao]')
    await cw.fill('input[data-test=window-village]', VILLAGE)
    await cw.fill('input[data-test=window-address]', '五社8号')
    await cw.fill('input[data-test=window-name]', APPLICANT.name)
    // One digit wrong: the check character says so at once.
    await cw.fill('input[data-test=window-id]', `${APPLICANT.id.slice(0, 17)}9`)
    await cw.waitForSelector('[data-test=window-id-state][data-ok=false]')
    await cw.fill('input[data-test=window-id]', APPLICANT.id)
    await cw.waitForSelector('[data-test=window-id-state][data-ok=true]')
    await cw.fill('input[data-test=window-phone]', APPLICANT.phone)
    await cw.click('[data-test=window-has-agent]')
    await cw.fill('input[data-test=agent-name]', AGENT.name)
    await cw.fill('input[data-test=agent-id]', AGENT.id)
    await cw.fill('input[data-test=agent-relation]', AGENT.relation)
    await cw.fill('input[data-test=agent-phone]', AGENT.phone)
    // The applicant's own row comes first, named from the applicant.
    const self = await cw.innerText('[data-test=window-member][data-index="0"]')
    assert(self.includes('申请人本人'), `the first member row: ${self}`)
  })

  const member = (i) => `[data-test=window-member][data-index="${i}"]`
  await step('family members; an ID number of an open case warns at once and links to it', async () => {
    await cw.click('[data-test=member-add]')
    await cw.fill(`${member(1)} input[data-test=member-name]`, SPOUSE.name)
    await pick(cw, `${member(1)} [data-test=member-relation]`, '配偶')
    // The demo's open case DLT-2026-0001 holds this number: the warning shows as the field is left.
    await cw.fill(`${member(1)} input[data-test=member-id]`, OPEN_CASE.id)
    await cw.press(`${member(1)} input[data-test=member-id]`, 'Tab')
    const warning = await cw.waitForSelector(`${member(1)} [data-test=duplicate-warning]`)
    const text = await warning.innerText()
    assert(text.includes(OPEN_CASE.no), `the warning names the case: ${text}`)
    const href = await cw.getAttribute(`${member(1)} [data-test=duplicate-case][data-case-no="${OPEN_CASE.no}"] [data-test=duplicate-link]`, 'href')
    assert(/^#\/cases\/.+/.test(href ?? ''), `a link to the case: ${href}`)
    await cw.locator(member(1)).scrollIntoViewIfNeeded()
    await shot(cw, 'window-duplicate')
    await cw.fill(`${member(1)} input[data-test=member-id]`, SPOUSE.id)
    await cw.press(`${member(1)} input[data-test=member-id]`, 'Tab')
    await cw.waitForSelector(`${member(1)} [data-test=duplicate-warning]`, { state: 'detached' })
    await pick(cw, `${member(1)} [data-test=member-health]`, '慢性病')
    await pick(cw, `${member(1)} [data-test=member-disease]`, '尿毒症')

    await cw.click('[data-test=member-add]')
    await cw.fill(`${member(2)} input[data-test=member-name]`, CHILD.name)
    await pick(cw, `${member(2)} [data-test=member-relation]`, '子')
    await cw.fill(`${member(2)} input[data-test=member-id]`, CHILD.id)
    await cw.press(`${member(2)} input[data-test=member-id]`, 'Tab')
    await pick(cw, `${member(2)} [data-test=member-school_stage]`, '义务教育')
    // Sex and birth date follow from a valid ID number.
    await until('the child\'s birth date from the ID number', async () => (await cw.inputValue(`${member(2)} [data-test=member-birth] input`)) === '2015-06-06')
  })

  const caseId = await step('declared rows; a problem is shown beside its field; 保存并继续 creates the draft', async () => {
    await cw.click('[data-test=expense-add]')
    await cw.fill('input[data-test=expense-amount]', '24000')
    await cw.click('[data-test=window-save]')
    await cw.waitForSelector('[data-test=window-save-error]')
    await cw.waitForSelector('[data-test=row-expenditures] .el-form-item.is-error')
    await pick(cw, '[data-test=row-expenditures] [data-test=expense-kind]', '医疗')
    // The mark goes as soon as the field is right.
    await cw.waitForSelector('[data-test=row-expenditures] .el-form-item.is-error', { state: 'detached' })
    await cw.waitForSelector('[data-test=window-save-error]', { state: 'detached' })
    await cw.click('[data-test=income-add]')
    await pick(cw, '[data-test=row-income] [data-test=income-category]', '经营净收入')
    await cw.fill('input[data-test=income-amount]', '6000')
    await cw.fill('textarea[data-test=window-income-note]', '养羊二十只')
    await cw.evaluate(() => window.scrollTo(0, 0))
    await shot(cw, 'window-form', { fullPage: true })
    await cw.click('[data-test=window-save]')
    await cw.waitForSelector('[data-test=window-view][data-step=materials]')
    const id = decodeURIComponent(/#\/window\/([^/?]+)/.exec(cw.url())?.[1] ?? '')
    assert(id, `the draft's id in ${cw.url()}`)
    const c = await windowCase(cw, id)
    assert(c.state === 'draft' && /^SQ/.test(c.case_no), `a draft: ${c.state} ${c.case_no}`)
    assert(c.application.members.length === 3 && c.agent?.name === AGENT.name && c.phone === APPLICANT.phone, `stored: ${JSON.stringify(c.application.members.map((m) => m.name))}`)
    assert(c.adults.length === 2 && c.adults.includes(APPLICANT.name) && c.adults.includes(SPOUSE.name), `the adults: ${c.adults}`)
    return id
  })

  await step('materials: the 委托书 and an ID card, downscaled in the browser, shown as thumbnails', async () => {
    const accept = await cw.getAttribute('input[data-test=material-input]', 'accept')
    const capture = await cw.getAttribute('input[data-test=material-input]', 'capture')
    assert(accept === 'image/*' && capture !== null, `a camera-friendly file input: ${accept} ${capture}`)
    const mandate = join(work, 'mandate.png')
    writeFileSync(mandate, housePicture(2480, 3508, [240, 240, 235]))
    // The agent's 委托书 is the kind offered first.
    assert((await cw.innerText('[data-test=material-kind]')).includes('委托书'), 'the 委托书 is offered first')
    await cw.setInputFiles('input[data-test=material-input]', mandate)
    await cw.waitForSelector('[data-test=material-thumb][data-kind=mandate]')
    await pick(cw, '[data-test=material-kind]', '身份证')
    const card = join(work, 'id-card.png')
    writeFileSync(card, housePicture(2400, 1500, [200, 210, 230]))
    await cw.setInputFiles('input[data-test=material-input]', card)
    await cw.waitForSelector('[data-test=material-thumb][data-kind=id_card]')
    assert((await cw.locator('[data-test=material-thumb]').count()) === 2, 'two thumbnails')
    const sizes = await cw.evaluate(async () => Promise.all([...document.querySelectorAll('[data-test=material-thumb] img')].map(async (img) => {
      await img.decode()
      return Math.max(img.naturalWidth, img.naturalHeight)
    })))
    assert(sizes.every((s) => s > 0 && s <= 1600), `stored pictures at most 1600 px: ${sizes}`)
    await shot(cw, 'window-materials')
    await cw.click('[data-test=window-to-sign]')
    await cw.waitForSelector('[data-test=window-view][data-step=signatures]')
  })

  await step('signing: the 承诺书 by the agent and each adult\'s 授权核对书 (not the child\'s); submit waits for all', async () => {
    const lines = await cw.locator('[data-test=sign-line]').evaluateAll((els) => els.map((e) => `${e.dataset.document}:${e.dataset.signer}`))
    assert(JSON.stringify(lines) === JSON.stringify([`promise:${AGENT.name}`, `consent:${APPLICANT.name}`, `consent:${SPOUSE.name}`]), `the lines: ${lines}`)
    await cw.waitForSelector('[data-test=window-submit][disabled], [data-test=window-submit].is-disabled')
    await padSign(cw, 'promise', AGENT.name)
    await padConfirm(cw, 'promise', AGENT.name)
    await padSign(cw, 'consent', APPLICANT.name)
    await padConfirm(cw, 'consent', APPLICANT.name)
    const pending = await cw.innerText('[data-test=consent-pending]')
    assert(pending.includes(SPOUSE.name) && !pending.includes(APPLICANT.name), `pending: ${pending}`)
    const missing = await cw.locator('[data-test=window-missing-item]').allInnerTexts()
    assert(missing.length === 1 && missing[0].includes(SPOUSE.name), `the server's missing list: ${missing}`)
    await cw.waitForSelector('[data-test=window-submit][disabled], [data-test=window-submit].is-disabled')
  })

  await step('a submit before every adult has signed is refused by the server (consent_missing); nothing changes', async () => {
    const answer = await cw.evaluate(async (id) => {
      const r = await fetch(`/api/console/window/cases/${encodeURIComponent(id)}/submit`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })
      return { status: r.status, body: await r.json() }
    }, caseId)
    assert(answer.status === 409 && answer.body.code === 'consent_missing', `refused: ${JSON.stringify(answer)}`)
    const c = await windowCase(cw, caseId)
    assert(c.state === 'draft' && !c.receipt, `still a draft: ${c.state}`)
  })

  const caseNo = await step('the spouse signs on the pad; 提交并受理 accepts the case; the receipt shows its dates', async () => {
    await padSign(cw, 'consent', SPOUSE.name)
    await shot(cw, 'window-signature-pad')
    await padConfirm(cw, 'consent', SPOUSE.name)
    await cw.waitForSelector('[data-test=window-ready]')
    await cw.waitForSelector('[data-test=window-signatures][data-ready=true]')
    await shot(cw, 'window-signatures')
    await cw.click('[data-test=window-submit]')
    await cw.click('.el-message-box__btns .el-button--primary')
    await cw.waitForSelector('[data-test=window-receipt]')
    const no = await cw.innerText('[data-test=receipt-case-no]')
    assert(/^SQ-\d{8}-\d{4}$/.test(no.trim()), `the case number: ${no}`)
    assert(/^\d{4}-\d{2}-\d{2}$/.test((await cw.innerText('[data-test=receipt-accepted]')).trim()), 'the 受理 date')
    const due = await cw.innerText('[data-test=receipt-due]')
    assert(/\d{4}-\d{2}-\d{2}（\d+ 个工作日）/.test(due), `the due date: ${due}`)
    await shot(cw, 'window-submitted')
    return no.trim()
  })

  await step('the 受理回执 is a PDF holding the case number (rendered to PNG)', async () => {
    const href = await cw.getAttribute('[data-test=receipt-pdf]', 'href')
    const res = await cw.context().request.get(new URL(href, url).toString())
    const body = await res.body()
    assert(res.status() === 200 && body.subarray(0, 4).toString() === '%PDF', `a PDF: ${res.status()}`)
    const pdf = join(work, 'receipt.pdf')
    writeFileSync(pdf, body)
    const text = run('pdftotext', ['-layout', pdf, '-'])
    assert(text.includes(caseNo), `the case number in the receipt: ${text.slice(0, 400)}`)
    run('pdftoppm', ['-png', '-r', '110', '-f', '1', '-singlefile', pdf, join(SCREENSHOTS ? SHOTS : work, 'window-receipt')])
  })

  await step('协同办理: a medical need is referred from the case page and listed with its 转办单', async () => {
    await cw.goto(`${url}/#/cases/${encodeURIComponent(caseId)}?tab=referrals`)
    await cw.waitForSelector('[data-test=referrals-panel] [data-test=referrals-none]')
    await pick(cw, '[data-test=referral-target]', '医疗救助')
    await cw.fill('input[data-test=referral-note]', REFERRAL_NOTE)
    await cw.click('[data-test=referral-submit]')
    const r = await cw.waitForSelector('[data-test=referral][data-target=medical][data-state=sent]')
    assert((await r.innerText()).includes(REFERRAL_NOTE), 'the note on the referral')
    const slip = await cw.context().request.get(new URL(await cw.getAttribute('[data-test=referral-slip]', 'href'), url).toString())
    assert(slip.status() === 200 && (await slip.body()).subarray(0, 4).toString() === '%PDF', 'the 转办单 as PDF')
    await shot(cw, 'window-referrals')
  })

  await step('the case waits in the queue like a phone case (已受理)', async () => {
    await cw.goto(`${url}/#/`)
    await cw.waitForSelector('[data-test=queue-table]')
    await until('the case in the queue', async () => (await cw.innerText('[data-test=queue-table]')).includes(APPLICANT.name), { timeout: 10_000, every: 500 })
    const row = cw.locator('[data-test=queue-table] tr', { hasText: APPLICANT.name })
    assert((await row.locator('[data-test=row-state]').getAttribute('data-state')) === 'accepted', 'accepted in the queue')
  })

  await step('the township lead starts the investigation with two investigators', async () => {
    const page = await consoleSignIn(await browser.newContext(VIEW), url, LEAD, DEMO_PASSWORD)
    watch(page)
    await page.goto(`${url}/#/cases/${encodeURIComponent(caseId)}?tab=workflow`)
    await state(page, 'accepted')
    await act(page, 'start_investigation', 'investigating', async () => {
      for (const n of INVESTIGATORS) await pick(page, '[data-test=action-team]', n)
      await page.keyboard.press('Escape')
    })
    // The lead acts on referrals too; the bureau only reads them.
    await page.goto(`${url}/#/cases/${encodeURIComponent(caseId)}?tab=referrals`)
    await page.waitForSelector('[data-test=referral][data-target=medical] [data-test=referral-close]')
  })

  await step('two simulated tablets receive the case: three declared members and both documents', async () => {
    const homes = INVESTIGATORS.map((_, i) => join(work, `tablet-${i}`))
    INVESTIGATORS.forEach((n, i) => {
      const code = admin('enroll-code', '--user', n).trim()
      tablet(homes[i], 'enroll', '--server', url, '--code', code, '--fingerprint', fp, '--name', `窗口测试平板-0${i + 1}`)
      tablet(homes[i], 'sync')
      const doc = show(homes[i], caseId)
      assert(doc.header.status === 'investigating', `on tablet ${i + 1}: ${JSON.stringify(doc.header)}`)
      const names = doc.declared.members.map((m) => m.name)
      assert(names.length === 3 && [APPLICANT.name, SPOUSE.name, CHILD.name].every((n) => names.includes(n)), `members on tablet ${i + 1}: ${names}`)
      const kinds = (doc.declared.documents ?? []).map((d) => d.kind).sort()
      assert(JSON.stringify(kinds) === JSON.stringify(['id_card', 'mandate']), `documents on tablet ${i + 1}: ${kinds}`)
    })
  })

  await step('a draft the family will not finish is given up with a reason and leaves the list', async () => {
    await cw.goto(`${url}/#/window`)
    const draft = await cw.evaluate(async (body) => {
      const r = await fetch('/api/console/window/cases', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return r.json()
    }, { programme: 'dibao', village: '树林召村', address: '', phone: '', agent: null, applicant: { name: '放弃测试', id_number: '150621196205050031' }, members: [] })
    assert(draft.case_no, `a draft: ${JSON.stringify(draft)}`)
    await cw.reload()
    const row = cw.locator('[data-test=window-drafts] tr', { hasText: draft.case_no })
    await row.locator('[data-test=window-discard]').click()
    await cw.locator('.el-message-box input').fill('申请人决定暂不申请')
    await cw.locator('.el-message-box .el-button--primary').click()
    await until('the draft left the list', async () => !(await cw.innerText('[data-test=window-drafts]')).includes(draft.case_no), { timeout: 10_000, every: 300 })
    const again = await windowCase(cw, draft.case_id)
    assert(again.code === 'not_found', `a draft given up is gone from the window: ${JSON.stringify(again)}`)
  })

  await step('no script errors on any page', async () => {
    assert(errors.length === 0, errors.join('\n'))
  })
}

async function finish() {
  try {
    await browser?.close()
  } catch {}
  try {
    server?.process.kill('SIGTERM')
  } catch {}
  if (!KEEP) rmSync(work, { recursive: true, force: true })
  log(`${counts.passed} passed, ${counts.failed} failed; ${a11yCounts.screens} window screens checked for accessibility`)
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
