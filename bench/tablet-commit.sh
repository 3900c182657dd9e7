#!/usr/bin/env bash
# Measures compare-and-commit throughput and p50/p99 latency on a 3-node tablet-store group over
# loopback attested TLS (CommitLoad), against the same load on plain Ratis 3.2.2 with ordinary
# mutual TLS and a trivial state machine (RatisMtlsLoad, the baseline), one tablet per entry and
# 64 per entry, from 1, 16 and 128 submitters. See bench/README.md.
#
# Usage: bench/tablet-commit.sh [--quick] [--rounds N]
#   full:     10 s warm-up + 15 s measured per configuration and system, ~7 min
#   --quick:  3 s warm-up + 5 s measured, ~3 min
#   --rounds: measure each pair N times (default 1), alternating which system goes first
# Environment: RATCHET_MVN_FLAGS=-o builds offline.
#
# One system at a time, each configuration in a fresh JVM with the same flags, the two systems
# back to back for each configuration (the baseline first in odd rounds of odd configurations, so
# neither always runs on the warmer or the quieter side of a pair). Prints on stdout each JVM's line
#   commit entries=<single|batched> submitters=<N> writes_per_s=<x> p50_ms=<x> p99_ms=<x> cpu_us_per_write=<x>
#   ratis_mtls entries=... (the same fields, for the baseline)
# then one line per configuration, over all rounds (mean throughput, median latencies):
#   ratio entries=<e> submitters=<N> ratchet_wps=<x> ratis_mtls_wps=<x> ratio=<ratchet/baseline>
#     p50_ms=<ratchet> ratis_mtls_p50_ms=<x> p99_ms=<ratchet> ratis_mtls_p99_ms=<x>
# Notes (load average before and after) go to stderr.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=()
rounds=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=(--quick); shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "usage: $0 [--quick] [--rounds N]" >&2; exit 2 ;;
  esac
done

# shellcheck disable=SC2086 # RATCHET_MVN_FLAGS is a list of Maven flags.
mvn -B -q ${RATCHET_MVN_FLAGS:-} -pl bench -am package -DskipTests
jvm=(java -Xms1g -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp bench/target/benchmarks.jar)

echo "# before: $(uptime)" >&2
results=$(mktemp)
log=$(mktemp)
trap 'rm -f "$results" "$log"' EXIT
configurations=(single:1 single:16 single:128 batched:1 batched:16 batched:128)
for round in $(seq 1 "$rounds"); do
  for i in "${!configurations[@]}"; do
    configuration=${configurations[$i]}
    if (( (i + round) % 2 == 0 )); then
      order=(dev.ratchet.bench.RatisMtlsLoad dev.ratchet.bench.CommitLoad)
    else
      order=(dev.ratchet.bench.CommitLoad dev.ratchet.bench.RatisMtlsLoad)
    fi
    for main in "${order[@]}"; do
      if ! "${jvm[@]}" "$main" "${quick[@]}" --only "$configuration" >"$log" 2>&1; then
        echo "# $main --only $configuration failed:" >&2
        tail -n 30 "$log" >&2
        exit 1
      fi
      grep -E '^(commit|ratis_mtls) ' "$log" | tee -a "$results"
    done
  done
done
echo "# after: $(uptime)" >&2

awk '
  function field(name,   i, kv) {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
  }
  function median(list,   n, values, i, j, t) {
    n = split(list, values, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (values[j] + 0 < values[i] + 0) {
      t = values[i]; values[i] = values[j]; values[j] = t
    }
    return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
  }
  {
    key = field("entries") " " field("submitters")
    if (!(key in seen)) { seen[key] = 1; keys[++count] = key }
    wps[$1, key] += field("writes_per_s"); runs[$1, key]++
    p50[$1, key] = p50[$1, key] " " field("p50_ms"); p99[$1, key] = p99[$1, key] " " field("p99_ms")
  }
  END {
    for (k = 1; k <= count; k++) {
      key = keys[k]; split(key, parts, " ")
      if (!runs["commit", key] || !runs["ratis_mtls", key]) continue
      ours = wps["commit", key] / runs["commit", key]; theirs = wps["ratis_mtls", key] / runs["ratis_mtls", key]
      printf "ratio entries=%s submitters=%s ratchet_wps=%.0f ratis_mtls_wps=%.0f ratio=%.2f", parts[1], parts[2], ours, theirs, ours / theirs
      printf " p50_ms=%.2f ratis_mtls_p50_ms=%.2f p99_ms=%.2f ratis_mtls_p99_ms=%.2f\n", median(p50["commit", key]), median(p50["ratis_mtls", key]), median(p99["commit", key]), median(p99["ratis_mtls", key])
    }
  }' "$results"
