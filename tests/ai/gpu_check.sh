#!/usr/bin/env bash
# The one GPU check of src/ai, for a machine with an NVIDIA GPU, nvcc and cuBLAS: builds the CUDA
# backend (build-cuda, -DTERN_AI_CUDA=ON), checks greedy decoding on the GPU token by token
# against the CPU backend and the numpy reference, and runs ai_bench on cuda and cpu in one run.
# Results go to $OUT (default ./gpu-results). Usage: tests/ai/gpu_check.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-$root/gpu-results}"
mkdir -p "$out"
cd "$root"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTERN_AI_CUDA=ON \
  > "$out/configure.log" 2>&1
cmake --build build-cuda -j"$(nproc)" --target ai_cli ai_bench ai_models > "$out/build.log" 2>&1
models=build-cuda/ai_models
printf '%s\n' '["The edge runs small", "Tokens are pieces of words: the tokenizer", "Caf\u00e9 na\u00efve 42"]' \
  > "$out/prompts.json"
status=0
for m in tiny-llama tiny-llama-f16-sharded tiny-llama3; do
  for backend in cpu cuda; do
    TERN_AI_BACKEND=$backend build-cuda/tests/ai/ai_cli infer "$models" "$m" "$out/prompts.json" \
      --max-tokens 12 --temperature 0 > "$out/$m.$backend.json"
  done
  /usr/bin/python3 - "$models/llama/$m" "$out/$m.cpu.json" "$out/$m.cuda.json" <<'PY' \
    >> "$out/compare.txt" || status=1
import json, sys
sys.path.insert(0, "tests/ai")
import reference
ref = reference.Llama(sys.argv[1])
cpu, gpu = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
ok = True
for c, g in zip(cpu, gpu):
    want, _ = ref.greedy(c["prompt_ids"], 12)
    same = c["ids"] == g["ids"] == want
    ok = ok and same
    print(sys.argv[1], "cpu", c["ids"], "cuda", g["ids"], "numpy", want, "OK" if same else "DIFF")
sys.exit(0 if ok else 1)
PY
done
bench/ai_bench.sh build-cuda cuda > "$out/ai_bench_cuda.txt" 2>&1 || status=1
VECTOR_N=20000 bench/ai_bench.sh build-cuda cpu > "$out/ai_bench_cpu.txt" 2>&1 || status=1
cat "$out/compare.txt"
echo "gpu_check: $([ $status -eq 0 ] && echo 1 passed, 0 failed || echo 0 passed, 1 failed)"
exit $status
