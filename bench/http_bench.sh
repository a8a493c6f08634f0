#!/usr/bin/env bash
# HTTP benchmark (issue 4): wrk against `tern up` serving the hello WAGI app (a fresh instance per
# request), nginx returning the same static hello, and the Node.js (V8) WAGI peer running the
# same wasm; one run, same wrk settings, Tern with as many threads as nginx has workers.
# Usage: bench/http_bench.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$root/${1:-build}" && pwd)
duration=${2:-10}
conns=${3:-32}
workers=$(nproc)
shared=${TERN_SHARED_DIR:-$root/../shared}
tmp=$(mktemp -d)
source "$root/bench/lib.sh"

# --- nginx: static hello, one worker per core ---
nginx_port=$(free_port)
start_nginx "$nginx_port"

# --- tern up: the hello-c WAGI example ---
tern_port=$(free_port)
"$build/tern" up -f "$build/examples/hello-c" --listen "127.0.0.1:$tern_port" --threads "$workers" \
  --cache-dir "$tmp/cache" >"$tmp/tern.log" 2>&1 &
pids+=($!)

# --- Node.js peer: same wasm, fresh instance per request ---
node_port=$(free_port)
node "$shared/peers/node-wagi.mjs" "$build/examples/hello-c/hello.wasm" "$node_port" >"$tmp/node.log" 2>&1 &
pids+=($!)

wait_port "$nginx_port"; wait_port "$tern_port"; wait_port "$node_port"
for port in "$nginx_port" "$tern_port" "$node_port"; do
  curl -sf "http://127.0.0.1:$port/" >/dev/null || { echo "no 200 from port $port" >&2; exit 1; }
done

# wrk's latency figures in milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
declare -A rps p50 p99
run_wrk() {
  local name=$1 port=$2 out
  out=$(wrk -t "$workers" -c "$conns" -d "${duration}s" --latency "http://127.0.0.1:$port/")
  rps[$name]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50[$name]=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
  p99[$name]=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  local errors
  errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  [ -z "$errors" ] || echo "$name: $errors" >&2
}
run_wrk nginx "$nginx_port"
run_wrk tern "$tern_port"
run_wrk node "$node_port"

echo "wrk -t$workers -c$conns -d${duration}s, $workers nginx workers / tern threads, $(date -u +%FT%TZ)"
printf '%-8s %12s %10s %10s\n' server "req/s" "p50 ms" "p99 ms"
for n in nginx tern node; do printf '%-8s %12.0f %10.3f %10.3f\n' "$n" "${rps[$n]}" "${p50[$n]}" "${p99[$n]}"; done
awk -v t="${rps[tern]}" -v n="${rps[nginx]}" -v j="${rps[node]}" 'BEGIN {
  printf "tern/nginx: %.2fx (target >= 0.8x)   tern/node: %.1fx (target >= 20x)\n", t/n, t/j }'
