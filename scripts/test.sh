#!/usr/bin/env bash
# Every test: unit, golden and property tests, end to end against real servers (TLS, fault proxy,
# kill -9), the review console in Chromium, and the tablet app under Xvfb.
source "$(dirname "$0")/common.sh"
cargo fmt --all -- --check
# The end-to-end tests start the real binaries: build them first, in the same (debug) build.
cargo build --workspace --bins
cargo test --workspace
# The console's browser test drives simulated tablets with `jiuzhu-tablet`, whose data is
# encrypted under a PIN since issue #6: it takes the PIN from here.
export JIUZHU_PIN="${JIUZHU_PIN:-246810}"
# The review console: type check, Vitest, build, browser test against a real server.
JIUZHU_E2E_SCREENSHOTS="${JIUZHU_E2E_SCREENSHOTS:-0}" bash sync-server/web/test.sh
# The tablet app: Vitest, core and shell tests, end to end on the real app under Xvfb.
bash field-app/test.sh
