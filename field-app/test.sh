#!/usr/bin/env bash
# Every test of the investigator's tablet app (issue 3), from a clean clone:
#   system packages (only if missing), npm ci, tauri-driver; UI typecheck + Vitest + build; the app
#   and the server in debug; Rust tests of the core and the shell (mock runtime, no window); the
#   end-to-end run on the real app under Xvfb with tauri-driver + WebKitWebDriver against a real
#   jiuzhu-server. JIUZHU_SCREENSHOTS=1 also refreshes docs/screenshots/tablet-*.png.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/jiuzhu-target}"
export PATH="$HOME/.cargo/bin:$PATH"
LOG="$(mktemp -d)"

need=()
for p in libwebkit2gtk-4.1-dev librsvg2-dev libxdo-dev libssl-dev pkg-config webkit2gtk-driver xvfb xauth fonts-noto-cjk; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  echo "== installing ${need[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi
if ! command -v tauri-driver >/dev/null; then
  echo "== installing tauri-driver"
  # Its own target dir: it is not part of the workspace.
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/tauri-driver-build" cargo install tauri-driver --locked --version '^2'
fi

echo "== UI: npm ci, typecheck, vitest, build"
cd field-app/ui
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx vue-tsc --noEmit
npx vitest run 2>&1 | tee "$LOG/vitest.txt"
npx vite build --logLevel warn
cd "$ROOT"

# Everything Rust is built for the whole workspace, as scripts/test.sh builds it: `-p` would
# resolve features for the named packages alone and compile Tauri's dependency tree again.
echo "== build (debug): the app (UI embedded) and the server it talks to"
cargo build --workspace --bins
echo "== Rust tests: jiuzhu-tablet-core, jiuzhu-field-app"
# Of the workspace's test binaries (already built when scripts/test.sh ran), run these two
# packages', each from its package's directory as `cargo test` does.
cargo test --workspace --no-run --message-format=json-render-diagnostics | node -e '
  for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    const m = JSON.parse(line);
    if (m.reason === "compiler-artifact" && m.executable && m.profile.test &&
        /[#/](jiuzhu-tablet-core|jiuzhu-field-app)@/.test(m.package_id))
      console.log(m.manifest_path.replace(/Cargo\.toml$/, "") + "\t" + m.executable);
  }' > "$LOG/tests.tsv"
[ -s "$LOG/tests.tsv" ] || { echo "no test binaries of jiuzhu-tablet-core or jiuzhu-field-app were built" >&2; exit 1; }
while IFS=$'\t' read -r dir exe; do
  (cd "$dir" && "$exe") 2>&1 | tee -a "$LOG/cargo.txt"
done < "$LOG/tests.tsv"

echo "== end to end under Xvfb (tauri-driver + WebKitWebDriver)"
SHOTS=""
[ "${JIUZHU_SCREENSHOTS:-0}" = 1 ] && SHOTS="$ROOT/docs/screenshots"
APP_BIN="$CARGO_TARGET_DIR/debug/jiuzhu-field-app" SERVER_BIN="$CARGO_TARGET_DIR/debug/jiuzhu-server" \
  TAURI_DRIVER="$(command -v tauri-driver)" SHOTS="$SHOTS" \
  xvfb-run -a -s "-screen 0 1400x1400x24" node field-app/ui/e2e/tablet.e2e.mjs 2>&1 | tee "$LOG/e2e.txt"

# Vitest colours its summary under CI: drop the escape codes before reading the counts.
vitest=$(sed 's/\x1b\[[0-9;]*m//g' "$LOG/vitest.txt" | grep -Eo 'Tests +[0-9]+ passed' | grep -Eo '[0-9]+' | tail -1)
cargo=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$LOG/cargo.txt" | awk '{s+=$4} END {print s+0}')
e2e=$(tail -1 "$LOG/e2e.txt" | grep -Eo '^[0-9]+ passed, 0 failed$' | grep -Eo '^[0-9]+')
echo "field-app: vitest $vitest, rust $cargo, e2e $e2e"
echo "$((vitest + cargo + e2e)) passed, 0 failed"
