#!/usr/bin/env bash
# Compares Ratchet with etcd 3.4 under the same closed-loop load (`ratchet bench`), one system at a
# time on this machine: a 3-node etcd cluster on loopback (data dirs on /dev/shm), then `ratchet up`
# with its defaults. See bench/README.md.
#
# Usage: bench/vs-etcd.sh [--quick]
#   full:    puts, then gets, at 1, 64 and 512 clients; 30 s measured per case (+5 s warm-up;
#            gets first preload 10,000 keys), ~12 min with start-up and build
#   --quick: 512 clients only, 20 s per case, ~5 min
# Environment: VS_ETCD_SECONDS overrides the seconds per case; RATCHET_MVN_FLAGS=-o builds offline.
#
# Prints on stdout each bench's lines (an `errors=<n>` line when operations failed, then
#   bench <put|get> target=<etcd|ratchet> clients=<N> ops_per_s=<x> p50_ms=<x> p99_ms=<x> p999_ms=<x>)
# then one line per case:
#   ratio <put|get> clients=<N> ratchet_over_etcd=<x>     (ops_per_s of Ratchet / ops_per_s of etcd)
# Notes go to stderr. Every process it started and every directory it made is removed on exit,
# failure or Ctrl-C. Needs etcd-server (3.4) from Debian: installed with apt-get when missing and
# running as root.
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
    client_counts=(512)
    seconds=${VS_ETCD_SECONDS:-20}
else
    client_counts=(1 64 512)
    seconds=${VS_ETCD_SECONDS:-30}
fi
mixes=(put get)
value_size=256
# Load before each measured window, the same for both systems: long enough for the JVMs' C2
# compiler to finish the hot paths. Profiles of a fresh `ratchet up` showed its eleven JVMs still
# compiling hot TLS, SHA-256 and gRPC paths (running them without their intrinsics) 15 s in.
warmup=${VS_ETCD_WARMUP:-45}
etcd_endpoints=http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379

# Everything this run makes lives under $work, on /dev/shm (RAM), and goes at exit.
work=$(mktemp -d /dev/shm/ratchet-vs-etcd.XXXXXX)
pids=()

descendants() { # pid: its children, grandchildren, ... (needs pgrep; none without it)
    command -v pgrep >/dev/null 2>&1 || return 0
    local child
    for child in $(pgrep -P "$1" || true); do
        echo "$child"
        descendants "$child"
    done
}

stop_process() { # pid: SIGTERM, up to 30 s to exit, then SIGKILL; then any child it left behind
    local pid=$1 waited=0 orphans
    orphans=$(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && ((waited < 300)); do
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "# pid $pid ignored SIGTERM for 30 s: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    # ratchet up stops its own children on SIGTERM; these are only for an up that could not.
    for pid in $orphans; do
        kill -0 "$pid" 2>/dev/null || continue
        echo "# pid $pid outlived its parent: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    done
}

# The command running in the foreground, run in the background and waited for: bash runs a trap at
# once during `wait`, but only after a true foreground command ends (and not at all if that command
# handled SIGINT itself, as a JVM does).
foreground=""
run_waiting() { # command...
    "$@" &
    foreground=$!
    local status=0
    wait "$foreground" || status=$?
    foreground=""
    return "$status"
}

stop_all() {
    local pid
    for pid in "${pids[@]}"; do
        stop_process "$pid"
    done
    pids=()
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [[ -n $foreground ]] && stop_process "$foreground"
    stop_all
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

note() { echo "# $*" >&2; }

fail() {
    echo "vs-etcd: $*" >&2
    exit 1
}

echo "# building deploy (ratchet bench, ratchet up)" >&2
# shellcheck disable=SC2086 # RATCHET_MVN_FLAGS is a list of Maven flags.
if ! run_waiting mvn -B -q ${RATCHET_MVN_FLAGS:-} -pl deploy -am package -DskipTests >"$work/mvn.log" 2>&1; then
    cat "$work/mvn.log" >&2
    fail "build failed"
fi

# etcd 3.4 from Debian's etcd-server (etcdctl, for the health check, is in etcd-client).
if ! command -v etcd >/dev/null 2>&1 || ! command -v etcdctl >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        note "etcd missing: apt-get install -y etcd-server etcd-client"
        run_waiting bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client' \
            >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "could not install etcd-server"; }
    else
        fail "etcd is not installed; as root: apt-get install etcd-server etcd-client"
    fi
fi
etcd_version=$(etcd --version | awk '/^etcd Version/ { print $3 }')
[[ $etcd_version == 3.4.* ]] || note "WARNING: etcd $etcd_version is not 3.4.x"

results="$work/results.txt" # "<target> <mix> <clients> <ops_per_s>" per bench
: >"$results"

run_bench() { # target mix clients endpoint...
    local target=$1 mix=$2 clients=$3 endpoints=$4 log
    log="$work/bench-$target-$mix-$clients.log"
    note "bench $mix target=$target clients=$clients ($seconds s)"
    local status=0
    RATCHET_HOME="$work/ratchet-home" run_waiting deploy/bin/ratchet bench --target "$target" --endpoints "$endpoints" \
        --mix "$mix" --clients "$clients" --duration "$seconds" --warmup "$warmup" --value-size "$value_size" \
        >"$log" 2>"$log.err" || status=$?
    grep -v '^#' "$log.err" | tail -5 >&2 || true
    local last
    last=$(tail -n 1 "$log")
    if [[ $last != "bench $mix target=$target clients=$clients "* ]]; then
        cat "$log" "$log.err" >&2
        fail "ratchet bench (target $target) exited $status without a result line"
    fi
    cat "$log"
    echo "$target $mix $clients $(sed -E 's/.* ops_per_s=([^ ]+).*/\1/' <<<"$last")" >>"$results"
}

run_all_cases() { # target endpoints
    local clients mix
    for clients in "${client_counts[@]}"; do
        for mix in "${mixes[@]}"; do
            run_bench "$1" "$mix" "$clients" "$2"
        done
    done
}

# --- etcd: 3 members on loopback, etcd's defaults except where the data lives -----------------
cluster=e1=http://127.0.0.1:12380,e2=http://127.0.0.1:22380,e3=http://127.0.0.1:32380
for member in 1 2 3; do
    client_port=$((member == 1 ? 2379 : member * 10000 + 2379))
    peer_port=$((member * 10000 + 2380))
    mkdir -p "$work/etcd/e$member"
    etcd --name "e$member" --data-dir "$work/etcd/e$member" \
        --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
        --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-cluster "$cluster" --initial-cluster-token ratchet-vs-etcd --initial-cluster-state new \
        --logger zap >"$work/etcd-e$member.log" 2>&1 &
    pids+=($!)
done
note "etcd $etcd_version: 3 members, data on $work/etcd"
healthy=0
for _ in $(seq 1 300); do
    if ETCDCTL_API=3 etcdctl --endpoints "$etcd_endpoints" --command-timeout 2s endpoint health >/dev/null 2>&1; then
        healthy=1
        break
    fi
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$work"/etcd-e*.log >&2; fail "an etcd member exited"; }
    done
    sleep 0.1
done
((healthy)) || { tail -n 20 "$work"/etcd-e*.log >&2; fail "etcd was not healthy within 30 s"; }

run_all_cases etcd "$etcd_endpoints"
note "stopping etcd"
stop_all
rm -rf "$work/etcd"

# --- Ratchet: `ratchet up` with its defaults -------------------------------------------------
# Its own RATCHET_HOME, so the simulated CA and the endpoints file are this run's alone.
mkdir -p "$work/ratchet-home"
RATCHET_HOME="$work/ratchet-home" deploy/bin/ratchet up >"$work/up.log" 2>"$work/up.err" &
up_pid=$!
pids+=("$up_pid")
note "ratchet up (pid $up_pid): waiting for its ready line"
endpoints_file="$work/ratchet-home/local-cluster.endpoints"
ratchet_endpoints=""
for _ in $(seq 1 3000); do # up to 300 s: it starts and bootstraps several JVMs on 2 cores
    # The contract: "ratchet up ready endpoints=HOST:PORT[,...]"; the endpoints file as a fallback.
    ratchet_endpoints=$(sed -nE 's/^ratchet up ready endpoints=([^ ]*).*/\1/p' "$work/up.log" | head -n 1)
    if [[ -z $ratchet_endpoints && -s $endpoints_file ]]; then
        ratchet_endpoints=$(grep -v '^#' "$endpoints_file" | grep -v '^[[:space:]]*$' | paste -sd, -) || true
    fi
    [[ -n $ratchet_endpoints ]] && break
    if ! kill -0 "$up_pid" 2>/dev/null; then
        tail -n 20 "$work/up.log" "$work/up.err" >&2
        fail "ratchet up exited before it printed an endpoint"
    fi
    sleep 0.1
done
[[ -n $ratchet_endpoints ]] || { tail -n 20 "$work/up.log" "$work/up.err" >&2; fail "ratchet up printed no endpoint within 300 s"; }
note "ratchet endpoints: $ratchet_endpoints"

run_all_cases ratchet "$ratchet_endpoints"
note "stopping ratchet up"
stop_all

# --- Ratios ------------------------------------------------------------------------------------
for clients in "${client_counts[@]}"; do
    for mix in "${mixes[@]}"; do
        awk -v mix="$mix" -v clients="$clients" '
            $2 == mix && $3 == clients { ops[$1] = $4 }
            END {
                ratio = (ops["etcd"] > 0) ? sprintf("%.2f", ops["ratchet"] / ops["etcd"]) : "na"
                printf "ratio %s clients=%s ratchet_over_etcd=%s\n", mix, clients, ratio
            }' "$results"
    done
done
