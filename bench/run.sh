#!/usr/bin/env bash
# Side-by-side proxy benchmark: builds the gateway jar and runs ../shared/bench/run.sh with it beside
# nginx, HAProxy and Spring Cloud Gateway (wrk, keep-alive, 64 and 256 connections, medians of rounds).
#   bench/run.sh                         # full run (~20 min)
#   ROUNDS=1 PROXIES="nginx gateway" bench/run.sh   # quicker look
# Every knob of ../shared/bench/run.sh applies (ROUNDS, DURATION, SCENARIOS, PROXIES, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
harness=${SLUICE_BENCH_HARNESS:-$here/../shared/bench/run.sh}
cd "$here"
[[ ${SKIP_BUILD:-0} == 1 ]] || mvn -q -B -DskipTests package
export GATEWAY_NAME=${GATEWAY_NAME:-sluice}
export GATEWAY_PORT=${GATEWAY_PORT:-18090}
# GC and heap chosen by measurement (bench/RESULTS.md): a fixed, pre-touched heap with the parallel collector.
export GATEWAY_CMD=${GATEWAY_CMD:-"JAVA_OPTS='${SLUICE_BENCH_JAVA_OPTS:--Xms256m -Xmx256m}' ./sluice run --no-watch -c bench/gateway.yaml"}
export GATEWAY_DIR=$here
export RESULTS_DIR=${RESULTS_DIR:-$here/bench/results}
exec "$harness" "$@"
