#!/usr/bin/env bash
# The long abuse run of issue 18: the abuse suite's seeded hostile clients (AbuseSuiteTest) against
# a node in a JVM of its own on the test Cassandra, for a million frames by default. Prints frames
# tried, crashes, state changes of the target room and the node's live heap before and after.
#   bench/abuse.sh [frames=1000000] [seed|-] [workers=8] [httpPort=18100]
# The node takes the HTTP port and the next three. Builds the test classes (no install).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o -pl cluster-node -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/abuse-classpath.txt -Dmdep.includeScope=test >/dev/null
CP="cluster-node/target/test-classes:cluster-node/target/classes:$(cat cluster-node/target/abuse-classpath.txt)"
exec java -cp "$CP" io.tandem.node.testing.AbuseBench "$@"
