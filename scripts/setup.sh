#!/usr/bin/env bash
# Sets up everything on a fresh machine: npm packages, the Temporal CLI (found, or built once with Go),
# and Debian's Chromium for the browser test of the Temporal UI.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
npm run build
node bin/durable-agent setup

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the Temporal UI browser test…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing at $chromium_path: install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH; the browser test needs it." >&2
  fi
fi
