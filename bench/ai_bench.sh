#!/usr/bin/env bash
# AI benches: generates the ~100M-parameter Llama and a MiniLM-shaped BERT (not committed), then
# runs build/bench/ai_bench (TTFT, tokens/s, 8 concurrent users' RSS, embeddings/s) and
# build/bench/vector_bench (100k x 384: recall@10 vs flat, query p50). Usage:
#   bench/ai_bench.sh [BUILD_DIR] [cpu|cuda]
set -euo pipefail
build="${1:-build}"
backend="${2:-cpu}"
here="$(cd "$(dirname "$0")" && pwd)"
models="$build/ai_bench_models"
if [ ! -f "$models/llama/bench-100m/model.safetensors" ]; then
  echo "ai_bench: generating models in $models"
  /usr/bin/python3 "$here/../tests/ai/make_models.py" "$models" --bench
fi
echo "== ai_bench ($backend; machine: $(nproc) cores, shared) =="
"$build/bench/ai_bench" "$models" "$backend"
echo "== vector_bench =="
"$build/bench/vector_bench" "${VECTOR_N:-100000}" 200
