#!/usr/bin/env bash
# Measures a new user's first hour on this machine, as docs/first-hour.md tells it:
#   1. from `git clone` to the first answer (clone, `npm run setup`, the README's first command);
#   2. from `npm i durable-agent` in an empty project to a custom tool answering in a run.
# Every cache a fresh machine lacks is empty here (npm's, Go's, durable-agent's), so the Temporal CLI is built and
# every package downloaded, as on a new machine. Usage: bash bench/first-hour.sh [clone|package|all] (default all).
# It works in a temporary folder, starts nothing that outlives it, and prints one line per step with its seconds.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
part="${1:-all}"
work="$(mktemp -d /tmp/durable-agent-first-hour.XXXXXX)"
export npm_config_cache="$work/npm-cache" DURABLE_AGENT_CACHE_DIR="$work/cache" GOMODCACHE="$work/go-mod" GOCACHE="$work/go-build"
export npm_config_audit=false npm_config_fund=false NO_COLOR=1
unset OPENAI_API_KEY OPENAI_BASE_URL TEMPORAL_ADDRESS TEMPORAL_CLI_PATH
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

now() { date +%s.%N; }
step() { # step <label> <command…>: runs it, prints its seconds, keeps its output in $work/<n>.log
  local label="$1"; shift
  local start; start=$(now)
  local log="$work/step-$((++steps)).log"
  if ! "$@" >"$log" 2>&1; then echo "FAILED: $label (log below)"; tail -40 "$log"; exit 1; fi
  printf '%-58s %7.1f s\n' "$label" "$(echo "$(now) - $start" | bc)"
}
steps=0

if [ "$part" = clone ] || [ "$part" = all ]; then
  echo "## From git clone to the first answer"
  step "git clone" git clone -q "$repo" "$work/durable-agent"
  cd "$work/durable-agent"
  step "npm run setup (npm ci, build, Temporal CLI built with Go)" npm run setup
  start=$(now)
  first=""
  while IFS= read -r line; do
    [ -z "$first" ] && first=$(echo "$(now) - $start" | bc)
    last="$line"
  done < <(./bin/durable-agent run "Summarize this repository" 2>&1)
  printf '%-58s %7.1f s\n' "./bin/durable-agent run: first line" "$first"
  printf '%-58s %7.1f s\n' "./bin/durable-agent run: answer and exit" "$(echo "$(now) - $start" | bc)"
  echo "last line: $last"
  cd "$repo"
fi

if [ "$part" = package ] || [ "$part" = all ]; then
  echo "## From npm i durable-agent to a custom tool answering (README, \"Getting started as a package user\")"
  cd "$repo"
  tarball="$work/$(npm pack --silent --pack-destination "$work" 2>/dev/null | tail -1)"   # stands in for the registry
  mkdir -p "$work/my-agent" && cd "$work/my-agent"
  step "npm init -y" npm init -y
  step "npm i durable-agent" npm i "$tarball"
  step "npm i -D typescript @types/node" npm i -D typescript @types/node
  # The four files a user writes, as the README shows them (the same files its test type-checks).
  mkdir -p src && cp "$repo/examples/consumer/tsconfig.json" "$repo/examples/consumer/script.json" .
  cp "$repo/examples/consumer/src/order-status-tool.ts" "$repo/examples/consumer/src/worker.ts" "$repo/examples/consumer/src/backend.ts" src/
  step "npx tsc" npx tsc
  free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
  grpc=$(free_port); ui=$(free_port); model=$(free_port)
  pids=()
  trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  wait_for() { # wait_for <label> <file> <text> <start>: prints the seconds until <text> shows in <file>
    until grep -q "$3" "$2" 2>/dev/null; do
      if [ "$(echo "$(now) - $4 > 900" | bc)" = 1 ]; then echo "FAILED: $1"; cat "$2"; exit 1; fi
      sleep 0.2
    done
    printf '%-58s %7.1f s\n' "$1" "$(echo "$(now) - $4" | bc)"
  }
  start=$(now)
  npx durable-agent server --port "$grpc" --ui-port "$ui" >"$work/server.log" 2>&1 & pids+=($!)
  wait_for "npx durable-agent server: ready (Temporal CLI built once)" "$work/server.log" "gRPC address" "$start"
  npx durable-agent scripted-model --script script.json --port "$model" >"$work/model.log" 2>&1 & pids+=($!)
  export TEMPORAL_ADDRESS="127.0.0.1:$grpc" OPENAI_BASE_URL="http://127.0.0.1:$model/v1"
  start=$(now)
  node dist/worker.js >"$work/worker.log" 2>&1 & pids+=($!)
  wait_for "node dist/worker.js: polling" "$work/worker.log" "polling task queue" "$start"
  start=$(now)
  answer=$(node dist/backend.js "Where is order 42?" 2>&1)
  printf '%-58s %7.1f s\n' "node dist/backend.js: the answer" "$(echo "$(now) - $start" | bc)"
  echo "$answer"
  echo "$answer" | grep -q '"status":"shipped"' || { echo "FAILED: the answer lacks the tool's output"; exit 1; }
fi
