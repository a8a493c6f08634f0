#!/usr/bin/env bash
# JS HTTP benchmark (issues 5, 15): wrk against `tern up` running the JS hello component
# (tests/fixtures/js/hello.wasm, StarlingMonkey) with a fresh instance per request (`tern`) and with
# instance reuse on (`tern-reuse`: --max-instance-reuse-count 1000), the SAME JS handler
# (hello.js) under Node's node:http (bench/peers/node-js-handler.mjs, one process and a cluster of
# one process per core), and nginx returning the same text. Every server is measured RUNS times in
# rotating order; the table shows medians (req/s, p50, p99) and the ratios of the medians. Also
# records how long `tern up` takes to answer its first request with a cold artifact cache (the
# component is compiled) and with a warm one (nothing compiled). Loopback only; every load loop is
# bounded by DURATION_S. Page faults per request (minor + major, from /proc/PID/stat of each
# server's processes, before and after each wrk run) and non-2xx answers (median per run) are
# printed for every server. With the pinned componentize-js 0.23, StarlingMonkey cannot serve a
# second request in one instance (its issue #247), so `tern-reuse` answers every second request
# with 500 (counted in non-2xx) until that is fixed upstream.
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

# start_tern LOG [FLAG...]: tern up on a fresh port with the shared cache; sets tern_port and
# tern_pid.
start_tern() {
  tern_port=$(free_port)
  "$build/tern" up -f "$tmp/app" --listen "127.0.0.1:$tern_port" --threads "$workers" \
    --cache-dir "$tmp/cache" "${@:2}" >"$tmp/$1" 2>&1 &
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

fresh_port=$tern_port fresh_pid=$tern_pid
start_tern tern-reuse.log --max-instance-reuse-count 1000  # the artifact cache is warm
wait_long "$tern_port" 300
nginx_port=$(free_port)
start_nginx "$nginx_port" "$text"
node_port=$(free_port)
node "$root/bench/peers/node-js-handler.mjs" "$root/tests/fixtures/js/hello.js" "$node_port" 1 >"$tmp/node.log" 2>&1 &
node_pid=$!
pids+=($!)
cluster_port=$(free_port)
node "$root/bench/peers/node-js-handler.mjs" "$root/tests/fixtures/js/hello.js" "$cluster_port" "$workers" \
  >"$tmp/node-cluster.log" 2>&1 &
cluster_pid=$!
pids+=($!)
wait_port "$nginx_port"; wait_port "$node_port"; wait_port "$cluster_port"
sleep 0.5  # every cluster worker listening

declare -A port=([nginx]=$nginx_port [tern]=$fresh_port [tern-reuse]=$tern_port [node]=$node_port
  [node-cluster]=$cluster_port)
declare -A pid=([nginx]=$nginx_pid [tern]=$fresh_pid [tern-reuse]=$tern_pid [node]=$node_pid
  [node-cluster]=$cluster_pid)
servers=(nginx tern tern-reuse node node-cluster)
expected=$(printf "$text")
for s in "${servers[@]}"; do
  got=$(curl -sf "http://127.0.0.1:${port[$s]}/") || { echo "$s: no 200" >&2; exit 1; }
  [ "$got" = "$expected" ] || { echo "$s answered '$got', expected '$expected'" >&2; exit 1; }
done

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
# faults PID: minor + major page faults so far of PID and its descendants (nginx and node-cluster
# workers), summed over the live processes (/proc/P/stat fields 10 and 12).
faults() {
  local p total=0 list=("$1")
  for ((k = 0; k < ${#list[@]}; k++)); do
    list+=($(cat /proc/"${list[$k]}"/task/*/children 2>/dev/null))
  done
  for p in "${list[@]}"; do
    total=$((total + $(awk '{print $10 + $12}' /proc/"$p"/stat 2>/dev/null || echo 0)))
  done
  echo "$total"
}
declare -A rps p50 p99 fpr non2xx  # space-separated samples per server
run_wrk() {
  local name=$1 out errors f0 requests
  f0=$(faults "${pid[$name]}")
  out=$(wrk -t "$workers" -c "$conns" -d "${duration}s" --latency "http://127.0.0.1:${port[$name]}/")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  fpr[$name]+="$(awk -v a="$f0" -v b="$(faults "${pid[$name]}")" -v n="$requests" \
    'BEGIN {printf "%.2f", (n > 0 ? (b - a) / n : 0)}') "
  rps[$name]+="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out") "
  p50[$name]+="$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms) "
  p99[$name]+="$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms) "
  non2xx[$name]+="$(awk '/Non-2xx/ {n = $NF} END {print n + 0}' <<<"$out") "
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
printf '%-13s %12s %10s %10s %12s %9s   %s\n' server "req/s" "p50 ms" "p99 ms" "faults/req" \
  "non-2xx" "req/s samples"
declare -A med
for s in "${servers[@]}"; do
  med[$s]=$(median <<<"${rps[$s]}")
  printf '%-13s %12.0f %10.3f %10.3f %12.2f %9.0f   %s\n' "$s" "${med[$s]}" \
    "$(median <<<"${p50[$s]}")" "$(median <<<"${p99[$s]}")" "$(median <<<"${fpr[$s]}")" \
    "$(median <<<"${non2xx[$s]}")" "${rps[$s]}"
done
awk -v t="${med[tern]}" -v r="${med[tern-reuse]}" -v n="${med[nginx]}" -v j="${med[node]}" \
  -v c="${med[node-cluster]}" 'BEGIN {
  printf "tern/nginx: %.2fx   tern/node: %.2fx   tern/node-cluster: %.2fx\n", t/n, t/j, t/c
  printf "tern-reuse/node: %.2fx   tern-reuse/node-cluster: %.2fx   tern-reuse/tern: %.2fx\n", r/j, r/c, r/t }'
echo "tern up, first 200 after start: cold cache ${first_ms[cold]} ms (compiles the component)," \
  "warm cache ${first_ms[warm]} ms"
