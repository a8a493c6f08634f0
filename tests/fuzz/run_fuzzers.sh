#!/usr/bin/env bash
# Runs each libFuzzer harness built in BUILD for SECONDS seconds (`make fuzz`); exits 1 when any
# of them found a crash, leak, timeout or sanitizer report. Usage: run_fuzzers.sh BUILD SECONDS
# TARGET... New corpus entries collect in BUILD/fuzz-corpus/<target> (kept between runs); crash
# inputs land in BUILD/fuzz-artifacts/.
set -uo pipefail
build=$1 seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build/fuzz-artifacts"
failed=()
for target in "$@"; do
  fuzzer="$build/${target}_fuzzer"
  work="$build/fuzz-corpus/$target"
  mkdir -p "$work"
  seeds=("$src/corpus/$target")
  [ -d "$src/regressions/$target" ] && seeds+=("$src/regressions/$target")
  log="$build/fuzz-artifacts/$target.log"
  echo "fuzz: $target for ${seconds} s (log: $log)"
  # -close_fd_mask=3: the targets' own output (tern's 500 lines) is noise; libFuzzer and the
  # sanitizers still report on a duplicate of stderr. -timeout: one input running 30 s is a hang.
  if "$fuzzer" -max_total_time="$seconds" -timeout=30 -close_fd_mask=3 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz-artifacts/$target-" "$work" "${seeds[@]}" >"$log" 2>&1; then
    grep -E '^(Done|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))' "$log" |
      sed "s/^/fuzz: $target: /"
  else
    failed+=("$target")
    echo "fuzz: $target FAILED; the end of its log:"
    tail -n 60 "$log"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  cat <<MSG
fuzz: findings in: ${failed[*]} (inputs: $build/fuzz-artifacts/<target>-{crash,leak,oom,timeout}-*).
  Reproduce:  $build/<target>_fuzzer FILE
  Minimize:   $build/<target>_fuzzer -minimize_crash=1 -max_total_time=60 FILE
  Then fix it and commit the input as tests/fuzz/regressions/<target>/<what-it-found>;
  ctest's fuzz_replay_<target> replays it in every build.
MSG
  exit 1
fi
echo "fuzz: ${*} ran ${seconds} s each, no crash"
