#!/usr/bin/env bash
# Measures compare-and-commit throughput and p50/p99 latency on a 3-node tablet-store group over
# loopback attested TLS, one tablet per entry and 64 per entry, from 1, 16 and 128 submitters.
# Usage: bench/tablet-commit.sh [--quick]   (RATCHET_MVN_FLAGS=-o builds offline)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck disable=SC2086 # RATCHET_MVN_FLAGS is a list of Maven flags.
mvn -B -q ${RATCHET_MVN_FLAGS:-} -pl tablet-store -am install -DskipTests
# shellcheck disable=SC2086
mvn -B -q ${RATCHET_MVN_FLAGS:-} -pl tablet-store dependency:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile=target/bench-classpath.txt
cp="tablet-store/target/classes:$(cat tablet-store/target/bench-classpath.txt)"
exec java -Xms1g -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$cp" dev.ratchet.tablet.CommitLoad "$@"
