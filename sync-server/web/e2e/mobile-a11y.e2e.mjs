// Browser test of the phone pages' accessibility (issue 14) against a REAL jiuzhu-server: every
// phone page — home, sign-in, my cases, each step of the application wizard, materials, signing,
// status, report, objection, 公示, roll, ballot — checked with axe-core (no serious or critical
// violation) in the normal look and in elder mode (长辈模式), where text must be at least 20 px,
// every control at least 48 px tall and the contrast AAA (7:1). Elder mode is switched with one
// tap, remembered, and in place before the first paint after a reload. Read-aloud speaks the
// page's main text in Chinese (the browser's speech synthesis observed). And the agent path
// (代办): a son applies for his mother, is refused submission without the 委托书 in plain
// Chinese, uploads it, submits, and the township's console shows him on the case page.
// Screenshots: docs/screenshots/phone-elder-*.png, phone-agent-*.png. Prints `N passed, M failed`.
//
//   node e2e/mobile-a11y.e2e.mjs   builds the binaries first (JIUZHU_E2E_SKIP_BUILD=1 skips that);
//   JIUZHU_E2E_SCREENSHOTS=0 leaves docs/screenshots alone; JIUZHU_E2E_KEEP=1 keeps the temp dir.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  REPO, KEEP, log, counts, Stop, step, assert, run, privateBinaries, startServer, launchChromium, shot, until, watchedPages,
  a11y, a11yCounts, startSmsGateway, consoleSignIn, drawSignature,
} from './lib.mjs'
import { housePicture } from './png.mjs'

const TOWNSHIP = '树林召镇'
const PASSWORD = 'shulinzhao-2026'
const CASEWORKER = '张海燕'
const PHONE = '13800138011'
const MOTHER = { name: '白桂花', id: '150621194003120020' }
const SON = { name: '刘强', id: '15062119820105013X', relation: '儿子', phone: '13800138012' }
const PHONE_VIEW = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }

const work = mkdtempSync(join(tmpdir(), 'jiuzhu-mobile-a11y-e2e-'))
const data = join(work, 'data')
let bins = {}
let server = null
let sms = null
let browser = null
const admin = (...args) => run(bins['jiuzhu-server'], ['admin', '--data', data, ...args])

/**
 * Elder mode's promises on what the page shows now: no visible text under 20 px and no control
 * under 48 px tall (sizes as drawn, the page's zoom included), and AAA contrast (axe's enhanced
 * contrast rule, 7:1; 4.5:1 for large text).
 */
async function elderChecks(page, name) {
  const small = await page.evaluate(() => {
    const out = []
    const visible = (el) => {
      const r = el.getBoundingClientRect()
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'
    }
    for (const el of document.querySelectorAll('.m-app *')) {
      if (!visible(el)) continue
      const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim())
      const zoom = el.currentCSSZoom ?? 1
      const px = parseFloat(getComputedStyle(el).fontSize) * zoom
      if (own && px < 19.95) out.push(`text ${px.toFixed(1)}px: ${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 20)}"`)
      const control = el.matches('button, input:not([type=file]):not([type=checkbox]):not([type=radio]), select, textarea, a[href], [role=switch], [role=radio]')
      if (control && el.getBoundingClientRect().height < 47.5) out.push(`control ${el.getBoundingClientRect().height.toFixed(0)}px tall: ${el.tagName.toLowerCase()}[data-test=${el.dataset.test}]`)
    }
    return out
  })
  assert(small.length === 0, `elder mode (${name}): ${small.slice(0, 8).join('; ')}`)
  const aaa = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast-enhanced'] }, resultTypes: ['violations'] })
    return r.violations.flatMap((v) => v.nodes.slice(0, 6).map((n) => `${n.target.join(' ')} — ${(n.failureSummary || '').split('\n').slice(1, 2).join(' ').trim()}`))
  })
  assert(aaa.length === 0, `elder mode (${name}): contrast below AAA:\n      ${aaa.join('\n      ')}`)
}

/** axe on what `page` shows, in the normal look and then in elder mode (switched with the toggle
 *  in the header, and back), plus elder mode's own checks. */
async function bothModes(page, name, { shotElder } = {}) {
  const toggle = page.locator('[data-test=elder-toggle]')
  if ((await toggle.getAttribute('aria-checked')) === 'true') await toggle.click()
  await a11y(page, `${name} (normal)`)
  await toggle.click()
  await until('elder mode on', async () => page.evaluate(() => document.documentElement.classList.contains('m-elder')))
  await a11y(page, `${name} (elder mode)`)
  await elderChecks(page, name)
  if (shotElder) await shot(page, shotElder)
  await toggle.click()
  await until('elder mode off', async () => page.evaluate(() => !document.documentElement.classList.contains('m-elder')))
}

/** The newest one-time code the SMS gateway delivered to `phone` after its first `since` texts. */
async function codeFor(phone, since) {
  return until(`a one-time code for ${phone}`, () => {
    const found = sms.sent.slice(since).filter((t) => t.phone === phone)
    return found.length ? found[found.length - 1].code : null
  })
}

async function main() {
  log('phone pages accessibility browser test (elder mode, read-aloud, agent path, axe)')
  bins = await privateBinaries(work, ['jiuzhu-server'])
  await step('admin: a caseworker, the workflow options and calendar', () => {
    admin('add-user', '--name', CASEWORKER, '--role', 'caseworker', '--township', TOWNSHIP, '--password', PASSWORD)
    admin('set-workflow', '--file', join(REPO, 'config', 'workflow', 'example.toml'))
    admin('set-calendar', '--file', join(REPO, 'config', 'calendars', 'example-2026.toml'))
  })
  sms = await step('an SMS gateway for the one-time codes', () => startSmsGateway(data))
  server = await step('serve on 127.0.0.1:0', () => startServer(bins['jiuzhu-server'], data))
  const { url } = server
  log(`    ${url}`)

  browser = await launchChromium()
  const errors = []
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN', ...PHONE_VIEW })
  // What the page asked the speech synthesis to say, and whether elder mode was on when <body>
  // first appeared (before anything of the page could be drawn).
  await ctx.addInitScript(() => {
    window.__spoken = []
    if (window.speechSynthesis) {
      window.speechSynthesis.speak = (u) => {
        window.__spoken.push({ text: u.text, lang: u.lang })
        setTimeout(() => u.onend?.(), 50)
      }
    }
    new MutationObserver((_, obs) => {
      if (!document.body) return
      window.__elderAtBody = document.documentElement.classList.contains('m-elder')
      window.__appEmptyAtBody = !document.querySelector('#app > *')
      obs.disconnect()
    }).observe(document, { childList: true, subtree: true })
  })
  const app = await ctx.newPage()
  watchedPages.add(app)
  app.on('pageerror', (e) => errors.push(`${app.url()}: ${e}`))

  await step('home: the header has the elder-mode switch and read-aloud; axe in both modes', async () => {
    await app.goto(`${url}/m/#/`)
    await app.waitForSelector('[data-test=home-apply]')
    assert((await app.getAttribute('html', 'lang')) === 'zh-CN', 'the page says it is Chinese')
    const toggle = app.locator('[data-test=elder-toggle]')
    assert((await toggle.getAttribute('role')) === 'switch' && (await toggle.getAttribute('aria-checked')) === 'false', 'a switch, off')
    await shot(app, 'phone-normal-home')
    await bothModes(app, 'home', { shotElder: 'phone-elder-home' })
  })

  await step('elder mode is remembered and in place before the first paint after a reload', async () => {
    await app.click('[data-test=elder-toggle]')
    await app.reload()
    await app.waitForSelector('[data-test=home-apply]')
    const seen = await app.evaluate(() => ({ atBody: window.__elderAtBody, empty: window.__appEmptyAtBody, now: document.documentElement.classList.contains('m-elder') }))
    assert(seen.atBody === true && seen.empty === true && seen.now === true, `elder mode before the first paint: ${JSON.stringify(seen)}`)
    assert((await app.getAttribute('[data-test=elder-toggle]', 'aria-checked')) === 'true', 'the switch shows it on')
    const h = await app.locator('[data-test=home-apply]').boundingBox()
    assert(h.height >= 60, `a big tile: ${h.height}`)
    await app.click('[data-test=elder-toggle]')
    await app.reload()
    await app.waitForSelector('[data-test=home-apply]')
    assert(!(await app.evaluate(() => window.__elderAtBody)), 'off after switching it off')
  })

  await step('read-aloud speaks the main text in Chinese and stops', async () => {
    await app.click('[data-test=read-aloud]')
    const spoken = await until('something spoken', async () => {
      const s = await app.evaluate(() => window.__spoken)
      return s.length ? s : null
    })
    assert(spoken.every((u) => u.lang === 'zh-CN'), `Chinese: ${JSON.stringify(spoken)}`)
    const text = spoken.map((u) => u.text).join('')
    assert(text.includes('社会救助') && !text.includes('长辈模式'), `the page's text, not its controls: ${text}`)
    await app.waitForSelector('[data-test=read-aloud]')
  })

  await step('sign-in page, then signed in with the one-time code; axe in both modes', async () => {
    await app.goto(`${url}/m/#/login`)
    await app.waitForSelector('[data-test=login-phone]')
    await bothModes(app, 'login')
    await app.fill('[data-test=login-phone]', PHONE)
    const since = sms.sent.length
    await app.click('[data-test=login-send-code]')
    await app.fill('[data-test=login-code]', await codeFor(PHONE, since))
    await app.click('[data-test=login-submit]')
    await app.waitForSelector('[data-test=cases-new], [data-test=cases-empty]')
    await bothModes(app, 'cases')
  })

  const caseId = await step('agent path: the wizard asks who applies; the agent\'s fields are checked; every step passes axe', async () => {
    await app.click('[data-test=cases-new]')
    await app.waitForSelector('[data-test=programme-tekun]')
    await app.click('[data-test=programme-tekun]')
    await bothModes(app, 'apply: programme')
    await app.click('[data-test=apply-next]')
    await app.click(`[data-test=apply-township-option][data-value="${TOWNSHIP}"]`)
    await app.fill('[data-test=apply-village]', '王爱召嘎查')
    await app.fill('[data-test=apply-address]', '二社5号')
    await bothModes(app, 'apply: place')
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=apply-who]')
    await app.fill('[data-test=apply-name]', MOTHER.name)
    await app.fill('[data-test=apply-id]', MOTHER.id)
    await app.click('[data-test=apply-who-option][data-value=agent]')
    await app.waitForSelector('[data-test=apply-agent]')
    await app.fill('[data-test=agent-name]', SON.name)
    await app.fill('[data-test=agent-id]', '150621198201050130')
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=agent-id-error]')
    assert((await app.innerText('[data-test=agent-id-error]')).includes('身份证号'), 'the agent\'s ID number is checked (GB 11643)')
    await app.waitForSelector('[data-test=agent-relation-error]')
    await bothModes(app, 'apply: applicant with agent, errors')
    await app.fill('[data-test=agent-id]', SON.id)
    await app.fill('[data-test=agent-relation]', SON.relation)
    await app.fill('[data-test=agent-phone]', SON.phone)
    await app.evaluate(() => document.querySelector('[data-test=apply-who]').scrollIntoView({ block: 'start' }))
    await shot(app, 'phone-agent-apply')
    await bothModes(app, 'apply: applicant with agent', { shotElder: 'phone-elder-mode' })
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=member-list]')
    await bothModes(app, 'apply: members')
    await app.click('[data-test=member-edit] >> nth=0')
    await app.waitForSelector('[data-test=member-form]')
    await bothModes(app, 'apply: one member')
    await app.click('[data-test=member-health-option] >> nth=0')
    await app.click('[data-test=member-save]')
    await app.waitForSelector('[data-test=member-list]')
    // Saving the member saves the draft: "next" waits for that.
    await app.waitForSelector('[data-test=apply-saved]')
    await app.waitForSelector('[data-test=apply-next]:not(.van-button--loading)')
    await app.click('[data-test=apply-next]')
    await app.waitForSelector('[data-test=apply][data-step=notes]')
    await app.click('[data-test=income-add]')
    await bothModes(app, 'apply: income, property, expenses')
    await app.click('[data-test=row-remove]')
    await app.click('[data-test=apply-next]')
    await app.waitForURL(/\/materials$/)
    return decodeURIComponent(/cases\/([^/]+)\/materials/.exec(app.url())[1])
  })

  await step('materials and signing: the 承诺书 is the agent\'s to sign; axe in both modes', async () => {
    const photo = join(work, 'id-card.png')
    writeFileSync(photo, housePicture(1200, 800))
    await app.setInputFiles('[data-test=material-input-id_card]', photo)
    await app.waitForSelector('[data-test=material-thumb]')
    await bothModes(app, 'materials')
    await app.click('[data-test=materials-next]')
    await app.waitForSelector('[data-test=doc-promise]')
    await until('the 承诺书 asks the agent to sign', async () => (await app.inputValue('[data-test=sign-signer]')) === SON.name)
    await bothModes(app, 'sign: 承诺书')
    await drawSignature(app, '[data-test=sign-pad-canvas]')
    await app.click('[data-test=sign-confirm]')
    await app.waitForSelector('[data-test=doc-consent]')
    await until('the consent asks the mother to sign', async () => (await app.inputValue('[data-test=sign-signer]')) === MOTHER.name)
    await bothModes(app, 'sign: 授权核对书')
    await drawSignature(app, '[data-test=sign-pad-canvas]')
    await app.click('[data-test=sign-confirm]')
    await app.waitForSelector('[data-test=submit-application]')
    const agent = await app.innerText('[data-test=sign-summary-agent]')
    assert(agent.includes(SON.name) && agent.includes(SON.relation), `the summary names the agent: ${agent}`)
    await bothModes(app, 'sign: submit')
  })

  await step('submitting without the 委托书 is refused in plain Chinese; with it the application goes in', async () => {
    await app.click('[data-test=submit-application]')
    const message = await until('the refusal', async () => {
      const el = app.locator('.m-error[role=alert]')
      return (await el.count()) ? el.first().innerText() : null
    })
    assert(message.includes('委托申请须上传委托书'), `the refusal says what is missing: ${message}`)
    await shot(app, 'phone-agent-mandate-missing')
    await bothModes(app, 'sign: refused for the 委托书')
    await app.goto(`${url}/m/#/cases/${encodeURIComponent(caseId)}/materials`)
    const mandate = join(work, 'mandate.png')
    writeFileSync(mandate, housePicture(1200, 1600, [240, 240, 230]))
    await app.setInputFiles('[data-test=material-input-mandate]', mandate)
    await app.waitForSelector('[data-test=material-count-mandate]')
    await app.click('[data-test=materials-next]')
    await app.waitForSelector('[data-test=submit-application]')
    await app.click('[data-test=submit-application]')
    await app.click('.van-dialog__confirm')
    await app.waitForSelector('[data-test=state-badge][data-state=submitted]')
    await bothModes(app, 'status: submitted')
  })

  await step('the other applicant pages: report, objection to a 核对 result; axe in both modes', async () => {
    for (const [path, name] of [['report', 'report'], ['check-objection', 'check objection']]) {
      await app.goto(`${url}/m/#/cases/${encodeURIComponent(caseId)}/${path}`)
      await app.waitForSelector('.m-page')
      await app.waitForSelector('.van-loading', { state: 'detached' })
      await bothModes(app, name)
    }
  })

  await step('public pages: 公示, roll, a spent ballot link; axe in both modes', async () => {
    for (const [path, name] of [
      ['publicity', 'publicity: townships'], [`publicity/${encodeURIComponent(TOWNSHIP)}`, 'publicity'],
      ['roll', 'roll: townships'], [`roll/${encodeURIComponent(TOWNSHIP)}`, 'roll'], ['vote/not-a-ballot', 'ballot'],
    ]) {
      await app.goto(`${url}/m/#/${path}`)
      await app.waitForSelector('.m-page')
      await app.waitForSelector('.van-loading', { state: 'detached' })
      await bothModes(app, name)
    }
  })

  await step('console: the case page shows the agent', async () => {
    const cctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
    const cw = await consoleSignIn(cctx, url, CASEWORKER, PASSWORD)
    watchedPages.add(cw)
    await cw.goto(`${url}/#/cases/${caseId}?tab=workflow`)
    await cw.waitForSelector('[data-test=wf-agent]')
    const text = await cw.innerText('[data-test=wf-agent]')
    assert(text.includes(SON.name) && text.includes(SON.relation) && text.includes(SON.id), `the agent on the case page: ${text}`)
    await cw.locator('[data-test=wf-application]').scrollIntoViewIfNeeded()
    await shot(cw, 'phone-agent-console-case')
    await cctx.close()
  })

  await step('no script error on any page', () => assert(errors.length === 0, errors.join('\n')))
  log(`    axe: ${a11yCounts.screens} screens checked`)
}

try {
  await main()
} catch (e) {
  if (!(e instanceof Stop)) {
    counts.failed++
    log(`  ✗ ${e?.stack || e}`)
  }
} finally {
  await browser?.close().catch(() => {})
  sms?.close()
  server?.process.kill('SIGTERM')
  if (!KEEP) rmSync(work, { recursive: true, force: true })
  else log(`    kept ${work}`)
}
log(`${counts.passed} passed, ${counts.failed} failed`)
process.exit(counts.failed ? 1 : 0)
