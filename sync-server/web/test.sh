#!/usr/bin/env bash
# The web apps' tests (console and phone pages): type check, unit tests (Vitest), production build,
# then the browser tests against a real jiuzhu-server (the first builds the binaries with cargo).
# One command:
#   bash sync-server/web/test.sh
# Needs Node ≥ 20 and npm; installs Debian's chromium, CJK fonts and poppler-utils when missing (as root).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/jiuzhu-target}"
# The simulated tablets encrypt their data with a PIN (issue 6).
export JIUZHU_PIN="${JIUZHU_PIN:-246810}"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
# Noto Sans Mongolian: bundled into the phone pages at build time, embedded in bilingual notices.
dpkg -s fonts-noto-core >/dev/null 2>&1 || need_apt+=(fonts-noto-core)
# pdftotext and pdftoppm read and render the printed 受理回执 (window test).
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
# The oversight test sets up its fixture and reads the figures back with sqlite3, and unzips Excel.
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v unzip >/dev/null || need_apt+=(unzip)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
    else
        echo "missing: ${need_apt[*]} (apt-get install them as root)" >&2
        exit 1
    fi
fi
command -v npm >/dev/null || { echo "npm not found: install Node.js 20 or newer" >&2; exit 1; }

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npx vue-tsc --noEmit
npx vitest run
npx vite build
node e2e/console.e2e.mjs
# One household's whole path through the workflow: phone pages, console, tablets, ballots.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/workflow.e2e.mjs
# A walk-in family at the township window: intake, signatures, receipt, referral, tablets.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/window.e2e.mjs
# Notices that reach people: a 补正 notice texted through a local SMS gateway, retried, shown.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/notifications.e2e.mjs
# The phone pages' accessibility: axe in normal and elder mode, read-aloud, the agent path.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/mobile-a11y.e2e.mjs
# The levels: a township station enrolled with the demo banner; its console's level and refusals.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/levels.e2e.mjs
# Dashboards and monthly reports: a lead's township, the bureau's side by side, the payment list.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/oversight.e2e.mjs
# Mongolian script: the remembered language switch, vertical columns, search, the bilingual notice.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/mongolian.e2e.mjs
# Spot checks (抽查): the bureau draws with a recorded seed, records an outcome; the lead reads.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/spotchecks.e2e.mjs
# 主动发现: roll and 医保 imports with a row error, the warning queue, 定期探访 on a fixed date.
JIUZHU_E2E_SKIP_BUILD=1 node e2e/monitoring.e2e.mjs
