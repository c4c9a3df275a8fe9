#!/usr/bin/env bash
# Every test: unit, golden, end-to-end (real servers on 127.0.0.1, real TLS, fault proxy, kill -9).
source "$(dirname "$0")/common.sh"
cargo fmt --all -- --check
# The end-to-end tests start the real binaries: build them first, in the same (debug) build.
cargo build --workspace --bins
cargo test --workspace
