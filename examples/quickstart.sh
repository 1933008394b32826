#!/usr/bin/env bash
# Runs the quickstart: two demo echo servers on 127.0.0.1:9001 and :9002, and the gateway on
# examples/quickstart.yaml (listening on 127.0.0.1:8080). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
./sluice echo --port 9001,9002 &
echo_pid=$!
trap 'kill "$echo_pid" 2>/dev/null || true; wait "$echo_pid" 2>/dev/null || true' EXIT
exec_status=0
./sluice run -c examples/quickstart.yaml || exec_status=$?
exit "$exec_status"
