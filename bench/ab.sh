#!/usr/bin/env bash
# A/B benchmark of gateway configurations against one nginx backend, interleaved (A B A B ...), medians.
#   bench/ab.sh bench/gateway.yaml bench/gateway-ratelimit.yaml
# Knobs: ROUNDS=5 DURATION=10 CONNS="64 256" WARMUP=30 JAVA_OPTS_BENCH="-Xms256m -Xmx256m"
# Layout as ../shared/bench: wrk and the backend on cpu0, the gateway alone on cpu1. Loopback only; every
# process started here is stopped by its PID on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
ROUNDS=${ROUNDS:-5}; DURATION=${DURATION:-10}; CONNS=${CONNS:-"64 256"}; WARMUP=${WARMUP:-30}
JAVA_OPTS_BENCH=${JAVA_OPTS_BENCH:-"-Xms256m -Xmx256m"}
BACKEND_PORT=${BACKEND_PORT:-18080}; GATEWAY_PORT=${GATEWAY_PORT:-18090}
configs=("$@")
((${#configs[@]} >= 1)) || { echo "usage: bench/ab.sh CONFIG.yaml [CONFIG.yaml ...]" >&2; exit 2; }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
mkdir -p "$work/tmp"
sed -e "s#@RUNDIR@#$work#g" -e "s#@BACKEND_PORT@#$BACKEND_PORT#g" ../shared/bench/conf/backend.nginx.conf >"$work/backend.conf"
setsid taskset -c 0 nginx -p "$work" -c "$work/backend.conf" >"$work/backend.log" 2>&1 & pids+=($!)
[[ -f target/sluice.jar ]] || mvn -q -B -DskipTests package
results=$work/results.txt; : >"$results"
for ((r = 1; r <= ROUNDS; r++)); do
  for cfg in "${configs[@]}"; do
    GATEWAY_PORT=$GATEWAY_PORT BACKEND_URL=http://127.0.0.1:$BACKEND_PORT JAVA_OPTS="$JAVA_OPTS_BENCH" \
      setsid taskset -c 1 ./sluice run --no-watch -c "$cfg" >"$work/gw.log" 2>&1 &
    gw=$!; pids+=($gw)
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/" && break; sleep 0.1; done
    taskset -c 0 wrk -t1 -c64 -d"${WARMUP}s" "http://127.0.0.1:$GATEWAY_PORT/" >/dev/null
    for c in $CONNS; do
      out=$(taskset -c 0 wrk -t1 -c"$c" -d"${DURATION}s" --latency "http://127.0.0.1:$GATEWAY_PORT/")
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
      non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
      echo "$cfg c$c $rps $p50 $p99 ${non2xx:-0}" | tee -a "$results"
    done
    kill -TERM -- "-$gw" 2>/dev/null || kill "$gw"; wait "$gw" 2>/dev/null || true
  done
done
echo; echo "medians over $ROUNDS rounds:"
python3 - "$results" <<'PY'
import sys, statistics, collections, re
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v); x = float(m.group(1))
    return x / 1000 if m.group(2) == "us" else x * 1000 if m.group(2) == "s" else x
rows = collections.defaultdict(list)
order = []
for line in open(sys.argv[1]):
    cfg, c, rps, p50, p99, bad = line.split()
    if cfg not in order:
        order.append(cfg)
    rows[(cfg, c)].append((float(rps), ms(p50), ms(p99), int(bad)))
# Ratios are taken round by round against the first configuration (same round, so machine drift cancels), then the
# median of those ratios is reported.
print(f"{'config':40s} {'conns':5s} {'req/s':>10s} {'p50':>10s} {'p99':>10s} {'non-2xx':>7s} {'req/s vs first':>14s}")
for (cfg, c), v in rows.items():
    base = rows[(order[0], c)]
    ratios = [x[0] / b[0] for x, b in zip(v, base)]
    print(f"{cfg:40s} {c:5s} {statistics.median(x[0] for x in v):10.0f} {statistics.median(x[1] for x in v):8.3f}ms"
          f" {statistics.median(x[2] for x in v):8.3f}ms {sum(x[3] for x in v):7d} {statistics.median(ratios):14.3f}")
PY
