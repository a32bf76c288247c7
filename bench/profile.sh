#!/usr/bin/env bash
# CPU profile of a running JVM (a node, or its embedded Cassandra) with async-profiler, which
# also samples threads inside system calls (futex, epoll, writev): JFR's execution sampler
# records only threads running Java code, and missed most of a node's time spent waking and
# parking threads. Output: collapsed stacks (one line per stack with its sample count), which
# bench/profile-summary.py reads.
#
#   bench/profile.sh <pid> <seconds> <out.collapsed>
#
# The profiler (tools.profiler:async-profiler, version from the root pom.xml) comes from Maven
# Central into ~/.m2 on first use. Linux x64 only.
set -euo pipefail
cd "$(dirname "$0")/.."
pid=$1 seconds=$2 out=$3
version=$(sed -n 's:.*<async-profiler.version>\(.*\)</async-profiler.version>.*:\1:p' pom.xml)
jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
if [ ! -f "$jar" ]; then
  mvn -q -B dependency:get -Dartifact="tools.profiler:async-profiler:$version" >/dev/null
fi
dir="${TMPDIR:-/tmp}/tandem-async-profiler-$version"
if [ ! -f "$dir/linux-x64/libasyncProfiler.so" ]; then
  mkdir -p "$dir" && (cd "$dir" && unzip -q -o "$jar" 'linux-x64/*')
fi
# jcmd's JVMTI.agent_load splits its options at '=': load the agent through the attach API
attach() {
  java --add-modules jdk.attach bench/ProfilerAttach.java "$pid" "$dir/linux-x64/libasyncProfiler.so" "$1"
}
attach "start,event=cpu,interval=1ms"
sleep "$seconds"
attach "stop,collapsed,file=$(realpath -m "$out")"
echo "$out"
