#!/usr/bin/env bash
# Key-value benchmark (issue 6): wrk against one `tern up` serving the host-services JS fixture
# (tests/fixtures/js-spin/services.js), a handler doing one key-value get + one set per request
# (/kv/visit, default SQLite store: WAL, synced, group-committed) vs the same app's hello route
# (/hello), in the same run, same wrk settings. Target: kv >= 0.5x hello.
# Usage: bench/kv_bench.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS] [THREADS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$root/${1:-build}" && pwd)
duration=${2:-10}
conns=${3:-32}
workers=$(nproc)
threads=${4:-$workers}
wasm="$build/tests/fixtures/js-spin/services.wasm"
[ -f "$wasm" ] || { echo "build the js_spin_fixture target first ($wasm)" >&2; exit 1; }
tmp=$(mktemp -d)
source "$root/bench/lib.sh"

mkdir -p "$tmp/app"
cp "$wasm" "$tmp/app/"
cat >"$tmp/app/spin.toml" <<'TOML'
spin_manifest_version = 2
[application]
name = "kv-bench"
[[trigger.http]]
route = "/..."
component = "app"
[component.app]
source = "services.wasm"
key_value_stores = ["default"]
TOML
port=$(free_port)
"$build/tern" up -f "$tmp/app" --listen "127.0.0.1:$port" --threads "$threads" \
  --cache-dir "$tmp/cache" >"$tmp/tern.log" 2>&1 &
pids+=($!)
for _ in $(seq 3000); do  # the first start compiles the 13 MB component
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
wait_port "$port"
for path in /hello /kv/visit; do
  curl -sf "http://127.0.0.1:$port$path" >/dev/null || { echo "no 200 from $path" >&2; exit 1; }
done

declare -A rps
run_wrk() {
  local name=$1 path=$2 out errors
  out=$(wrk -t "$workers" -c "$conns" -d "${duration}s" "http://127.0.0.1:$port$path")
  rps[$name]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  [ -z "$errors" ] || echo "$name: $errors" >&2
}
run_wrk hello /hello
run_wrk kv /kv/visit
visits=$(curl -sf "http://127.0.0.1:$port/kv/get?key=visits")

echo "wrk -t$workers -c$conns -d${duration}s, tern --threads $threads, $(date -u +%FT%TZ)"
printf '%-8s %12s\n' handler "req/s"
for n in hello kv; do printf '%-8s %12.0f\n' "$n" "${rps[$n]}"; done
# /kv/visit is a plain get + set (not atomic), as a guest would write it: concurrent requests may
# overwrite each other, so the count shows durability, not the request count.
echo "visits stored: $visits"
awk -v k="${rps[kv]}" -v h="${rps[hello]}" 'BEGIN { printf "kv/hello: %.2fx (target >= 0.5x)\n", k/h }'
