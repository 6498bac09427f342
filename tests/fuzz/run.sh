#!/usr/bin/env bash
# Runs the libFuzzer harnesses of a -DMC_FUZZ=ON build, each for SECONDS from
# a fresh copy of its committed corpus (in BUILD_DIR/fuzz-run/, so nothing
# is written into the source tree), two at a time, and prints each one's
# executions, speed and coverage. Fails when a harness finds a crash, a
# leak, a timeout or an out-of-memory input; the input is left in
# BUILD_DIR/fuzz-run/HARNESS/ (docs/FUZZING.md says what to do with it).
#
#   bash tests/fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]
#
# HARNESS is csv, model, holidays, forecast, cli_options or panel (default: all).
# MC_FUZZ_PARALLEL harnesses run at once (default 2); MC_FUZZ_ARGS adds
# libFuzzer options to every run (e.g. "-max_len=512", or "-jobs=4
# -workers=2" for a long campaign).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bash tests/fuzz/run.sh BUILD_DIR SECONDS [csv|model|holidays|forecast|cli_options|panel ...]" >&2
  exit 2
fi
build="$(cd "$1" && pwd)"
seconds="$2"
shift 2
src="$(cd "$(dirname "$0")" && pwd)"
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(csv model holidays forecast cli_options panel)
parallel="${MC_FUZZ_PARALLEL:-2}"
read -r -a extra <<<"${MC_FUZZ_ARGS:-}"

# One thread per product: the harnesses forecast one sample at a time, and
# two of them share the cores.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=passive
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

dict_of() {
  case "$1" in
    model) echo "$src/safetensors.dict" ;;
    cli_options) echo "" ;;
    *) echo "$src/csv.dict" ;;
  esac
}

run_one() {
  local h="$1" bin="$build/tests/fuzz/fuzz_$1" dir="$build/fuzz-run/$1"
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  cp "$src/corpus/fuzz_$h/"* "$dir/corpus/"
  local args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10
              -artifact_prefix="$dir/")
  local dict
  dict="$(dict_of "$h")"
  [ -z "$dict" ] || args+=(-dict="$dict")
  # From the run's own directory: with -jobs, libFuzzer writes fuzz-N.log
  # files (each worker's statistics) into the current directory.
  set +e
  (cd "$dir" && "$bin" "${args[@]}" "${extra[@]}" corpus >log 2>&1)
  echo $? >"$dir/status"
  set -e
}

for h in "${harnesses[@]}"; do
  if [ ! -x "$build/tests/fuzz/fuzz_$h" ]; then
    echo "run.sh: no harness $build/tests/fuzz/fuzz_$h (configure with CC=clang -DMC_FUZZ=ON)" >&2
    exit 2
  fi
done
echo "fuzzing ${harnesses[*]} for ${seconds} s each, ${parallel} at a time"
for h in "${harnesses[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
    wait -n || true
  done
  run_one "$h" &
done
wait

# libFuzzer's final statistics and its last status line (coverage).
final_stat() { sed -n "s/^stat::$2: *//p" "$1/log" | tail -1; }
failed=0
for h in "${harnesses[@]}"; do
  dir="$build/fuzz-run/$h"
  cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$dir/log" | tail -1)"
  found="$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
           -o -name 'oom-*' \) | head -1)"
  printf 'fuzz_%-12s %10s runs %7s exec/s  %-32s' "$h" "$(final_stat "$dir" number_of_executed_units)" \
         "$(final_stat "$dir" average_exec_per_sec)" "${cov:-cov: ?}"
  if [ "$(cat "$dir/status")" != 0 ] || [ -n "$found" ]; then
    failed=1
    echo "  FAILED: ${found:-exit status $(cat "$dir/status")} (log: $dir/log)"
    grep -m1 -E 'invariant broken|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' \
      "$dir/log" | sed 's/^/    /' || true
  else
    echo "  ok"
  fi
done
exit "$failed"
