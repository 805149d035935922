#!/usr/bin/env bash
# Sets up everything on a fresh machine: npm packages, then the Temporal CLI (found, or built once with Go).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
node bin/durable-agent setup
