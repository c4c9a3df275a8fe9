# Shared by scripts/run.sh and scripts/test.sh: one build directory outside the clone, so the
# developers' builds, the demo and CI all reuse one another's compiled crates.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/jiuzhu-target}"
mkdir -p "$CARGO_TARGET_DIR" 2>/dev/null || export CARGO_TARGET_DIR="$PWD/target"

# Install only what is missing (Debian; run as root). The Rust toolchain comes from rustup.
need_apt=()
command -v cc >/dev/null || need_apt+=(build-essential)
# The tablet app (Tauri) is a workspace member: its webview needs WebKitGTK's development files.
for p in pkg-config libwebkit2gtk-4.1-dev librsvg2-dev libxdo-dev libssl-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
# Written notices (PDF) embed a CJK font found on the system.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
# Traditional Mongolian in notices and the phone pages (Noto Sans Mongolian).
dpkg -s fonts-noto-core >/dev/null 2>&1 || need_apt+=(fonts-noto-core)
# The separate-hosts tests give each party a network namespace (ip netns, tc tbf).
command -v tc >/dev/null || need_apt+=(iproute2)
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm not found: install Node.js 20 or newer" >&2; exit 1; }

# The console's built files, served by jiuzhu-server.
build_console() {
    (cd sync-server/web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npx vite build --logLevel warn)
}
