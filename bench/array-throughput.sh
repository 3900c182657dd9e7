#!/usr/bin/env bash
# Measures sector-array write and read throughput (MB/s of blob data) over loopback with real
# sector servers (attested TLS 1.3, signed reads), for 4+2 and 8+4. Usage: bench/array-throughput.sh [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-10}"
mvn -B -q -pl bench -am package -DskipTests
jar=bench/target/benchmarks.jar
for geometry in 4+2 8+4; do
  java -Xms2g -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$jar" dev.ratchet.bench.ArrayThroughput "$geometry" "$seconds" 4 16
done
