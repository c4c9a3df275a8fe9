#!/usr/bin/env bash
# Every test: unit, golden and property tests, end to end against real servers (TLS, fault proxy,
# kill -9), the review console in Chromium, and the tablet app under Xvfb.
source "$(dirname "$0")/common.sh"
cargo fmt --all -- --check
# The end-to-end tests start the real binaries: build them first, in the same (debug) build.
cargo build --workspace --bins
cargo test --workspace
# The store again on PostgreSQL (issue 18): its unit tests and the end-to-end suite, each test on a
# database of its own that it creates and drops, on the server JIUZHU_TEST_DATABASE names.
export JIUZHU_TEST_DATABASE="${JIUZHU_TEST_DATABASE:-postgres://postgres@127.0.0.1:5432}"
pg_hostport="${JIUZHU_TEST_DATABASE#*://}"; pg_hostport="${pg_hostport#*@}"; pg_hostport="${pg_hostport%%/*}"
if ! (exec 3<>"/dev/tcp/${pg_hostport%:*}/${pg_hostport##*:}") 2>/dev/null; then
    echo "PostgreSQL is not answering at $pg_hostport: start it (the PostgreSQL half of the suite" >&2
    echo "needs a server where user and host in JIUZHU_TEST_DATABASE=$JIUZHU_TEST_DATABASE may create databases)" >&2
    exit 1
fi
cargo test -p jiuzhu-server --lib store::
cargo test -p jiuzhu-e2e
unset JIUZHU_TEST_DATABASE
# The console's browser test drives simulated tablets with `jiuzhu-tablet`, whose data is
# encrypted under a PIN since issue #6: it takes the PIN from here.
export JIUZHU_PIN="${JIUZHU_PIN:-246810}"
# The review console: type check, Vitest, build, browser test against a real server.
JIUZHU_E2E_SCREENSHOTS="${JIUZHU_E2E_SCREENSHOTS:-0}" bash sync-server/web/test.sh
# The tablet app: Vitest, core and shell tests, end to end on the real app under Xvfb.
bash field-app/test.sh
