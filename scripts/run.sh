#!/usr/bin/env bash
# Run the system: the township server with embedded SQLite and demo data on https://127.0.0.1:8443
# (review console at that address: 张海燕 / jiuzhu-demo) and the tablet app, enrolled as the demo
# investigator. Without a display only the server runs; start the app later with field-app/run.sh.
source "$(dirname "$0")/common.sh"
build_console
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec bash field-app/run.sh
fi
echo "No display: starting the server only (the tablet app needs a display: bash field-app/run.sh)."
cargo build -p jiuzhu-server -p jiuzhu-tablet-core
exec "$CARGO_TARGET_DIR/debug/jiuzhu-server" serve --data "${JIUZHU_DATA:-$PWD/demo-data}" \
    --listen "${JIUZHU_LISTEN:-127.0.0.1:8443}" --demo
