// Shared by the browser tests: steps that count passes and failures, command runs with their
// output on failure, private copies of the built binaries, a real jiuzhu-server on 127.0.0.1:0
// (its whole log kept, to check no credential reaches it), a local SMS gateway for applicants'
// one-time codes, headless Chromium, the console's sign-in and pickers, a finger on a signature
// pad, simulated tablets.
import { spawn, execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join, resolve, dirname } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const HERE = dirname(fileURLToPath(import.meta.url))
export const REPO = resolve(HERE, '..', '..', '..')
export const SHOTS = join(REPO, 'docs', 'screenshots')
export const TARGET = process.env.CARGO_TARGET_DIR || '/var/cache/jiuzhu-target'
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
export const KEEP = process.env.JIUZHU_E2E_KEEP === '1'
export const SCREENSHOTS = process.env.JIUZHU_E2E_SCREENSHOTS !== '0'

export const log = (...a) => console.log(...a)
export const counts = { passed: 0, failed: 0 }

export class Stop extends Error {}

/** Pages to photograph when a step fails (to `$TMPDIR/jiuzhu-e2e-failure-N.png`). */
export const watchedPages = new Set()

async function photographFailure() {
  let i = 0
  for (const p of watchedPages) {
    if (p.isClosed()) continue
    const file = join(tmpdir(), `jiuzhu-e2e-failure-${i++}.png`)
    try {
      await p.screenshot({ path: file, fullPage: true })
      log(`    (page ${p.url()} → ${file})`)
    } catch {}
  }
}

/** Run one named step; a failure prints the first lines of its stack and stops the test. */
export async function step(name, f) {
  const t0 = Date.now()
  try {
    const r = await f()
    counts.passed++
    log(`  ✓ ${name} (${Date.now() - t0} ms)`)
    return r
  } catch (e) {
    counts.failed++
    // The first lines say where; a command's failure ends with its own error line: show both.
    const lines = String(e?.stack || e).split('\n')
    const shown = lines.length > 14 ? [...lines.slice(0, 6), '…', ...lines.slice(-8)] : lines
    log(`  ✗ ${name}\n    ${shown.join('\n    ')}`)
    await photographFailure()
    throw new Stop()
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`)
}

export function run(bin, args, opts = {}) {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim()
  } catch (e) {
    const out = `${e.stderr || ''}${e.stdout || ''}`
    throw new Error(`${bin.split('/').pop()} ${args.join(' ')} failed (${e.status}):\n${out.length > 4000 ? `…${out.slice(-4000)}` : out}`)
  }
}

/**
 * Build the binaries (unless JIUZHU_E2E_SKIP_BUILD=1) and copy them into `work`: the target
 * directory is shared with other checkouts, whose builds replace them (and a debug jiuzhu-server
 * serves web/dist of the checkout that built it).
 */
export async function privateBinaries(work, names) {
  if (process.env.JIUZHU_E2E_SKIP_BUILD !== '1') {
    await step('build the binaries', () =>
      run('cargo', ['build', '--workspace', '--bins'], { cwd: REPO, env: { ...process.env, CARGO_TARGET_DIR: TARGET }, maxBuffer: 64 << 20 }),
    )
  }
  const out = {}
  for (const n of names) {
    const built = join(TARGET, 'debug', n)
    assert(existsSync(built), `${built} (cargo build --workspace --bins)`)
    out[n] = join(work, n)
    copyFileSync(built, out[n])
    execFileSync('chmod', ['+x', out[n]])
  }
  return out
}

/** Start `serve` on 127.0.0.1:0; resolves with its URL, fingerprint, process and a log reader. */
export function startServer(serverBin, data, extraArgs = []) {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(serverBin, ['serve', '--data', data, '--listen', '127.0.0.1:0', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', RUST_LOG: process.env.RUST_LOG || 'info,jiuzhu_server=debug,tower_http=debug' },
    })
    let out = ''
    let err = ''
    // The whole log, kept for the check that no credential reached it.
    const whole = []
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}\n${err.slice(-4000)}`)), 60_000)
    const logText = () => err
    p.stdout.on('data', (d) => {
      out += d
      const url = /listening on (https:\/\/\S+)/.exec(out)?.[1]
      const fp = /certificate fingerprint \(SHA-256\): (\S+)/.exec(out)?.[1]
      if (url && fp) {
        clearTimeout(timer)
        resolvePromise({ url, fp, process: p, log: logText, wholeLog: () => whole.join(''), stdout: () => out })
      }
    })
    p.stderr.on('data', (d) => {
      whole.push(String(d))
      err += d
      // Keep the log bounded but never cut the lines a test still waits for.
      if (err.length > 400_000) err = err.slice(-200_000)
    })
    p.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code}):\n${out}\n${err.slice(-4000)}`))
    })
  })
}

/** Headless Chromium as the tests use it (Debian's binary; the server's certificate is self-signed). */
export function launchChromium() {
  assert(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install chromium)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--ignore-certificate-errors'],
  })
}

/** Save `docs/screenshots/<name>.png` (unless JIUZHU_E2E_SCREENSHOTS=0), toasts removed. */
export async function shot(page, name, opts = {}) {
  if (!SCREENSHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  await page.evaluate(() => document.querySelectorAll('.el-message, .van-toast').forEach((m) => m.remove()))
  await page.mouse.move(1, 1)
  await page.waitForTimeout(250)
  await page.screenshot({ path: join(SHOTS, `${name}.png`), ...opts })
}

/** Wait until `f()` returns a truthy value (polling `every` ms) or fail after `timeout` ms. */
export async function until(what, f, { timeout = 20_000, every = 100 } = {}) {
  const end = Date.now() + timeout
  for (;;) {
    const v = await f()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, every))
  }
}

/** axe-core's script, injected into the pages the tests visit. */
const AXE = join(HERE, '..', 'node_modules', 'axe-core', 'axe.min.js')

/**
 * Accessibility check of what `page` shows now (axe-core, WCAG 2.x A and AA rules): any violation
 * of impact "serious" or "critical" — contrast below 4.5:1, a control without a name, … — fails
 * the step, naming the rule and the first offending elements. `name` says which screen it was.
 */
export async function a11y(page, name, { include } = {}) {
  // Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline scripts.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(readFileSync(AXE, 'utf8'))
  // The page at rest: a passing toast (e.g. the one the elder-mode switch shows) gone, and no
  // finite animation or CSS transition still running, so a fading element is not measured
  // half-transparent (spinners loop forever: not waited on).
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.van-toast')].every((e) => getComputedStyle(e).display === 'none') &&
    document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
  null, { timeout: 10_000 })
  const result = await page.evaluate(async (sel) => {
    const context = sel ? { include: [sel] } : document
    const r = await window.axe.run(context, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.length,
        first: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} — ${(n.failureSummary || '').split('\n').slice(1, 2).join(' ').trim()}`),
      }))
  }, include ?? null)
  a11yCounts.screens++
  if (result.length) {
    const text = result.map((v) => `${v.impact} ${v.id} (${v.nodes}×): ${v.help}\n      ${v.first.join('\n      ')}`).join('\n    ')
    throw new Error(`accessibility (${name}): ${result.length} serious or critical rule(s) violated:\n    ${text}`)
  }
}
export const a11yCounts = { screens: 0 }

/**
 * A local SMS gateway speaking the provider's `SendSms` API (the server's adapter signs each
 * request; the Rust contract tests check the signature): it keeps the codes "sent" so a test
 * can type them, and the notices (docs/notifications.md) apart in `notices`. Writes `sms.toml`
 * into the data directory `data`, and `notify.toml` too when `notices` is set: then the first
 * notice is answered HTTP 500, so the console shows a retry.
 */
export async function startSmsGateway(data, { notices: withNotices = false } = {}) {
  const sent = []
  const notices = []
  let failed = false
  const srv = createServer((req, res) => {
    const q = new URL(req.url, 'http://gateway').searchParams
    const params = JSON.parse(q.get('TemplateParam') || '{}')
    if (q.get('TemplateCode') !== 'SMS_0001') {
      if (!failed) {
        failed = true
        res.statusCode = 500
        res.end('gateway busy')
        return
      }
      notices.push({ phone: q.get('PhoneNumbers'), template: q.get('TemplateCode'), params })
    } else sent.push({ phone: q.get('PhoneNumbers'), code: params.code })
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ Code: 'OK', Message: 'OK', RequestId: String(sent.length + notices.length) }))
  })
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok))
  const { port } = srv.address()
  writeFileSync(
    join(data, 'sms.toml'),
    [
      'provider = "aliyun"',
      `endpoint = "http://127.0.0.1:${port}/"`,
      'access_key_id = "e2e-key"',
      'access_key_secret = "e2e-secret"',
      'sign_name = "达拉特旗民政局"',
      'template_code = "SMS_0001"',
    ].join('\n') + '\n',
  )
  if (withNotices) {
    writeFileSync(
      join(data, 'notify.toml'),
      [
        'public_url = "https://jiuzhu.example.gov.cn"',
        'poll_seconds = 1',
        '[retry]',
        'first_delay_seconds = 1',
        '[sms]',
        'provider = "aliyun"',
        `endpoint = "http://127.0.0.1:${port}/"`,
        'access_key_id = "e2e-key"',
        'access_key_secret = "e2e-secret"',
        'sign_name = "达拉特旗民政局"',
        '[sms.templates]',
        'notice = "SMS_0002"',
        'ballot = "SMS_0003"',
        'report_due = "SMS_0004"',
      ].join('\n') + '\n',
    )
  }
  return { sent, notices, close: () => srv.close() }
}

/** The credentials of `secrets` ({what, value}) that occur in `text` as tokens of their own. */
export function leakedSecrets(text, secrets) {
  const hex = /[0-9a-fA-F]/
  return secrets.filter(({ value }) => {
    for (let i = text.indexOf(value); i >= 0; i = text.indexOf(value, i + 1)) {
      const before = text[i - 1]
      const after = text[i + value.length]
      if (!(before && hex.test(before)) && !(after && hex.test(after))) return true
    }
    return false
  })
}

/** Sign in to the console in a new page of `ctx`; resolves when the queue shows. */
export async function consoleSignIn(ctx, url, name, password) {
  const page = await ctx.newPage()
  await page.goto(`${url}/#/login`)
  await page.fill('input[data-test=login-name]', name)
  await page.fill('input[data-test=login-password]', password)
  await page.click('[data-test=login-submit]')
  await page.waitForSelector('[data-test=queue-table]')
  return page
}

/** Choose the option showing `text` in the element-plus select at `selector`. */
export async function pick(page, selector, text) {
  await page.click(selector)
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()
}

/** Wait until the case page's 办理流程 tab shows the workflow state `code`. */
export async function state(page, code) {
  await page.waitForSelector(`[data-test=wf-state][data-state=${code}]`)
}

/** On the case page's 办理流程 tab: click an action, fill its dialog with `fill`, confirm, and wait for the new state. */
export async function act(page, action, to, fill = async () => {}) {
  await page.click(`[data-test=action-${action}]`)
  await page.waitForSelector(`[data-test=action-dialog][data-action=${action}]`)
  await fill()
  await page.click('[data-test=action-dialog] [data-test=action-confirm]')
  await state(page, to)
}

/** Draw a short stroke on a signature canvas, as a finger would. */
export async function drawSignature(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded()
  const box = await page.locator(selector).boundingBox()
  assert(box, `${selector} is on the page`)
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.6)
  await page.mouse.down()
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(box.x + box.width * (0.2 + i * 0.05), box.y + box.height * (0.6 - 0.3 * Math.sin(i / 2)), { steps: 2 })
  }
  await page.mouse.up()
}

/**
 * A simulated tablet (`jiuzhu-tablet --home HOME …`): its data is encrypted under a PIN (issue 6),
 * JIUZHU_PIN or the tests' default. `show(home, id)` is the case document as the tablet holds it.
 */
export function tabletCli(bin) {
  const tablet = (home, ...args) => run(bin(), ['--home', home, ...args], { env: { ...process.env, JIUZHU_PIN: process.env.JIUZHU_PIN || '246810' } })
  const show = (home, id) => JSON.parse(tablet(home, 'show', '--case', id))
  /** Every member and each of `team` sign the visit with the picture `sig`; sealed, then synced. */
  const signSealSync = (home, id, team, sig) => {
    for (const m of show(home, id).visits[0].members) tablet(home, 'sign', '--case', id, '--role', 'member', '--name', m.name.declared, '--member-id', m.id, '--png', sig)
    for (const n of team) tablet(home, 'sign', '--case', id, '--role', 'investigator', '--name', n, '--png', sig)
    tablet(home, 'finalize', '--case', id)
    tablet(home, 'sync')
  }
  return { tablet, show, signSealSync }
}
