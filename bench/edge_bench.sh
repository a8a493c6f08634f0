#!/usr/bin/env bash
# Edge-workload benchmark (issue 9): the four example apps (jwt-auth, image-resize, api-gateway,
# tiny-inference) served by `tern up` (one manifest, a fresh instance per request; once as WAGI
# modules, once as wasi:http components whose gateway forwards to backend components through
# service chaining) and by the Node.js
# WAGI peer (one process per app, same wasm), nginx returning a static hello as the HTTP floor, and
# the same C built natively (gcc -O2) timed by a driver without HTTP (examples/common/
# native_driver.c). wrk at fixed concurrency; records req/s, p50/p99, first-request latency after
# start, RSS, CPU-µs per request from /proc/PID/stat, and cost per million requests; then the
# latency of one request at a time (wrk -c1) and each app's RSS when served alone.
# Writes bench/results/<date>.md and <date>-*.png (gnuplot).
# Usage: bench/edge_bench.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS] [USD_PER_VCPU_HOUR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$root/${1:-build}" && pwd)
duration=${2:-10}
conns=${3:-16}
price=${4:-0.04}  # USD per vCPU-hour (roughly an on-demand x86 cloud vCPU)
workers=$(nproc)
shared=${TERN_SHARED_DIR:-$root/../shared}
ex="$build/examples"
day=$(date -u +%F)
results="$root/bench/results"
mkdir -p "$results"
tmp=$(mktemp -d)
source "$root/bench/lib.sh"

lat_s=$(( duration / 2 > 2 ? duration / 2 : 2 ))  # seconds of wrk -c1 per latency run
for f in "$build/tern" "$ex/edge-apps/spin.toml" "$ex/edge-components/spin.toml" \
         "$ex/jwt_auth_native" "$ex/make_test_image"; do
  [ -e "$f" ] || { echo "edge_bench: $f missing; build the edge_examples target first" >&2; exit 1; }
done

# CPU time (µs) of a process and its threads: utime + stime, /proc/PID/stat fields 14 and 15.
cpu_us() {
  local tck total=0 p
  tck=$(getconf CLK_TCK)
  for p in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo $((total * 1000000 / tck))
}
rss_kb() { local t=0 p; for p in "$@"; do t=$((t + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status"))); done; echo $t; }

# --- inputs: a token valid until 2100, a 1000x1000 (1 MP) JPEG, a digit, a gateway route ---
token=$(python3 - <<'PY'
import base64, hashlib, hmac, json
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
h = b(b'{"alg":"HS256","typ":"JWT"}')
p = b(json.dumps({"sub": "alice", "aud": "tern-edge", "exp": 4102444800}).encode())
print(f"{h}.{p}." + b(hmac.new(b"tern-demo-secret", f"{h}.{p}".encode(), hashlib.sha256).digest()))
PY
)
"$ex/make_test_image" "$tmp/image.jpg" 1000 1000
python3 -c 'g=[0x3c,0x66,0x06,0x1c,0x06,0x66,0x3c,0]; print("["+",".join(str((r>>(7-c))&1) for r in g for c in range(8))+"]")' >"$tmp/digit.json"
apps=(jwt resize gateway infer)
declare -A wasm=([jwt]=jwt-auth/jwt_auth.wasm [resize]=image-resize/image_resize.wasm
  [gateway]=api-gateway/api_gateway.wasm [infer]=tiny-inference/tiny_inference.wasm)
declare -A path=([jwt]=/jwt/ [resize]="/resize?width=128" [gateway]=/api/v1/users/7 [infer]=/infer)
native_run() {  # app args...: the native driver on the same request
  local a=$1 bin="$ex/$(basename "${wasm[$1]}" .wasm)_native"
  shift
  case $a in
    jwt) "$bin" "$@" "HTTP_X_AUTHORIZATION=Bearer $token" PATH_INFO=/ ;;
    resize) "$bin" "$@" -b "$tmp/image.jpg" QUERY_STRING=width=128 ;;
    gateway) "$bin" "$@" PATH_INFO=/api/v1/users/7 REQUEST_METHOD=GET HTTP_X_API_KEY=tern-demo-key \
      API_KEY=tern-demo-key ;;
    infer) "$bin" "$@" -b "$tmp/digit.json" ;;
  esac
}
# wrk scripts: method, headers and body per app (the same requests for tern and node).
lua() {
  case $1 in
    jwt) echo "wrk.headers['X-Authorization'] = 'Bearer $token'" ;;
    resize) echo "wrk.method = 'POST'; local f = io.open('$tmp/image.jpg', 'rb'); wrk.body = f:read('*a'); f:close()" ;;
    gateway) echo "wrk.headers['X-Api-Key'] = 'tern-demo-key'" ;;
    infer) echo "wrk.method = 'POST'; local f = io.open('$tmp/digit.json', 'rb'); wrk.body = f:read('*a'); f:close()" ;;
    hello) echo "" ;;
  esac >"$tmp/$1.lua"
}
for a in "${apps[@]}" hello; do lua "$a"; done
first_ms() {  # app port: the first request's latency in ms; fails unless 200
  local args=() out
  case $1 in
    jwt) args=(-H "X-Authorization: Bearer $token") ;;
    resize) args=(--data-binary "@$tmp/image.jpg") ;;
    gateway) args=(-H "X-Api-Key: tern-demo-key") ;;
    infer) args=(--data-binary "@$tmp/digit.json") ;;
  esac
  out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "${args[@]}" "http://127.0.0.1:$2${path[$1]:-/}")
  [ "${out% *}" = 200 ] || { echo "edge_bench: $1 on port $2 answered ${out% *}" >&2; exit 1; }
  awk -v t="${out#* }" 'BEGIN {printf "%.2f", t * 1000}'
}

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
declare -A rps p50 p99 cpu rss cold
run_wrk() {  # key app port pids...
  local key=$1 app=$2 port=$3 out c0 c1 n
  shift 3
  c0=$(cpu_us "$@")
  out=$(wrk -t "$workers" -c "$conns" -d "${duration}s" --latency -s "$tmp/$app.lua" "http://127.0.0.1:$port${path[$app]:-/}")
  c1=$(cpu_us "$@")
  rps[$key]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50[$key]=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
  p99[$key]=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu[$key]=$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN {printf "%.1f", n ? c / n : 0}')
  rss[$key]=$(rss_kb "$@")
  local errors
  errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  [ -z "$errors" ] || echo "edge_bench: $key: $errors" >&2
  echo "  $key: ${rps[$key]} req/s, p50 ${p50[$key]} ms, p99 ${p99[$key]} ms, ${cpu[$key]} CPU-µs/req" >&2
}

# --- tern: deploy with a cold artifact cache (AOT compile), then restart warm for cold start ---
# Two servers: "tern" serves the WAGI build (edge-apps), "ternc" the component build
# (edge-components).
start_tern() {  # manifest-dir port: sets started_pid
  "$build/tern" up -O -f "$1" --listen "127.0.0.1:$2" --threads "$workers" \
    --cache-dir "$tmp/cache" >>"$tmp/tern.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
}
declare -A tport tpid deploy_ms listen_ms idle_kb loaded_kb
tport[tern]=$(free_port)
tport[ternc]=$(free_port)
declare -A tdir=([tern]="$ex/edge-apps" [ternc]="$ex/edge-components")
for t in tern ternc; do
  t0=$(now_ms); start_tern "${tdir[$t]}" "${tport[$t]}"; wait_port "${tport[$t]}" 120
  deploy_ms[$t]=$(($(now_ms) - t0))
  kill "$started_pid"; wait "$started_pid" 2>/dev/null || true
  t0=$(now_ms); start_tern "${tdir[$t]}" "${tport[$t]}"; wait_port "${tport[$t]}"
  listen_ms[$t]=$(($(now_ms) - t0))
  tpid[$t]=$started_pid
  idle_kb[$t]=$(rss_kb "$started_pid")
  for a in "${apps[@]}"; do cold[${t}_$a]=$(first_ms "$a" "${tport[$t]}"); done
done
tern_pid=${tpid[tern]}

# --- node: one peer process per app, same wasm ---
declare -A node_port node_pid node_idle_kb
for a in "${apps[@]}"; do
  node_port[$a]=$(free_port)
  node "$shared/peers/node-wagi.mjs" "$ex/${wasm[$a]}" "${node_port[$a]}" >"$tmp/node-$a.log" 2>&1 &
  node_pid[$a]=$!
  pids+=("$!")
  t0=$(now_ms); wait_port "${node_port[$a]}"
  node_idle_kb[$a]=$(rss_kb "${node_pid[$a]}")
  cold[node_$a]=$(first_ms "$a" "${node_port[$a]}")
  cold[node_listen_$a]=$(($(now_ms) - t0))
done

# --- nginx: static hello, one worker per core ---
nginx_port=$(free_port)
t0=$(now_ms)
start_nginx "$nginx_port"
wait_port "$nginx_port"
cold[nginx]=$(first_ms hello "$nginx_port")
sleep 0.2
nginx_pids=("$nginx_pid" $(cat /proc/"$nginx_pid"/task/*/children 2>/dev/null))

# --- load ---
echo "edge_bench: wrk -t$workers -c$conns -d${duration}s" >&2
run_wrk nginx hello "$nginx_port" "${nginx_pids[@]}"
for a in "${apps[@]}"; do
  run_wrk "tern_$a" "$a" "${tport[tern]}" "${tpid[tern]}"
  run_wrk "ternc_$a" "$a" "${tport[ternc]}" "${tpid[ternc]}"
  run_wrk "node_$a" "$a" "${node_port[$a]}" "${node_pid[$a]}"
done
for t in tern ternc; do loaded_kb[$t]=$(awk '/^VmHWM:/ {print $2}' "/proc/${tpid[$t]}/status"); done

# --- latency: one request at a time (wrk -t1 -c1), so the p50 is service time, not queueing ---
declare -A l50 l99
run_lat() {  # key app port
  local out
  out=$(wrk -t 1 -c 1 -d "${lat_s}s" --latency -s "$tmp/$2.lua" "http://127.0.0.1:$3${path[$2]:-/}")
  l50[$1]=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
  l99[$1]=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  echo "  $1 at c=1: p50 ${l50[$1]} ms, p99 ${l99[$1]} ms" >&2
}
echo "edge_bench: wrk -t1 -c1 -d${lat_s}s" >&2
run_lat nginx hello "$nginx_port"
for a in "${apps[@]}"; do
  run_lat "tern_$a" "$a" "${tport[tern]}"
  run_lat "ternc_$a" "$a" "${tport[ternc]}"
  run_lat "node_$a" "$a" "${node_port[$a]}"
done
for t in tern ternc; do kill "${tpid[$t]}"; wait "${tpid[$t]}" 2>/dev/null || true; done

# --- RSS of each app served alone (WAGI build, warm cache), after a second of requests ---
declare -A alone_kb
declare -A app_dir=([jwt]=jwt-auth [resize]=image-resize [gateway]=api-gateway [infer]=tiny-inference)
for a in "${apps[@]}"; do
  port=$(free_port)
  start_tern "$ex/${app_dir[$a]}" "$port"
  wait_port "$port"
  path[$a.alone]=${path[$a]#/jwt}  # the app alone serves jwt on /...
  wrk -t 1 -c 1 -d 1s -s "$tmp/$a.lua" "http://127.0.0.1:$port${path[$a.alone]:-/}" >/dev/null
  alone_kb[$a]=$(rss_kb "$started_pid")
  kill "$started_pid"; wait "$started_pid" 2>/dev/null || true
done

# --- native: the same handler, gcc -O2, no HTTP; one process run = exec + one call (cold) ---
declare -A nat_rate nat_p50 nat_p99 nat_cold nat_rss
for a in "${apps[@]}"; do
  n=20000
  [ "$a" = resize ] && n=50
  line=$(native_run "$a" -n "$n")
  nat_rate[$a]=$(sed -E 's/.*calls_per_s=([0-9.]+).*/\1/' <<<"$line")
  nat_p50[$a]=$(sed -E 's/.*p50_us=([0-9.]+).*/\1/' <<<"$line")
  nat_p99[$a]=$(sed -E 's/.*p99_us=([0-9.]+).*/\1/' <<<"$line")
  t0=$(date +%s%N)
  line=$(native_run "$a" -n 1)  # exec + one call: the native "cold start"
  nat_cold[$a]=$(awk -v d=$(($(date +%s%N) - t0)) 'BEGIN {printf "%.2f", d / 1e6}')
  nat_rss[$a]=$(sed -E 's/.*max_rss_kb=([0-9]+).*/\1/' <<<"$line")
done

# --- report ---
md="$results/$day.md"
cost() { awk -v c="$1" -v p="$price" 'BEGIN {printf "%.4f", c * p / 3600}'; }  # µs/req -> $/M req
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1fx", a / b; else print "-"}'; }
{
  echo "# Edge workloads: tern vs Node.js peer vs native vs nginx ($day)"
  echo
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); wrk -t$workers -c$conns -d${duration}s"
  echo "per server; tern \`up -O\` with --threads $workers serves all four apps from one manifest"
  echo "(build/examples/edge-apps), a fresh instance per request; the Node peer runs one process per app"
  echo "on the same wasm; native is the same C handler (gcc -O2) called in a loop by"
  echo "examples/common/native_driver.c, one thread, without HTTP. Cost = CPU-µs per request x"
  echo "\$$price per vCPU-hour. CPU comes from /proc/PID/stat (utime+stime) of the server, so wrk's own"
  echo "CPU is excluded. Requests: jwt = GET with an HS256 token; resize = POST a 1000x1000 JPEG"
  echo "(1 MP, $(stat -c %s "$tmp/image.jpg") bytes) to a 128 px wide PNG; gateway = GET"
  echo "/api/v1/users/7 with an API key (WAGI: a backend function inside the guest; component: forwarded"
  echo "to the users backend component through service chaining); infer = POST 64"
  echo "numbers to a 64-32-10 MLP."
  echo
  echo "| workload | server | req/s | p50 ms | p99 ms | CPU-µs/req | \$ per M req | first req ms | RSS MB |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  printf "| hello | nginx | %.0f | %s | %s | %s | %s | %s | %.1f |\n" "${rps[nginx]}" "${p50[nginx]}" \
    "${p99[nginx]}" "${cpu[nginx]}" "$(cost "${cpu[nginx]}")" "${cold[nginx]}" "$(awk -v k="${rss[nginx]}" 'BEGIN {print k/1024}')"
  for a in "${apps[@]}"; do
    printf "| %s | tern | %.0f | %s | %s | %s | %s | %s | %.1f (process, 4 apps) |\n" "$a" "${rps[tern_$a]}" \
      "${p50[tern_$a]}" "${p99[tern_$a]}" "${cpu[tern_$a]}" "$(cost "${cpu[tern_$a]}")" "${cold[tern_$a]}" \
      "$(awk -v k="${rss[tern_$a]}" 'BEGIN {print k/1024}')"
    printf "| %s | tern (component) | %.0f | %s | %s | %s | %s | %s | %.1f (process, 7 components) |\n" "$a" \
      "${rps[ternc_$a]}" "${p50[ternc_$a]}" "${p99[ternc_$a]}" "${cpu[ternc_$a]}" "$(cost "${cpu[ternc_$a]}")" \
      "${cold[ternc_$a]}" "$(awk -v k="${rss[ternc_$a]}" 'BEGIN {print k/1024}')"
    printf "| %s | node | %.0f | %s | %s | %s | %s | %s | %.1f |\n" "$a" "${rps[node_$a]}" \
      "${p50[node_$a]}" "${p99[node_$a]}" "${cpu[node_$a]}" "$(cost "${cpu[node_$a]}")" "${cold[node_$a]}" \
      "$(awk -v k="${rss[node_$a]}" 'BEGIN {print k/1024}')"
    native_cpu=$(awk -v r="${nat_rate[$a]}" 'BEGIN {printf "%.1f", 1e6 / r}')
    printf "| %s | native (no HTTP) | %.0f (1 thread) | %.3f | %.3f | %s | %s | %s (exec+call) | %.1f |\n" "$a" \
      "${nat_rate[$a]}" "$(awk -v u="${nat_p50[$a]}" 'BEGIN {print u/1000}')" \
      "$(awk -v u="${nat_p99[$a]}" 'BEGIN {print u/1000}')" "$native_cpu" "$(cost "$native_cpu")" \
      "${nat_cold[$a]}" "$(awk -v k="${nat_rss[$a]}" 'BEGIN {print k/1024}')"
  done
  echo
  echo "| workload | tern/node req/s | component/node req/s | node/tern CPU per req | tern/native CPU per req | tern p50 − native p50 (ms) |"
  echo "|---|---:|---:|---:|---:|---:|"
  for a in "${apps[@]}"; do
    native_cpu=$(awk -v r="${nat_rate[$a]}" 'BEGIN {printf "%.2f", 1e6 / r}')
    printf "| %s | %s | %s | %s | %s | %.3f |\n" "$a" "$(ratio "${rps[tern_$a]}" "${rps[node_$a]}")" \
      "$(ratio "${rps[ternc_$a]}" "${rps[node_$a]}")" \
      "$(ratio "${cpu[node_$a]}" "${cpu[tern_$a]}")" "$(ratio "${cpu[tern_$a]}" "$native_cpu")" \
      "$(awk -v t="${p50[tern_$a]}" -v n="${nat_p50[$a]}" 'BEGIN {print t - n/1000}')"
  done
  echo
  echo "Latency of one request at a time (wrk -t1 -c1 -d${lat_s}s; p50 / p99 ms; native: the handler alone):"
  echo
  echo "| workload | tern | tern (component) | node | native (no HTTP) |"
  echo "|---|---:|---:|---:|---:|"
  printf "| hello (nginx) | %s / %s | | | |\n" "${l50[nginx]}" "${l99[nginx]}"
  for a in "${apps[@]}"; do
    printf "| %s | %s / %s | %s / %s | %s / %s | %.3f / %.3f |\n" "$a" "${l50[tern_$a]}" "${l99[tern_$a]}" \
      "${l50[ternc_$a]}" "${l99[ternc_$a]}" "${l50[node_$a]}" "${l99[node_$a]}" \
      "$(awk -v u="${nat_p50[$a]}" 'BEGIN {print u/1000}')" "$(awk -v u="${nat_p99[$a]}" 'BEGIN {print u/1000}')"
  done
  echo
  echo "Start-up: tern deploy with a cold artifact cache (AOT-compiles the apps, -O): WAGI ${deploy_ms[tern]} ms,"
  echo "components ${deploy_ms[ternc]} ms to listening; restart with a warm cache ${listen_ms[tern]} / ${listen_ms[ternc]} ms."
  echo "tern RSS idle $((idle_kb[tern] / 1024)) MB (WAGI, 4 apps) / $((idle_kb[ternc] / 1024)) MB (7 components), peak after load"
  echo "$((loaded_kb[tern] / 1024)) / $((loaded_kb[ternc] / 1024)) MB. Each app served alone by its own tern process (WAGI, after 1 s"
  echo "of requests): $(for a in "${apps[@]}"; do printf '%s %.1f MB, ' "$a" "$(awk -v k="${alone_kb[$a]}" 'BEGIN {print k/1024}')"; done)"
  echo "Node peer: listening + first request $(for a in "${apps[@]}"; do printf '%s %s ms, ' "$a" "${cold[node_listen_$a]}"; done)"
  echo "idle RSS $(for a in "${apps[@]}"; do printf '%s %s MB, ' "$a" $((node_idle_kb[$a] / 1024)); done)"
  echo "\"first req\" is the first request's latency after the server listens (tern and Node: a fresh"
  echo "instance per request, so later requests are also \"cold\" instances; the p50 is that figure warm)."
  echo
  echo "| issue 9 target (loopback) | seed article, Spin on Akamai | this run (tern) |"
  echo "|---|---|---|"
  echo "| JWT p50 ≤ 0.3 ms | 3–7 ms | ${l50[tern_jwt]} ms (component ${l50[ternc_jwt]}) at c=1; ${p50[tern_jwt]} ms at c=$conns |"
  echo "| API routing p50 ≤ 0.2 ms | 2–5 ms | ${l50[tern_gateway]} ms at c=1 (component with 1 chained hop ${l50[ternc_gateway]}); ${p50[tern_gateway]} ms at c=$conns |"
  echo "| 1 MP image → thumbnail ≤ 15 ms | 10–20 ms | ${l50[tern_resize]} ms (component ${l50[ternc_resize]}) at c=1; native $(awk -v u="${nat_p50[resize]}" 'BEGIN {printf "%.1f", u / 1000}') ms |"
  echo "| tiny inference ≤ 10 ms | 40–80 ms | ${l50[tern_infer]} ms (component ${l50[ternc_infer]}) at c=1; ${p50[tern_infer]} ms at c=$conns |"
  echo "| cold start ≤ 1 ms | < 10 ms | first request after start: jwt ${cold[tern_jwt]}, gateway ${cold[tern_gateway]}, infer ${cold[tern_infer]} ms (components: ${cold[ternc_jwt]}, ${cold[ternc_gateway]}, ${cold[ternc_infer]}) |"
  echo "| RSS per app ≤ 1 MB | 5–35 MB | alone: $(for a in "${apps[@]}"; do printf '%s %.1f, ' "$a" "$(awk -v k="${alone_kb[$a]}" 'BEGIN {print k/1024}')"; done)MB; all 4 in one process $((loaded_kb[tern] / 1024)) MB peak |"
  echo
  echo "![latency]($day-latency.png) ![throughput]($day-throughput.png) ![cost]($day-cost.png)"
} >"$md"

# --- charts (gnuplot) ---
dat="$tmp/chart.dat"
{
  echo "# workload, p50 ms, req/s, CPU-us/req: tern node native each"
  for a in "${apps[@]}"; do
    echo "$a ${p50[tern_$a]} ${p50[node_$a]} $(awk -v u="${nat_p50[$a]}" 'BEGIN {print u/1000}') ${rps[tern_$a]} ${rps[node_$a]} ${nat_rate[$a]} ${cpu[tern_$a]} ${cpu[node_$a]} $(awk -v r="${nat_rate[$a]}" 'BEGIN {print 1e6/r}')"
  done
} >"$dat"
if command -v gnuplot >/dev/null; then
  plot() {  # file title ylabel first-column
    gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced font ",11"
set output "$results/$day-$1.png"
set title "$2"
set ylabel "$3"
set logscale y
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
plot "$dat" using $4:xtic(1) title "tern" lc rgb "#2a7ab0", "" using $(($4 + 1)) title "node peer" lc rgb "#c0504d", "" using $(($4 + 2)) title "native (no HTTP)" lc rgb "#7f7f7f"
GP
  }
  plot latency "p50 latency per request (log scale, lower is better)" "ms" 2
  plot throughput "Requests per second (log scale, higher is better)" "req/s" 5
  plot cost "Server CPU per request (log scale; x \$$price/vCPU-h = cost)" "CPU-µs per request" 8
else
  echo "edge_bench: gnuplot missing (scripts/setup installs gnuplot-nox); no charts" >&2
fi
cat "$md"
echo "edge_bench: wrote $md" >&2
