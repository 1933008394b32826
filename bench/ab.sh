#!/usr/bin/env bash
# A/B benchmark of gateway configurations (or builds) against one nginx backend, interleaved, medians of ratios.
#   bench/ab.sh bench/gateway.yaml bench/gateway-resilience.yaml
#   bench/ab.sh old.yaml@/path/to/old/sluice.jar bench/gateway.yaml      # two builds side by side
# Every configuration runs as its own gateway process for the whole benchmark (pinned to cpu1, on port
# GATEWAY_PORT+i), warmed up once; then ROUNDS rounds measure each in turn (A B C A B C ...), each measurement after
# a short unmeasured settle at its concurrency so that connection pools have grown. A configuration's req/s is
# compared with the first one's in the same round, and the median of those ratios is reported: the machine's drift
# between rounds cancels out. Layout as ../shared/bench: wrk and the backend on cpu0, the gateways on cpu1.
# Knobs: ROUNDS=7 DURATION=8 SETTLE=2 CONNS="64 256" WARMUP=40 JAVA_OPTS_BENCH="-Xms256m -Xmx256m"
# Loopback only; every process started here is stopped by its PID on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
ROUNDS=${ROUNDS:-7}; DURATION=${DURATION:-8}; SETTLE=${SETTLE:-2}; CONNS=${CONNS:-"64 256"}; WARMUP=${WARMUP:-40}
JAVA_OPTS_BENCH=${JAVA_OPTS_BENCH:-"-Xms256m -Xmx256m"}
BACKEND_PORT=${BACKEND_PORT:-18080}; GATEWAY_PORT=${GATEWAY_PORT:-18090}
configs=("$@")
((${#configs[@]} >= 1)) || { echo "usage: bench/ab.sh CONFIG.yaml[@JAR] [CONFIG.yaml[@JAR] ...]" >&2; exit 2; }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
mkdir -p "$work/tmp"
sed -e "s#@RUNDIR@#$work#g" -e "s#@BACKEND_PORT@#$BACKEND_PORT#g" ../shared/bench/conf/backend.nginx.conf >"$work/backend.conf"
setsid taskset -c 0 nginx -p "$work" -c "$work/backend.conf" >"$work/backend.log" 2>&1 & pids+=($!)
[[ -f target/sluice.jar ]] || mvn -q -B -DskipTests package

for i in "${!configs[@]}"; do
  cfg=${configs[$i]}; file=${cfg%%@*}; jar=; [[ $cfg == *@* ]] && jar=${cfg#*@}
  port=$((GATEWAY_PORT + i))
  GATEWAY_PORT=$port BACKEND_URL=http://127.0.0.1:$BACKEND_PORT JAVA_OPTS="$JAVA_OPTS_BENCH" SLUICE_JAR=$jar \
    setsid taskset -c 1 ./sluice run --no-watch -c "$file" >"$work/gw-$i.log" 2>&1 &
  pids+=($!)
done
for i in "${!configs[@]}"; do
  port=$((GATEWAY_PORT + i))
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
  curl -sf -o /dev/null "http://127.0.0.1:$port/" || { echo "${configs[$i]} did not start:"; cat "$work/gw-$i.log"; exit 1; }
  taskset -c 0 wrk -t1 -c64 -d"${WARMUP}s" "http://127.0.0.1:$port/" >/dev/null
done

results=$work/results.txt; : >"$results"
for ((r = 1; r <= ROUNDS; r++)); do
  for i in "${!configs[@]}"; do
    port=$((GATEWAY_PORT + i))
    for c in $CONNS; do
      taskset -c 0 wrk -t1 -c"$c" -d"${SETTLE}s" "http://127.0.0.1:$port/" >/dev/null
      out=$(taskset -c 0 wrk -t1 -c"$c" -d"${DURATION}s" --latency "http://127.0.0.1:$port/")
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
      non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
      echo "$r ${configs[$i]} c$c $rps $p50 $p99 ${non2xx:-0}" | tee -a "$results"
    done
  done
done
echo; echo "medians over $ROUNDS rounds:"
python3 - "$results" <<'PY'
import sys, statistics, collections, re
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v); x = float(m.group(1))
    return x / 1000 if m.group(2) == "us" else x * 1000 if m.group(2) == "s" else x
rows = collections.defaultdict(dict)
order = []
for line in open(sys.argv[1]):
    rnd, cfg, c, rps, p50, p99, bad = line.split()
    if cfg not in order:
        order.append(cfg)
    rows[(cfg, c)][rnd] = (float(rps), ms(p50), ms(p99), int(bad))
print(f"{'config':44s} {'conns':5s} {'req/s':>8s} {'p50':>9s} {'p99':>9s} {'non-2xx':>7s} {'req/s vs first':>14s}"
      f" {'p99 vs first':>12s}")
for (cfg, c), by_round in rows.items():
    base = rows[(order[0], c)]
    v = list(by_round.values())
    rps_ratio = [x[0] / base[r][0] for r, x in by_round.items()]
    p99_ratio = [x[2] / base[r][2] for r, x in by_round.items()]
    print(f"{cfg[-44:]:44s} {c:5s} {statistics.median(x[0] for x in v):8.0f} {statistics.median(x[1] for x in v):7.3f}ms"
          f" {statistics.median(x[2] for x in v):7.3f}ms {sum(x[3] for x in v):7d} {statistics.median(rps_ratio):14.3f}"
          f" {statistics.median(p99_ratio):12.3f}")
PY
