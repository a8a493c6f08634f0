#!/usr/bin/env bash
# Observability cost (issue 7): hello req/s from `tern up` with metrics + tracing off, metrics only
# (--admin-listen), metrics + tracing (every request sampled, spans exported over OTLP/HTTP JSON
# to a loopback nginx standing in for the collector), and metrics + tracing sampling 10% of the
# traces (parentbased_traceidratio 0.1), in one run. The configurations are
# measured in turns (ROUNDS rounds) so that noise from other load falls on all of them alike, and
# each is also reported as tern's CPU time (user + system, exporter thread included) per request.
# Usage: bench/observe_bench.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$root/${1:-build}" && pwd)
duration=${2:-5}
conns=${3:-32}
rounds=${4:-3}
workers=$(nproc)
tmp=$(mktemp -d)
source "$root/bench/lib.sh"

app="$build/examples/hello-c"
[ -f "$app/hello.wasm" ] || { echo "build the hello_c_example target first" >&2; exit 1; }

# The collector: nginx answers 200 to every POST /v1/traces.
collector_port=$(free_port)
start_nginx "$collector_port"

# start_tern NAME [ENV=VALUE...] -- [FLAGS...]: one `tern up` per configuration, same flags.
declare -A port pid
start_tern() {
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  port[$name]=$(free_port)
  env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_TRACES_ENDPOINT "${envs[@]}" \
    "$build/tern" up -f "$app" --listen "127.0.0.1:${port[$name]}" --threads "$workers" \
    --cache-dir "$tmp/cache" "$@" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
  pid[$name]=$!
}
admin_metrics=$(free_port)
admin_traced=$(free_port)
start_tern off --
start_tern metrics -- --admin-listen "127.0.0.1:$admin_metrics"
start_tern traced OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$collector_port" \
  OTEL_SERVICE_NAME=bench -- --admin-listen "127.0.0.1:$admin_traced"
admin_ratio=$(free_port)
start_tern traced10 OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$collector_port" \
  OTEL_SERVICE_NAME=bench OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1 \
  -- --admin-listen "127.0.0.1:$admin_ratio"
configs=(off metrics traced traced10)
wait_port "$collector_port"
for c in "${configs[@]}"; do
  wait_port "${port[$c]}"
  curl -sf "http://127.0.0.1:${port[$c]}/" >/dev/null || { echo "no 200 from $c" >&2; exit 1; }
done

# CPU time (user + system, clock ticks) a process has used: its exporter thread included.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Instructions retired by tern (perf stat, user + kernel) during the run: the figure least moved
# by other load on a shared machine. Skipped when perf is missing or not permitted.
use_perf=0
if command -v perf >/dev/null && perf stat -e instructions -x, -o "$tmp/probe.txt" -- true 2>/dev/null &&
  awk -F, '/instructions/ {exit !($1 ~ /^[0-9]+$/)}' "$tmp/probe.txt"; then
  use_perf=1  # a VM without hardware counters answers "<not supported>"
fi
declare -A total cpu reqs instr
for c in "${configs[@]}"; do total[$c]=0; cpu[$c]=0; reqs[$c]=0; instr[$c]=0; done
for r in $(seq "$rounds"); do
  for c in "${configs[@]}"; do
    before=$(cpu_ticks "${pid[$c]}")
    if [ "$use_perf" = 1 ]; then
      perf stat -e instructions -x, -o "$tmp/perf.txt" -p "${pid[$c]}" -- sleep "$duration" &
      perf_pid=$!
    fi
    out=$(wrk -t "$workers" -c "$conns" -d "${duration}s" "http://127.0.0.1:${port[$c]}/")
    after=$(cpu_ticks "${pid[$c]}")
    if [ "$use_perf" = 1 ]; then
      wait "$perf_pid"
      instr[$c]=$((instr[$c] + $(awk -F, '/instructions/ {print $1}' "$tmp/perf.txt")))
    fi
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    cpu[$c]=$((cpu[$c] + after - before))
    reqs[$c]=$((reqs[$c] + $(awk '/requests in/ {print $1}' <<<"$out")))
    errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
    [ -z "$errors" ] || echo "$c: $errors" >&2
    printf 'round %d %-11s %10.0f req/s\n' "$r" "$c" "$rps"
    total[$c]=$(awk -v a="${total[$c]}" -v b="$rps" 'BEGIN {print a + b}')
  done
done

sleep 6  # one export interval (OTEL_BSP_SCHEDULE_DELAY 5 s): the queued spans go out
metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
exported=$(metric "$admin_traced" tern_trace_spans_exported_total)
dropped_full=$(metric "$admin_traced" 'tern_trace_spans_dropped_total{reason="queue_full"}')
dropped_failed=$(metric "$admin_traced" 'tern_trace_spans_dropped_total{reason="export_failed"}')

echo "wrk -t$workers -c$conns -d${duration}s x $rounds rounds, tern --threads $workers, $(date -u +%FT%TZ)"
# CPU per request is the steadier figure on a shared machine: other load moves req/s more.
hz=$(getconf CLK_TCK)
printf '%-12s %11s %8s %11s %8s %12s %8s\n' configuration "mean req/s" "vs off" "CPU us/req" \
  "vs off" "instr/req" "vs off"
for c in "${configs[@]}"; do
  awk -v n="$c" -v t="${total[$c]}" -v o="${total[off]}" -v r="$rounds" -v hz="$hz" \
      -v cc="${cpu[$c]}" -v cr="${reqs[$c]}" -v oc="${cpu[off]}" -v orq="${reqs[off]}" \
      -v ci="${instr[$c]}" -v oi="${instr[off]}" 'BEGIN {
    us = cc * 1e6 / hz / cr; ous = oc * 1e6 / hz / orq
    ipr = ci / cr; oipr = oi / orq
    printf "%-12s %11.0f %7.1f%% %11.1f %7.1f%%", n, t / r, (t / o - 1) * 100, us, (us / ous - 1) * 100
    if (oipr) printf " %12.0f %7.1f%%\n", ipr, (ipr / oipr - 1) * 100; else printf " %12s %8s\n", "n/a", "" }'
done
echo "spans exported: ${exported:-0}, dropped (queue full): ${dropped_full:-0}, dropped (export failed): ${dropped_failed:-0}"
awk -v t="${total[traced]}" -v s="${total[traced10]}" -v m="${total[metrics]}" -v o="${total[off]}" 'BEGIN {
  printf "cost vs off: metrics %.1f%%, metrics + tracing %.1f%% (all sampled), %.1f%% (10%% sampled); target <= 5%%\n",
    (1 - m / o) * 100, (1 - t / o) * 100, (1 - s / o) * 100 }'
