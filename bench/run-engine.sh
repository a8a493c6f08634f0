#!/usr/bin/env bash
# Engine benchmarks for issue 2, in one run: instantiation, compile throughput, code speed.
# Usage: bench/run-engine.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/$build"
echo "== instantiate + drop (WASI hello; and with a 4 MiB data segment) =="
TERN_BENCH_DIR=bench ./bench/instantiate_bench --benchmark_filter=. 2>&1 | grep -E 'median|Run on'
echo "== compile throughput: StarlingMonkey (componentize-js 0.23.0) =="
./bench/compile_bench "$root/tests/fixtures/npm/node_modules/@bytecodealliance/componentize-js/lib/starlingmonkey_embedding.wasm"
echo "== tern run start-up (warm cache) vs native =="
./bench/startup_bench ./tern bench/hello.wasm bench/hello_native 50
echo "== deadline precision =="
./bench/deadline_bench 30
echo "== code speed: wasm (clang-14 -O2, tern -O) vs native (gcc -O2) =="
./bench/code_speed_bench bench/kernels.wasm 5
