#!/usr/bin/env bash
# Recovery of a map of 1,000,000 entries after its node is killed (issue 14): starts a node (dev
# mode, embedded Cassandra under a fresh data dir), fills the map with durable puts, joins once
# (the warm figure), kills the JVM with -9, starts it again on the same data and joins: the time
# from the first join to the snapshot's last part. Needs a built cluster-node/target/tandem-node.jar.
# Usage: bench/map-recovery.sh [entries] (ports from BASE_PORT, default 18450: 6 consecutive ports)
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES=${1:-1000000}
BASE_PORT=${BASE_PORT:-18450}
# REUSE=<data dir of an earlier run>: skip the fill and the kill, only start on it and join
DATA=${REUSE:-$(mktemp -d /tmp/tandem-map-recovery.XXXX)}
export TANDEM_DEV_MODE=true TANDEM_HTTP_PORT=$BASE_PORT TANDEM_CLUSTER_PORT=$((BASE_PORT+1)) \
  TANDEM_MANAGEMENT_PORT=$((BASE_PORT+2)) TANDEM_METRICS_PORT=$((BASE_PORT+3)) \
  TANDEM_CASSANDRA_NATIVE_PORT=$((BASE_PORT+4)) TANDEM_CASSANDRA_STORAGE_PORT=$((BASE_PORT+5)) \
  TANDEM_SEED_NODES=127.0.0.1:$((BASE_PORT+1)) TANDEM_DATA_DIR=$DATA TANDEM_DEV_TOKEN_FILE=$DATA/dev-token \
  TANDEM_CASSANDRA_LIB_DIR=${TANDEM_CASSANDRA_LIB_DIR:-$PWD/cassandra-dist/target/cassandra-lib}
URL=http://127.0.0.1:$BASE_PORT
start_node() {
  java -Djava.util.concurrent.ForkJoinPool.common.parallelism=2 ${JAVA_OPTS:--Xmx2g -XX:+UseSerialGC} \
    -jar cluster-node/target/tandem-node.jar >> "$DATA/node.log" 2>&1 &
  NODE=$!
  until curl -sf -m 5 "$URL/readyz" > /dev/null; do sleep 1; done
}
if [ -z "${REUSE:-}" ]; then
  start_node
  echo "node $NODE ready; filling $ENTRIES entries"
  TANDEM_URL=$URL MODE=fill MAP=big ENTRIES=$ENTRIES node bench/map-recovery.mjs
  echo "warm join (the map is in memory):"
  TANDEM_URL=$URL MODE=join MAP=big ENTRIES=$ENTRIES node bench/map-recovery.mjs || true
  # the kill comes once the map's snapshot is saved (it is taken at the 1,000th journal event)
  T1=$(date +%s)
  until grep -qE "map:big: snapshot at journal event [0-9]+ (saved|failed)" "$DATA/node.log"; do
    [ $(( $(date +%s) - T1 )) -gt 600 ] && { echo "no snapshot within 600 s"; break; }
    sleep 1
  done
  grep -E "map:big: snapshot at journal event" "$DATA/node.log" | tail -1 | cut -c1-300 || true
  kill -9 "$NODE"; wait "$NODE" 2>/dev/null || true
  echo "killed $NODE with -9; restarting on the same data"
fi
T0=$(date +%s%3N)
start_node
echo "node $NODE ready after $(( $(date +%s%3N) - T0 )) ms (JVM, embedded Cassandra, cluster)"
TANDEM_URL=$URL MODE=join MAP=big ENTRIES=$ENTRIES node bench/map-recovery.mjs || echo "join check failed ($?)"
grep -E "map:big recovered" "$DATA/node.log" | tail -1 | cut -c1-300 || true
grep -E "snapshot|Snapshot" "$DATA/node.log" | grep -iE "fail|error|too large|mutation" | head -5 || true
kill "$NODE"; wait "$NODE" 2>/dev/null || true
echo "data and log: $DATA"
