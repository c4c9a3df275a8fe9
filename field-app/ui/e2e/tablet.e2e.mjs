// End to end on the real app: tauri-driver + WebKitWebDriver (run under xvfb-run) against a real
// jiuzhu-server on 127.0.0.1. Enroll, set PIN, unlock, receive the assigned case, fill members and
// income, attach a photo, sign, finalize, sync; a caseworker returns it with a note; answer, correct,
// re-sign, re-finalize, sync. The server's export-case must hold the sealed visits, signatures
// and photo blobs. Screenshots of every screen go to docs/screenshots/tablet-*.png.
//
// env: APP_BIN (debug app), SERVER_BIN (jiuzhu-server), TAURI_DRIVER (path), SHOTS (dir or "")
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, existsSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import https from 'node:https'
import { remote } from 'webdriverio'

const APP_BIN = process.env.APP_BIN
const SERVER_BIN = process.env.SERVER_BIN
const TAURI_DRIVER = process.env.TAURI_DRIVER || 'tauri-driver'
const SHOTS = process.env.SHOTS ?? ''
const PIN = '246810'

let passed = 0
let failed = 0
const children = []
const work = mkdtempSync(join(tmpdir(), 'jiuzhu-e2e-'))
const data = join(work, 'server')
const appHome = join(work, 'home')
mkdirSync(appHome)

function step(name, ok, detail = '') {
  if (ok) passed++
  else failed++
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`)
  if (!ok) throw new Error(`step failed: ${name} ${detail}`)
}

function admin(...args) {
  return execFileSync(SERVER_BIN, ['admin', '--data', data, ...args], { encoding: 'utf8' }).trim()
}

function startServer(listen = '127.0.0.1:0') {
  return new Promise((resolve, reject) => {
    const p = spawn(SERVER_BIN, ['serve', '--data', data, '--listen', listen], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(p)
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30000)
    const on = (b) => {
      out += b.toString()
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      const fp = /certificate fingerprint \(SHA-256\): ([0-9A-Fa-f:]+)/.exec(out)?.[1]
      if (url && fp) {
        clearTimeout(timer)
        resolve({ url, fp, proc: p })
      }
    }
    p.stdout.on('data', on)
    p.stderr.on('data', on)
  })
}

function waitPort(port) {
  return new Promise((resolve, reject) => {
    const until = Date.now() + 30000
    const tryOnce = () =>
      fetch(`http://127.0.0.1:${port}/status`)
        .then(() => resolve())
        .catch(() => (Date.now() > until ? reject(new Error('tauri-driver did not start')) : setTimeout(tryOnce, 250)))
    tryOnce()
  })
}

// The console's JSON API with the self-signed certificate (this is a test client, not the app).
function consoleCall(base, method, path, body, cookie) {
  return new Promise((resolve, reject) => {
    const u = new URL(`/api/console${path}`, base)
    const req = https.request(
      u,
      {
        method,
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), origin: base },
      },
      (res) => {
        let b = ''
        res.on('data', (c) => (b += c))
        res.on('end', () => resolve({ status: res.statusCode, body: b, cookie: (res.headers['set-cookie'] ?? [])[0]?.split(';')[0] }))
      },
    )
    req.on('error', reject)
    if (body) req.write(JSON.stringify(body))
    req.end()
  })
}

const norm = (fp) => fp.replace(/[^0-9a-f]/gi, '').toLowerCase()

let browser
async function shot(name) {
  if (!SHOTS) return
  await browser.pause(400)
  // Transient toasts ("已保存") would cover the screen being documented.
  await browser.execute(() => {
    const st = document.createElement('style')
    st.id = 'e2e-no-toast'
    st.textContent = '.van-toast { display: none !important; }'
    document.head.appendChild(st)
  })
  await browser.pause(200)
  await browser.saveScreenshot(join(SHOTS, `tablet-${name}.png`))
  await browser.execute(() => document.getElementById('e2e-no-toast')?.remove())
}
const $t = (id) => browser.$(`[data-testid="${id}"]`)
async function typeInto(sel, text) {
  const el = typeof sel === 'string' ? await browser.$(sel) : sel
  await el.waitForDisplayed({ timeout: 15000 })
  await el.scrollIntoView({ block: 'center' })
  await el.clearValue()
  await el.setValue(text)
}
/** Type into a form field and commit it the way a person does: leave the field (change event). */
async function fill(path, text) {
  const el = await browser.$(`[data-testid="f-${path}"]`)
  await typeInto(el, text)
  await browser.execute((e) => e.dispatchEvent(new Event('change', { bubbles: true })), el)
  await browser.pause(300)
}
async function select(path, value) {
  const el = await browser.$(`[data-testid="f-${path}"]`)
  await el.waitForExist({ timeout: 15000 })
  await el.selectByAttribute('value', value)
  await browser.pause(300)
}
/** Click like a finger; if the sticky top bar or tab strip covers the target after WebDriver's own
 *  scrolling, scroll it to the middle and click there. */
async function press(el) {
  await el.scrollIntoView({ block: 'center' })
  try {
    await el.click()
  } catch (e) {
    if (!/intercepted/.test(String(e))) throw e
    await browser.execute((x) => x.scrollIntoView({ block: 'center' }), el)
    const { x, y, width, height } = await browser.execute((x) => x.getBoundingClientRect().toJSON(), el)
    await browser.action('pointer').move({ x: Math.round(x + width / 2), y: Math.round(y + height / 2) }).down().up().perform()
  }
}
async function click(id) {
  const el = await $t(id)
  await el.waitForClickable({ timeout: 20000 })
  await press(el)
}
async function tab(name) {
  const el = await browser.$(`.tab-${name}`)
  await el.waitForExist({ timeout: 15000 })
  await el.scrollIntoView({ block: 'center', inline: 'center' })
  await press(el)
  await browser.pause(300)
}
async function doc(caseId) {
  return JSON.parse(admin('export-case', '--case', caseId))
}
/** Draw a stroke on the open signature pad with pointer events, as a finger would. */
async function drawSignature() {
  const c = await $t('signature-canvas')
  await c.waitForDisplayed({ timeout: 10000 })
  await browser.execute((canvas) => {
    const r = canvas.getBoundingClientRect()
    const ev = (type, x, y) =>
      canvas.dispatchEvent(new PointerEvent(type, { bubbles: true, pointerId: 1, clientX: r.left + x, clientY: r.top + y }))
    ev('pointerdown', 20, 120)
    for (let i = 0; i <= 40; i++) ev('pointermove', 20 + i * 8, 120 + Math.sin(i / 3) * 50)
    ev('pointerup', 340, 120)
  }, c)
}
/** Put a camera JPEG into the hidden file input (made in-page: the pipeline decodes it for real). */
async function attachPhoto(testid) {
  const input = await $t(testid)
  await browser.execute(async (el) => {
    const cv = document.createElement('canvas')
    cv.width = 800
    cv.height = 600
    const g = cv.getContext('2d')
    g.fillStyle = '#8fb3c9'
    g.fillRect(0, 0, 800, 600)
    g.fillStyle = '#a0522d'
    g.fillRect(200, 250, 400, 300)
    g.fillStyle = '#7a2e12'
    g.beginPath()
    g.moveTo(170, 260)
    g.lineTo(400, 110)
    g.lineTo(630, 260)
    g.fill()
    const blob = await new Promise((ok) => cv.toBlob(ok, 'image/jpeg', 0.9))
    const dt = new DataTransfer()
    dt.items.add(new File([blob], 'house.jpg', { type: 'image/jpeg' }))
    el.files = dt.files
    el.dispatchEvent(new Event('change', { bubbles: true }))
  }, input)
}
async function signAll() {
  await tab('sign')
  for (;;) {
    const states = await browser.$$('[data-testid="signer-state"]')
    let idx = -1
    for (let i = 0; i < states.length; i++) {
      const s = await states[i].getText()
      if (s !== '已签名' && s !== '已按手印') {
        idx = i
        break
      }
    }
    if (idx < 0) break
    const buttons = await browser.$$('[data-testid="sign-button"]')
    await press(buttons[idx])
    await drawSignature()
    if (idx === 0) await shot('09-signature-pad')
    await click('signature-save')
    await browser.waitUntil(async () => (await (await browser.$$('[data-testid="signer-state"]'))[idx].getText()) === '已签名', {
      timeout: 15000,
    })
  }
}
async function finalizeVisit() {
  await click('finalize-button')
  const ok = await browser.$('.van-dialog__confirm')
  await ok.waitForClickable({ timeout: 10000 })
  await ok.click()
  await (await $t('content-hash')).waitForDisplayed({ timeout: 15000 })
}
async function syncNow() {
  await click('nav-sync')
  await click('sync-button')
  await browser.waitUntil(async () => (await (await $t('sync-result')).isExisting()) || (await (await $t('sync-error')).isExisting()), {
    timeout: 60000,
  })
  const err = await $t('sync-error')
  if (await err.isExisting()) throw new Error(`sync failed: ${await err.getText()}`)
}

async function main() {
  if (SHOTS) mkdirSync(SHOTS, { recursive: true })
  // --- the township: server, users, a case assigned to two investigators, an enrollment code
  const server = await startServer()
  admin('add-user', '--name', '王磊', '--role', 'investigator', '--township', '树林召镇')
  admin('add-user', '--name', '李娜', '--role', 'investigator', '--township', '树林召镇')
  admin('add-user', '--name', '张海燕', '--role', 'caseworker', '--township', '树林召镇', '--password', 'e2e-secret-1')
  const caseFile = join(work, 'case.json')
  writeFileSync(
    caseFile,
    JSON.stringify({
      header: { case_no: 'DLT-2026-0042', case_type: 'rural_dibao', applicant_name: '巴特尔', township: '树林召镇', village: '王爱召嘎查', deadline: '2026-12-31' },
      declared: {
        members: [
          { name: '巴特尔', relation: '本人', id_number: '150621197803150010' },
          { name: '其其格', relation: '配偶' },
        ],
        income: [{ category: 'business', item: '养羊', amount_fen: 1200000, period_months: 12 }],
      },
    }),
  )
  const caseId = admin('add-case', '--file', caseFile).split(/\s+/).pop()
  admin('assign', '--case', caseId, '--users', '王磊,李娜')
  step('server set up', !!caseId, `${server.url} case ${caseId}`)

  // --- the app, with its data isolated in this run's temp dir
  const env = { ...process.env, JIUZHU_HOME: appHome, XDG_DATA_HOME: join(work, 'xdg'), HOME: work }
  const driver = spawn(TAURI_DRIVER, ['--port', '4444'], { env, stdio: ['ignore', 'inherit', 'inherit'] })
  children.push(driver)
  await waitPort(4444)
  browser = await remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'error',
    // Classic WebDriver: WebKitWebDriver does not offer the BiDi session webdriverio asks for by default.
    capabilities: { browserName: 'wry', 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: APP_BIN } },
  })
  await browser.setWindowSize(1280, 800).catch(() => undefined)

  // 1. enrollment with fingerprint confirmation
  await (await $t('enroll')).waitForDisplayed({ timeout: 60000 })
  await shot('01-enroll')
  await typeInto('[data-testid="enroll-server"] input', server.url)
  // The code is read from the QR the console shows (an SVG image, as a caseworker would save it).
  const login = await consoleCall(server.url, 'POST', '/login', { name: '张海燕', password: 'e2e-secret-1' })
  const qr = JSON.parse((await consoleCall(server.url, 'POST', '/enroll-codes', { user: '王磊' }, login.cookie)).body)
  const qrInput = await $t('enroll-qr')
  await browser.execute((el, svg) => {
    const dt = new DataTransfer()
    dt.items.add(new File([svg], 'enroll-qr.svg', { type: 'image/svg+xml' }))
    el.files = dt.files
    el.dispatchEvent(new Event('change', { bubbles: true }))
  }, qrInput, qr.qr_svg)
  const codeInput = await browser.$('[data-testid="enroll-code"] input')
  await browser.waitUntil(async () => (await codeInput.getValue()) === qr.code, { timeout: 15000, timeoutMsg: 'QR not decoded' })
  step('enrollment code read from the console QR image', true, qr.code)
  await click('enroll-check')
  const fpCard = await $t('enroll-fingerprint')
  await fpCard.waitForDisplayed({ timeout: 20000 })
  const shown = await (await fpCard.$('pre')).getText()
  step('fingerprint shown matches the server', norm(shown) === norm(server.fp), shown)
  await shot('02-enroll-fingerprint')
  await click('enroll-confirm')

  // 2. PIN, then lock and unlock
  await (await $t('pin-set')).waitForDisplayed({ timeout: 20000 })
  await typeInto('[data-testid="pin-input"] input', PIN)
  await typeInto('[data-testid="pin-repeat"] input', PIN)
  await shot('03-pin-set')
  await click('pin-submit')
  await (await $t('case-list')).waitForDisplayed({ timeout: 20000 })
  await click('lock')
  await (await $t('unlock')).waitForDisplayed({ timeout: 10000 })
  await typeInto('[data-testid="pin-input"] input', '0000')
  await click('pin-submit')
  await (await $t('pin-error')).waitForDisplayed({ timeout: 10000 })
  step('wrong PIN refused', (await (await $t('pin-error')).getText()).includes('密码错误'))
  await typeInto('[data-testid="pin-input"] input', PIN)
  await shot('04-unlock')
  await click('pin-submit')
  await (await $t('case-list')).waitForDisplayed({ timeout: 20000 })
  step('enrolled, PIN set, unlocked', true)

  // 3. first sync brings the assigned case
  await syncNow()
  await shot('11-sync-result')
  await browser.execute(() => (location.hash = '#/cases'))
  const item = await browser.$('[data-testid="case-item"][data-case-no="DLT-2026-0042"]')
  await item.waitForDisplayed({ timeout: 20000 })
  step('assigned case received', true)
  await (await $t('case-search')).$('input').then((i) => i.setValue('巴特'))
  await browser.pause(500)
  await shot('05-case-list')
  await item.click()

  // 4. case detail, then the visit form
  await (await $t('case-detail')).waitForDisplayed({ timeout: 20000 })
  await shot('06-case-detail')
  await click('start-visit')
  await (await $t('visit-form')).waitForDisplayed({ timeout: 20000 })
  await select('visits.0.method', 'home')
  await shot('07-visit-basic')

  // members: both present; ID verified with a typo first (inline checksum error), then right
  await tab('members')
  await (await $t('present-0')).waitForExist({ timeout: 10000 })
  await (await $t('present-0')).click()
  await browser.pause(400)
  await (await $t('present-1')).click()
  await browser.pause(400)
  await fill('visits.0.members.0.id_number.verified', '150621197803150018')
  const idErr = await browser.$('[data-path="visits.0.members.0.id_number.verified"] [data-testid="field-error"]')
  step('ID checksum error shown inline', (await idErr.getText()).includes('校验位'))
  await fill('visits.0.members.0.id_number.verified', '150621197803150010')
  await click('match-visits.0.members.0.id_number')
  await browser.pause(300)
  await click('differ-visits.0.members.1.relation')
  await browser.pause(400)
  await fill('visits.0.members.1.relation.reason', '户口本登记为配偶，实际已离婚但仍共同生活')
  await shot('08-visit-members')

  // income: one row, with an amount typo rejected inline
  await tab('income')
  await click('add-income')
  await select('visits.0.income.0.category', 'business')
  await fill('visits.0.income.0.item', '养羊（出栏 40 只）')
  await fill('visits.0.income.0.amount_fen', '9600.555')
  const amtErr = await browser.$('[data-path="visits.0.income.0.amount_fen"] [data-testid="field-error"]')
  step('amount format error shown inline', (await amtErr.getText()).includes('两位小数'))
  await fill('visits.0.income.0.amount_fen', '9600.50')
  await fill('visits.0.income.0.cost_fen', '2000')
  await shot('08-visit-income')

  await tab('living')
  await fill('visits.0.living.housing', '土木结构平房三间，屋顶漏雨')
  await fill('visits.0.living.food', '以自产牛羊肉、面粉为主')
  await shot('08-visit-living')
  await tab('preview')
  const perCapita = await $t('per-capita')
  await perCapita.waitForDisplayed({ timeout: 15000 })
  // 2 counted members, (9600.50 − 2000) 元 over 12 months → 316.68 元 per person per month.
  step('income preview computed offline from the visit', (await perCapita.getText()).includes('316.68'), await perCapita.getText())
  await shot('08-visit-preview')

  // photo
  await tab('photos')
  await typeInto('[data-testid="photo-caption"]', '住房正面')
  await attachPhoto('photo-input')
  await (await $t('photo-thumb')).waitForDisplayed({ timeout: 30000 })
  step('photo processed and shown as a thumbnail', true)
  await shot('08-visit-photos')

  // signatures and finalize
  await tab('sign')
  step('a refusal to cooperate can be recorded while the visit is open', await (await $t('refusal')).isDisplayed())
  await shot('10-finalize-incomplete')
  // A member who refuses: recorded on the card, then only the investigators sign; taken back, the
  // members present sign again (the visit below goes on as a cooperative one).
  const signerCount = async () => (await browser.$$('[data-testid="signer"]')).length
  const allSigners = await signerCount()
  await select('refusal.member', '巴特尔')
  await fill('refusal.what', '拒绝提供银行流水')
  await click('refusal-record')
  const recorded = await $t('refusal-recorded')
  await recorded.waitForDisplayed({ timeout: 15000 })
  await browser.waitUntil(async () => (await signerCount()) === 2, { timeout: 15000 })
  step('a recorded refusal leaves only the two investigators to sign', (await recorded.getText()).includes('巴特尔：拒绝提供银行流水'),
    `${allSigners} → ${await signerCount()} signers`)
  await shot('10-refusal-recorded')
  await press(await recorded.$('button'))
  await browser.waitUntil(async () => (await signerCount()) === allSigners && !(await (await $t('refusal-recorded')).isExisting()), { timeout: 15000 })
  step('the refusal taken back, the members present sign again', allSigners > 2, `${allSigners} signers`)
  await signAll()
  await shot('10-signed')
  await finalizeVisit()
  await shot('10-finalized')
  step('visit finalized in the app', true)

  // 5. sync, then the server must hold the sealed visit, signatures and photo
  await syncNow()
  await shot('11-sync-after-visit')
  let exp = await doc(caseId)
  let v = exp.document.visits[0]
  step('server holds the finalized visit', v.finalized === true && /^[0-9a-f]{64}$/.test(v.content_hash ?? ''), v.content_hash)
  step('signatures bind to the content hash', v.signatures.length === 4 && v.signatures.every((s) => s.content_hash === v.content_hash), `${v.signatures.length} signatures`)
  step('members and income arrived', v.members[0].id_number.verified === '150621197803150010' && v.income[0].amount_fen === 960050)
  step('photo blob present on the server', exp.photos.length === 1 && exp.photos.every((p) => p.present === true))
  step('all evidence present (photos and signature images)', exp.evidence_complete === true)

  // 6. caseworker returns it with a note on a field; investigator answers, corrects, re-finalizes
  // Returning a visit is a workflow action (退回补正) like every other move on a case.
  const ret = await consoleCall(server.url, 'POST', `/cases/${caseId}/workflow`, {
    action: 'return_visit', notes: [{ path: 'visits.0.living.housing', text: '请补充住房面积和危房鉴定情况' }],
  }, login.cookie)
  step('caseworker returned the visit (return_visit)', ret.status === 200, `HTTP ${ret.status}`)
  await syncNow()
  await browser.execute((id) => (location.hash = `#/case/${id}`), caseId)
  const note = await $t('review-note')
  await note.waitForDisplayed({ timeout: 20000 })
  await typeInto('[data-testid="note-answer"] input', '已补充住房面积，危房鉴定待住建部门出具')
  await click('note-send')
  await browser.waitUntil(async () => (await note.getText()).includes('已补充住房面积'), { timeout: 10000 })
  await shot('12-review-note')
  await click('start-correction')
  await (await $t('visit-form')).waitForDisplayed({ timeout: 20000 })
  // The note shows at the field it points to, in the correction too.
  await browser.execute((id) => (location.hash = `#/case/${id}/visit?tab=living&focus=visits.0.living.housing`), caseId)
  const flag = await browser.$('[data-path="visits.1.living.housing"] .note-flag')
  await flag.waitForDisplayed({ timeout: 15000 })
  step('review note shown at its field in the correction', (await flag.getText()).includes('住房面积'))
  await fill('visits.1.living.housing_area_m2', '48.5')
  await shot('12-correction-living')
  await signAll()
  await finalizeVisit()
  await syncNow()
  exp = await doc(caseId)
  const [first, second] = exp.document.visits
  step('correction sealed and synced', second?.finalized === true && second.supersedes === first.id && second.living.housing_area_m2 === 48.5)
  step('note answered on the server', exp.document.review_notes[0].responses.some((r) => r.by === '王磊'))

  // 8. no network: the message says so, and the app keeps working
  server.proc.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 500))
  await click('nav-sync')
  await click('sync-button')
  const err = await $t('sync-error')
  await err.waitForDisplayed({ timeout: 60000 })
  step('no network explained in Chinese', (await err.getText()).includes('无法连接服务器'))
  await shot('11-sync-no-network')
  await browser.execute(() => (location.hash = '#/cases'))
  await (await $t('case-list')).waitForDisplayed({ timeout: 10000 })
  await shot('05-case-list-after')
  step('last sync time visible', (await (await $t('last-sync')).getText()).startsWith('上次同步'))

  // 9. portrait tablet
  if (SHOTS) {
    await browser.setWindowSize(800, 1280).catch(() => undefined)
    await browser.pause(600)
    await shot('13-portrait-case-list')
    await browser.execute((id) => (location.hash = `#/case/${id}/visit?tab=members`), caseId)
    await (await $t('visit-form')).waitForDisplayed({ timeout: 10000 })
    await shot('13-portrait-visit-members')
  }
  // 10. a revoked device is told so in Chinese and erases its data (issue #6): the server comes
  // back on the same address (step 8 stopped it), then the device is revoked
  await startServer(new URL(server.url).host)
  const devices = JSON.parse(admin('list-devices'))
  admin('revoke-device', '--device', devices[0].id)
  await browser.execute(() => (location.hash = '#/sync'))
  await click('sync-button')
  // (the no-network message of step 8 may still show until this sync answers)
  let revokedText = ''
  await browser.waitUntil(
    async () => {
      const el = await $t('sync-error')
      revokedText = (await el.isDisplayed()) ? await el.getText() : ''
      return revokedText.includes('本设备已被停用')
    },
    { timeout: 60000, timeoutMsg: 'no revoked message' },
  )
  step('device revoked explained in Chinese', revokedText.includes('本设备已被停用') && revokedText.includes('已全部清除'), revokedText)
  await shot('11-sync-device-revoked')
  // (the app then starts a new, empty tablet in the same place, waiting for enrollment)
  const photos = join(appHome, 'photos')
  step('local data erased', !existsSync(join(appHome, 'keys.json')) && (!existsSync(photos) || readdirSync(photos).length === 0), appHome)
  await browser.execute(() => (location.hash = '#/cases'))
  await (await $t('enroll')).waitForDisplayed({ timeout: 10000 })
  step('the wiped tablet starts again at enrollment', true)
}

let code = 0
try {
  await main()
} catch (e) {
  console.error(e)
  const failShot = join(tmpdir(), 'jiuzhu-e2e-failure.png')
  if (browser) await browser.saveScreenshot(failShot).then(() => console.error(`failure screenshot: ${failShot}`)).catch(() => undefined)
  if (failed === 0) failed++
  code = 1
} finally {
  await browser?.deleteSession().catch(() => undefined)
  for (const c of children) c.kill('SIGTERM')
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true })
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(code)
