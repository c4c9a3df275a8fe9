#!/usr/bin/env bash
# Start the tablet app against the demo township server, already enrolled as the demo
# investigator (the app then asks for a new PIN). Needs a display (or run under xvfb-run).
#   bash field-app/run.sh            # server on https://127.0.0.1:8443 with demo data, app enrolled
#   JIUZHU_TABLET_HOME=DIR ...        # the tablet's data (default ~/.local/share/jiuzhu-demo-tablet)
#   JIUZHU_SERVER=https://HOST:PORT   # use a server that is already running: the app opens on the
#                                     # enrollment screen (type or read the code from the console)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/jiuzhu-target}"
BIN="$CARGO_TARGET_DIR/debug"
(cd field-app/ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npx vite build --logLevel warn)
cargo build -p jiuzhu-field-app -p jiuzhu-server -p jiuzhu-tablet-core
HOME_DIR="${JIUZHU_TABLET_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/jiuzhu-demo-tablet}"
mkdir -p "$HOME_DIR"

if [ -z "${JIUZHU_SERVER:-}" ]; then
  DATA="${JIUZHU_DATA:-$ROOT/demo-data}"
  LOG="$(mktemp)"
  "$BIN/jiuzhu-server" serve --data "$DATA" --listen "${JIUZHU_LISTEN:-127.0.0.1:8443}" --demo >"$LOG" 2>&1 &
  SERVER_PID=$!
  trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
  for _ in $(seq 60); do grep -q 'certificate fingerprint' "$LOG" && break; sleep 0.5; done
  cat "$LOG"
  URL=$(grep -o 'https://[^ ]*' "$LOG" | head -1)
  FP=$(sed -n 's/.*certificate fingerprint (SHA-256): //p' "$LOG")
  CODE=$(sed -n 's/^demo enrollment code for [^:]*: //p' "$LOG" | head -1)
  # Enroll through the headless core: it writes the same local store the app opens.
  # A tablet enrolled on an earlier run keeps its enrollment (the core refuses a second one).
  # The tablet's data is encrypted under its PIN: the app asks for this one to unlock.
  export JIUZHU_PIN="${JIUZHU_PIN:-123456}"
  echo "tablet PIN: $JIUZHU_PIN"
  if [ -n "$CODE" ]; then
    "$BIN/jiuzhu-tablet" --home "$HOME_DIR" enroll --server "$URL" --code "$CODE" --fingerprint "$FP" --name demo-tablet \
      || echo "(not enrolled now: see the message above; the app opens where it left off)"
  fi
fi
JIUZHU_HOME="$HOME_DIR" "$BIN/jiuzhu-field-app"
