#!/usr/bin/env bash
# `worker-health-monitor check 1` wall time against `node -e 0`, side by side in one hyperfine run.
# Target: median at most 1.25x. Usage: bash scripts/bench/health-check-startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-40}"
npm run build --silent
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export CLAUDE_WORKERS_HOME="$home"
# A long threshold keeps the worker "working" (exit 0) for the whole run.
export DEAD_WORKER_THRESHOLD=3600
node bin/worker-health-monitor.js heartbeat 1 working 7
out="$(mktemp)"
hyperfine -N --warmup 5 --runs "$runs" --export-json "$out" \
  'node -e 0' 'node bin/worker-health-monitor.js check 1' >/dev/null
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const [base, check] = r.map((x) => x.median * 1000);
console.log(`node -e 0 median ${base.toFixed(1)} ms; check 1 median ${check.toFixed(1)} ms; ratio ${(check / base).toFixed(2)}x (target <= 1.25x)`);
' "$out"
rm -f "$out"
