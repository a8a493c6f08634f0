#!/usr/bin/env bash
# JS HTTP benchmark (issue 5): wrk against `tern up` running the JS hello component
# (tests/fixtures/js/hello.wasm, StarlingMonkey, a fresh instance per request), the SAME JS handler
# (hello.js) under Node's node:http (bench/peers/node-js-handler.mjs, one process and a cluster of
# one process per core), and nginx returning the same text. Every server is measured RUNS times in
# rotating order; the table shows medians (req/s, p50, p99) and the ratios of the medians. Also
# records how long `tern up` takes to answer its first request with a cold artifact cache (the
# component is compiled) and with a warm one (nothing compiled). Loopback only; every load loop is
# bounded by DURATION_S.
# Usage: bench/js_http_bench.sh [BUILD_DIR] [RUNS] [DURATION_S] [CONNECTIONS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$root" && cd "${1:-build}" && pwd)  # relative to the repository, or absolute
runs=${2:-5}
duration=${3:-10}
conns=${4:-32}
workers=$(nproc)
text='hello from js\n'  # what hello.js answers; nginx answers the same bytes
tmp=$(mktemp -d)
source "$root/bench/lib.sh"

wasm="$build/tests/fixtures/js/hello.wasm"
for f in "$build/tern" "$wasm"; do
  [ -e "$f" ] || { echo "js_http_bench: $f missing; build the tern and js_fixtures targets" >&2; exit 1; }
done
mkdir -p "$tmp/app"
cp "$wasm" "$tmp/app/hello.wasm"
cat >"$tmp/app/spin.toml" <<'TOML'
spin_manifest_version = 2
[application]
name = "js-hello-bench"
[[trigger.http]]
route = "/..."
component = "hello"
[component.hello]
source = "hello.wasm"
TOML

# wait_long PORT SECONDS: like wait_port, for a first start that compiles a 13 MB component.
wait_long() {
  local deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listening on port $1 after $2 s" >&2
  tail -20 "$tmp"/*.log >&2 || true
  return 1
}

# start_tern LOG: tern up on a fresh port with the shared cache; sets tern_port and tern_pid.
start_tern() {
  tern_port=$(free_port)
  "$build/tern" up -f "$tmp/app" --listen "127.0.0.1:$tern_port" --threads "$workers" \
    --cache-dir "$tmp/cache" >"$tmp/$1" 2>&1 &
  tern_pid=$!
  pids+=("$tern_pid")
}

# First answer after start, cold cache (compiles) then warm (loads the cached artifacts).
declare -A first_ms
for start in cold warm; do
  t0=$(now_ms)
  start_tern "tern-$start.log"
  wait_long "$tern_port" 300
  curl -sf "http://127.0.0.1:$tern_port/" >/dev/null || { echo "tern: no 200" >&2; tail "$tmp/tern-$start.log" >&2; exit 1; }
  first_ms[$start]=$(($(now_ms) - t0))
  [ "$start" = warm ] || { kill "$tern_pid"; wait "$tern_pid" 2>/dev/null || true; }
done

nginx_port=$(free_port)
start_nginx "$nginx_port" "$text"
node_port=$(free_port)
node "$root/bench/peers/node-js-handler.mjs" "$root/tests/fixtures/js/hello.js" "$node_port" 1 >"$tmp/node.log" 2>&1 &
pids+=($!)
cluster_port=$(free_port)
node "$root/bench/peers/node-js-handler.mjs" "$root/tests/fixtures/js/hello.js" "$cluster_port" "$workers" \
  >"$tmp/node-cluster.log" 2>&1 &
pids+=($!)
wait_port "$nginx_port"; wait_port "$node_port"; wait_port "$cluster_port"
sleep 0.5  # every cluster worker listening

declare -A port=([nginx]=$nginx_port [tern]=$tern_port [node]=$node_port [node-cluster]=$cluster_port)
servers=(nginx tern node node-cluster)
expected=$(printf "$text")
for s in "${servers[@]}"; do
  got=$(curl -sf "http://127.0.0.1:${port[$s]}/") || { echo "$s: no 200" >&2; exit 1; }
  [ "$got" = "$expected" ] || { echo "$s answered '$got', expected '$expected'" >&2; exit 1; }
done

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
declare -A rps p50 p99  # space-separated samples per server
run_wrk() {
  local name=$1 out errors
  out=$(wrk -t "$workers" -c "$conns" -d "${duration}s" --latency "http://127.0.0.1:${port[$name]}/")
  rps[$name]+="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out") "
  p50[$name]+="$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms) "
  p99[$name]+="$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms) "
  errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  [ -z "$errors" ] || echo "$name: $errors" >&2
}
for ((r = 0; r < runs; r++)); do
  for ((i = 0; i < ${#servers[@]}; i++)); do
    run_wrk "${servers[$(((i + r) % ${#servers[@]}))]}"
  done
done
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

echo "wrk -t$workers -c$conns -d${duration}s, medians of $runs runs, $workers nginx workers / tern threads /" \
  "node cluster processes, $(date -u +%FT%TZ)"
printf '%-13s %12s %10s %10s   %s\n' server "req/s" "p50 ms" "p99 ms" "req/s samples"
declare -A med
for s in "${servers[@]}"; do
  med[$s]=$(median <<<"${rps[$s]}")
  printf '%-13s %12.0f %10.3f %10.3f   %s\n' "$s" "${med[$s]}" "$(median <<<"${p50[$s]}")" \
    "$(median <<<"${p99[$s]}")" "${rps[$s]}"
done
awk -v t="${med[tern]}" -v n="${med[nginx]}" -v j="${med[node]}" -v c="${med[node-cluster]}" 'BEGIN {
  printf "tern/nginx: %.2fx   tern/node: %.2fx   tern/node-cluster: %.2fx\n", t/n, t/j, t/c }'
echo "tern up, first 200 after start: cold cache ${first_ms[cold]} ms (compiles the component)," \
  "warm cache ${first_ms[warm]} ms"
