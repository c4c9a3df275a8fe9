#!/usr/bin/env bash
# Run the system: the township server with embedded SQLite and demo data on https://127.0.0.1:8443.
# It prints the certificate fingerprint and an enrollment code per demo investigator; enroll a
# tablet core with:  jiuzhu-tablet --home DIR enroll --server https://127.0.0.1:8443 --code CODE --fingerprint FP
source "$(dirname "$0")/common.sh"
cargo build --workspace --bins
DATA="${JIUZHU_DATA:-$PWD/demo-data}"
exec "$CARGO_TARGET_DIR/debug/jiuzhu-server" serve --data "$DATA" --listen "${JIUZHU_LISTEN:-127.0.0.1:8443}" --demo
