#!/usr/bin/env bash
# Runs every benchmark of the project once, in one session, so their medians and ratios are
# comparable (see docs/PERFORMANCE.md). Needs hyperfine, tmux, git; Pueue for the Pueue rows.
# Takes about 25 minutes. Usage: npm run bench  (or bash scripts/bench/run-all.sh > results.txt)
set -uo pipefail
cd "$(dirname "$0")/../.."
npm run build --silent
run() {
  echo
  echo "### $*"
  "$@" || echo "(failed: exit $?)"
}
run bash scripts/bench/health-check-startup.sh 40
run node scripts/bench/health-heartbeat.mjs 64 30 1
run node scripts/bench/health-heartbeat.mjs 64 30 4
run node scripts/bench/queue-claim.mjs
run node scripts/bench/fleet.mjs
run node scripts/bench/worker-dispatch.mjs 25
run node scripts/bench/worker-overhead.mjs 40
run node scripts/bench/drain.mjs 4x40,8x80 3
run node scripts/bench/memory.mjs 5
run node scripts/bench/lock-contention.mjs 8 150 3
run node scripts/bench/manager-restart.mjs 10
run node scripts/bench/manager-idle.mjs 60 16,64
run node scripts/bench/performance-report.mjs
run node scripts/bench/large-metrics.mjs 5
run node scripts/bench/queue-import.mjs 20000 5 200
run node scripts/bench/performance-history-rolled.mjs
run node scripts/bench/claude-parse.mjs
run node scripts/bench/claude-pause.mjs 7
run node scripts/bench/setup-time.mjs 5
run node scripts/bench/dashboard.mjs 30 60 100000
run node scripts/bench/postgres-heartbeat.mjs 30
run node scripts/bench/unit-suite.mjs 3
run node scripts/bench/pr-watch.mjs 100
run node scripts/bench/pr-followup-latency.mjs 8
