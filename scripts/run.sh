#!/usr/bin/env bash
# Run the system: the township server with embedded SQLite and demo data on https://127.0.0.1:8443
# (review console at that address: caseworker 张海燕, township lead 乔志强, bureau 白玉梅, password
# jiuzhu-demo; applicants' and representatives' phone pages at /m/, one-time codes in the server's
# log) and the tablet app, enrolled as the demo investigator. Without a display only the server
# runs; start the app later with field-app/run.sh.
source "$(dirname "$0")/common.sh"
build_console
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec bash field-app/run.sh
fi
echo "No display: starting the server only (the tablet app needs a display: bash field-app/run.sh)."
cargo build -p jiuzhu-server -p jiuzhu-tablet-core
exec "$CARGO_TARGET_DIR/debug/jiuzhu-server" serve --data "${JIUZHU_DATA:-$PWD/demo-data}" \
    --listen "${JIUZHU_LISTEN:-127.0.0.1:8443}" --demo
