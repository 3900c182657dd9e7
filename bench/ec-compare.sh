#!/usr/bin/env bash
# Compares Ratchet's erasure code with Hadoop's pure-Java RS coder (JMH) and with Intel ISA-L (a C
# harness), single-threaded on one cached stripe of 4096-byte sectors. See bench/README.md.
#
# Usage: bench/ec-compare.sh [--quick]
#   full:    4+2 8+4 10+4 8+8 12+8 20+8; JMH 3 forks x (5 x 1 s warm-up + 5 x 1 s measurement), ~20 min
#   --quick: 10+4 and 8+8; JMH 1 fork x (4 x 1 s warm-up + 3 x 1 s measurement), ~2 min
# Environment: RATCHET_MVN_FLAGS=-o builds offline.
#
# Prints on stdout, one line per case, GB/s of data bytes on one core:
#   ec <encode|decode|update> <k>+<m> ratchet_gbps=<x> hadoop_gbps=<y> isal_gbps=<z|na>
# then ratio lines. Notes (pinning, JVM flags, ISA-L version) go to stderr.
# Data bytes: k x 4096 per encode and per decode; 4096 (the rewritten sector) per update. Hadoop has
# no delta-update API: its update figure is what a Hadoop user must do, re-encode the whole stripe for
# one rewritten sector, taken from the same run's Hadoop encode time (4096 B / encode time).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mode=full
case "${1:-}" in
    "") ;;
    --quick) mode=quick ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

if [[ $mode == quick ]]; then
    geometries=(10+4 8+8)
    jmh_options=(-f 1 -wi 4 -w 1 -i 3 -r 1)
    isal_seconds=1
else
    geometries=(4+2 8+4 10+4 8+8 12+8 20+8)
    jmh_options=(-f 3 -wi 5 -w 1 -i 5 -r 1)
    isal_seconds=2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One core, the last one, for JMH (its forks inherit the mask) and for the ISA-L harness.
pin=()
if command -v taskset >/dev/null 2>&1; then
    cpu=$(($(nproc) - 1))
    pin=(taskset -c "$cpu")
    echo "# pinned to cpu $cpu with taskset; load: $(uptime | sed 's/.*load average/load average/')" >&2
else
    echo "# taskset not found: not pinned" >&2
fi

echo "# building bench/target/benchmarks.jar" >&2
# shellcheck disable=SC2086 # RATCHET_MVN_FLAGS is a list of Maven flags.
if ! mvn -B -q ${RATCHET_MVN_FLAGS:-} -pl bench -am package -DskipTests >"$work/mvn.log" 2>&1; then
    cat "$work/mvn.log" >&2
    echo "build failed" >&2
    exit 1
fi

java -XX:+PrintFlagsFinal -version 2>/dev/null \
    | awk '$2 == "UseAVX" || $2 == "MaxVectorSize" || $2 == "UseSuperWord" { printf "# jvm %s=%s\n", $2, $4 }' >&2

# ISA-L: Debian's libisal-dev; installed here when missing and we are root, else reported as na.
isal=""
if [[ ! -f /usr/include/isa-l/erasure_code.h && $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "# libisal-dev missing: trying apt-get install -y libisal-dev" >&2
    (apt-get update -qq && apt-get install -y -qq libisal-dev) >"$work/apt.log" 2>&1 \
        || echo "# apt-get install libisal-dev failed (see above); ISA-L is skipped" >&2
fi
if [[ -f /usr/include/isa-l/erasure_code.h ]] && command -v gcc >/dev/null 2>&1 \
    && gcc -O2 -Wall -o "$work/ec_bench" bench/isal/ec_bench.c -lisal >"$work/gcc.log" 2>&1; then
    isal="$work/ec_bench"
    echo "# isa-l $(dpkg-query -W -f='${Version}' libisal2 2>/dev/null || echo 'version unknown')" >&2
else
    echo "# ISA-L harness not built (needs gcc and Debian's libisal-dev): isal_gbps=na" >&2
    [[ -f $work/gcc.log ]] && cat "$work/gcc.log" >&2
fi

: >"$work/isal.txt"
if [[ -n $isal ]]; then
    for g in "${geometries[@]}"; do
        "${pin[@]}" "$isal" "${g%+*}" "${g#*+}" "$isal_seconds" >>"$work/isal.txt"
    done
fi

echo "# running JMH ($mode): ${jmh_options[*]}" >&2
if ! "${pin[@]}" java -jar bench/target/benchmarks.jar 'ErasureCodeBenchmark' \
    -p geometry="$(IFS=,; echo "${geometries[*]}")" "${jmh_options[@]}" \
    -rf json -rff "$work/jmh.json" >"$work/jmh.log" 2>&1; then
    tail -40 "$work/jmh.log" >&2
    echo "JMH failed" >&2
    exit 1
fi

python3 - "$work/jmh.json" "$work/isal.txt" "${geometries[@]}" <<'EOF'
import json, sys

jmh_file, isal_file, geometries = sys.argv[1], sys.argv[2], sys.argv[3:]
sector = 4096
ns = {}  # (method, geometry) -> (ns/op, error ns/op)
for result in json.load(open(jmh_file)):
    method = result["benchmark"].rsplit(".", 1)[1]
    metric = result["primaryMetric"]
    ns[(method, result["params"]["geometry"])] = (metric["score"], metric["scoreError"])
isal = {}
for line in open(isal_file):
    _, op, geometry, gbps = line.split()
    isal[(op, geometry)] = float(gbps)

def gbps(method, geometry, nbytes):
    return nbytes / ns[(method, geometry)][0]  # bytes per ns = GB/s

rows = []
for geometry in geometries:
    k = int(geometry.split("+")[0])
    stripe = k * sector
    for op, ratchet, hadoop in (
        ("encode", gbps("ratchetEncode", geometry, stripe), gbps("hadoopEncode", geometry, stripe)),
        ("decode", gbps("ratchetDecode", geometry, stripe), gbps("hadoopDecode", geometry, stripe)),
        # Hadoop has no delta update: one rewritten sector costs a full re-encode.
        ("update", gbps("ratchetUpdate", geometry, sector), gbps("hadoopEncode", geometry, sector)),
    ):
        z = isal.get((op, geometry))
        rows.append((op, geometry, ratchet, hadoop, z))
        print(f"ec {op} {geometry} ratchet_gbps={ratchet:.2f} hadoop_gbps={hadoop:.2f} "
              f"isal_gbps={'na' if z is None else f'{z:.2f}'}")
for op, geometry, ratchet, hadoop, z in rows:
    vs_isal = "na" if not z else f"{ratchet / z:.2f}"
    print(f"ratio {op} {geometry} ratchet/hadoop={ratchet / hadoop:.1f} ratchet/isal={vs_isal}")
for (method, geometry), (score, error) in sorted(ns.items(), key=lambda item: (item[0][1], item[0][0])):
    print(f"# jmh {method} {geometry} {score:.0f} ± {error:.0f} ns/op", file=sys.stderr)
EOF
