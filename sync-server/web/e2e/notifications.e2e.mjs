// Notices that reach people (docs/notifications.md), in the browser: an application made through the
// phone API, a 补正 notice issued by the caseworker, the text reaching a local SMS gateway at the
// second attempt (the first is answered HTTP 500), and the case page's 通知发送记录 showing recipient
// (masked), state and both attempts. Screenshot: docs/screenshots/notifications.png.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  REPO, KEEP, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot, until,
  a11y, a11yCounts, startSmsGateway, consoleSignIn, watchedPages,
} from './lib.mjs'
import { housePicture } from './png.mjs'

const TOWNSHIP = '树林召镇'
const PASSWORD = 'shulinzhao-2026'
const CASEWORKER = '张海燕'
const PHONE = '13800138042'
const APPLICANT = { name: '王秀兰', id: '150621196203150020' }
const VIEW = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', ignoreHTTPSErrors: true }

const work = mkdtempSync(join(tmpdir(), 'jiuzhu-notifications-e2e-'))
const data = join(work, 'data')
let bins = null
let server = null
let browser = null
let sms = null
const admin = (...args) => run(bins['jiuzhu-server'], ['admin', '--data', data, ...args])

async function main() {
  log('notifications browser test (通知发送记录)')
  bins = await privateBinaries(work, ['jiuzhu-server'])
  await step('admin: a caseworker, regional options and calendar', () => {
    admin('add-user', '--name', CASEWORKER, '--role', 'caseworker', '--township', TOWNSHIP, '--password', PASSWORD)
    admin('set-workflow', '--file', join(REPO, 'config', 'workflow', 'example.toml'))
    admin('set-calendar', '--file', join(REPO, 'config', 'calendars', 'example-2026.toml'))
  })
  sms = await step('a local SMS gateway for codes and notices (notify.toml)', () => startSmsGateway(data, { notices: true }))
  server = await step('serve on 127.0.0.1:0', () => startServer(bins['jiuzhu-server'], data))
  const { url } = server
  browser = await launchChromium()
  const errors = []

  const caseId = await step('an application through the phone API, submitted', async () => {
    const phone = (await browser.newContext(VIEW)).request
    const ok = async (res) => {
      const body = await res.json()
      assert(res.ok(), `${res.url()}: ${res.status()} ${JSON.stringify(body)}`)
      return body
    }
    await ok(await phone.post(`${url}/api/applicant/code`, { data: { phone: PHONE } }))
    const code = await until('the one-time code', () => sms.sent.find((s) => s.phone === PHONE)?.code)
    await ok(await phone.post(`${url}/api/applicant/login`, { data: { phone: PHONE, code } }))
    const c = await ok(await phone.post(`${url}/api/applicant/cases`, {
      data: {
        programme: 'dibao', township: TOWNSHIP, village: '王爱召嘎查', address: '三社12号',
        applicant: { name: APPLICANT.name, id_number: APPLICANT.id },
        members: [{ name: APPLICANT.name, id_number: APPLICANT.id, relation: '本人' }],
      },
    }))
    const picture = housePicture(320, 240)
    await ok(await phone.post(`${url}/api/applicant/cases/${c.case_id}/materials?kind=id_card&name=${encodeURIComponent('身份证')}`, {
      headers: { 'content-type': 'image/png' }, data: picture,
    }))
    const image = `data:image/png;base64,${picture.toString('base64')}`
    for (const document of ['promise', 'consent']) {
      await ok(await phone.post(`${url}/api/applicant/cases/${c.case_id}/sign`, { data: { document, signer: APPLICANT.name, image } }))
    }
    await ok(await phone.post(`${url}/api/applicant/cases/${c.case_id}/submit`, { data: {} }))
    return c.case_id
  })

  const cw = await step('the caseworker issues a 补正 notice', async () => {
    const page = await consoleSignIn(await browser.newContext(VIEW), url, CASEWORKER, PASSWORD)
    watchedPages.add(page)
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e}`))
    const res = await page.request.post(`${url}/api/console/cases/${caseId}/workflow`, {
      data: { action: 'request_supplement', missing_items: ['户口本首页及本人页', '近6个月收入证明'] },
    })
    assert(res.ok(), `补正: ${res.status()} ${await res.text()}`)
    return page
  })

  await step('the text reaches the gateway at the second attempt; the panel shows both, the phone masked', async () => {
    await cw.goto(`${url}/#/cases/${caseId}?tab=workflow`)
    await cw.waitForSelector('[data-test=notifications-panel]')
    await until('the notice sent', async () => (await cw.$$('[data-test=notification][data-state=sent]')).length === 1, { timeout: 30_000, every: 300 })
    assert(sms.notices.length === 1, `one notice text: ${JSON.stringify(sms.notices)}`)
    const [n] = sms.notices
    assert(n.phone === PHONE && n.template === 'SMS_0002' && n.params.title === '补正材料告知书', `the text: ${JSON.stringify(n)}`)
    assert(!JSON.stringify(n.params).includes(APPLICANT.id), 'no ID number in the text')
    const outcomes = await cw.$$eval('[data-test=notification-attempt]', (els) => els.map((e) => e.dataset.outcome))
    assert(JSON.stringify(outcomes) === '["error","sent"]', `attempts: ${outcomes}`)
    const to = await cw.innerText('[data-test=notification-to]')
    assert(to.includes('138****8042') && !to.includes(PHONE), `recipient masked: ${to}`)
    await a11y(cw, 'notifications')
    const panel = await cw.$('[data-test=notifications-panel]')
    await panel.scrollIntoViewIfNeeded()
    const box = await panel.boundingBox()
    const top = await cw.evaluate(() => window.scrollY)
    await shot(cw, 'notifications', { fullPage: true, clip: { x: 0, y: Math.max(0, box.y + top - 16), width: VIEW.viewport.width, height: box.height + 32 } })
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
  sms?.close()
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
