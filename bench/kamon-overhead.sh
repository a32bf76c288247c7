#!/usr/bin/env bash
# The cost of the instrumentation: bench/cluster-fanout.mjs against `deploy/local-cluster 3`, once
# with metrics on (Kamon initialised: Pekko instrumentation, Prometheus endpoint, scraped every
# second by this script as Prometheus would) and once with TANDEM_METRICS=off, alternating ROUNDS
# times. Besides the benchmark's own latency lines it reports the CPU time the three node JVMs spent
# during each benchmark run (from /proc), which is where an instrumentation overhead shows first.
#
#   bench/kamon-overhead.sh [rounds=2] [opsPerSecond=100] [seconds=20] [viewersPerNode=10]
#
# Runs on offset ports (HTTP 18080.., Cassandra 19042) with its data under /tmp/tandem-kamon-bench,
# so it does not disturb a local cluster on the default ports. Needs the jars built
# (mvn -B -DskipTests package) and Node's `ws` package (client-web/node_modules has it after a
# build). Results: $TANDEM_LOCAL_DIR/results/{on,off}-<round>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${1:-2}"
RATE="${2:-100}"
SECONDS_PER_K="${3:-20}"
VIEWERS="${4:-10}"
export TANDEM_LOCAL_DIR="${TANDEM_LOCAL_DIR:-/tmp/tandem-kamon-bench}"
export TANDEM_LOCAL_HTTP_PORT=18080 TANDEM_LOCAL_CLUSTER_PORT=26520
export TANDEM_LOCAL_MANAGEMENT_PORT=18558 TANDEM_LOCAL_METRICS_PORT=19095
export TANDEM_CASSANDRA_NATIVE_PORT=19042 TANDEM_CASSANDRA_STORAGE_PORT=17000
export TANDEM_SKIP_BUILD=true
NODES="http://127.0.0.1:18080,http://127.0.0.1:18081,http://127.0.0.1:18082"
OUT="$TANDEM_LOCAL_DIR/results"
mkdir -p "$OUT" "$TANDEM_LOCAL_DIR/bench"
# ES modules ignore NODE_PATH: the benchmark runs from a folder that sees a node_modules with `ws`
cp bench/cluster-fanout.mjs "$TANDEM_LOCAL_DIR/bench/"
ln -sfn "$PWD/client-web/node_modules" "$TANDEM_LOCAL_DIR/bench/node_modules"
trap 'deploy/local-cluster stop >/dev/null 2>&1 || true' EXIT

# CPU seconds (user + system) of the node JVMs, from /proc/<pid>/stat
cpu_seconds() {
  local total=0 pid ticks
  for f in "$TANDEM_LOCAL_DIR"/run/node-*.pid; do
    pid="$(cat "$f")"
    ticks="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    total=$((total + ticks))
  done
  echo "scale=2; $total / $(getconf CLK_TCK)" | bc
}

run_once() {
  local mode="$1" round="$2"
  local log="$OUT/$mode-$round.txt" launcher scraper=""
  rm -f "$TANDEM_LOCAL_DIR/run/dev-token"
  TANDEM_METRICS="$mode" deploy/local-cluster 3 >"$OUT/launcher-$mode-$round.log" 2>&1 &
  launcher=$!
  for _ in $(seq 1 300); do
    [ -s "$TANDEM_LOCAL_DIR/run/dev-token" ] && break
    kill -0 "$launcher" 2>/dev/null || { echo "the launcher exited, see $OUT/launcher-$mode-$round.log" >&2; exit 1; }
    sleep 1
  done
  if [ "$mode" = on ]; then
    # what a Prometheus with a 1 s scrape interval would cost the nodes
    (while :; do
       for p in 19095 19096 19097; do curl -s -o /dev/null "http://127.0.0.1:$p/metrics" || true; done
       sleep 1
     done) &
    scraper=$!
  fi
  local before after
  before="$(cpu_seconds)"
  node "$TANDEM_LOCAL_DIR/bench/cluster-fanout.mjs" "$(cat "$TANDEM_LOCAL_DIR/run/dev-token")" "$NODES" \
    "$RATE" "$SECONDS_PER_K" "$VIEWERS" >"$log"
  after="$(cpu_seconds)"
  [ -n "$scraper" ] && kill "$scraper"
  echo "  node CPU during the run: $(echo "$after - $before" | bc) s" >>"$log"
  echo "== metrics $mode, round $round"
  cat "$log"
  deploy/local-cluster stop >/dev/null 2>&1 || true
  wait "$launcher" || true
}

for round in $(seq 1 "$ROUNDS"); do
  run_once on "$round"
  run_once off "$round"
done
