#!/usr/bin/env bash
# Strong scaling of the MPI build (docs/SCALING.md): training samples per
# second and backtest origins per second on 1 and 2 ranks, the median of
# REPS runs each, and the fixed-order sum's cost against MPI_Allreduce.
#   bash bench/scaling/run.sh [BUILD_DIR (build-mpi)] [REPS (3)]
# Configure the build with -DMC_MPI=ON (bash .ci/test mpi makes build-mpi/).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-mpi} reps=${2:-3}
maskcast=$build/maskcast data=data/sample_load.csv
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
cmake --build "$build" -j "$(nproc)" --target maskcast mc_bench_sums > /dev/null
mpirun=(mpirun --oversubscribe)
[ "$(id -u)" -ne 0 ] || { mpirun+=(--allow-run-as-root); export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; }
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=passive

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
calc() { awk "BEGIN {print $*}"; }
# Wall seconds of one command.
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); calc "$t1 - $t0"; }

# Training: an epoch's cost from runs of 1 and 6 epochs (the set-up, the
# validation tail and the linear fit cancel out of the difference).
spe=20000 # long enough epochs that the difference is not noise (at 8192, 2 ranks read 2.8x)
train=(train --csv "$data" --target load --samples-per-epoch $spe --patience 100
       --no-linear-candidate -q -o "$work/m.safetensors")
declare -A sps
for np in 1 2; do
  for e in 1 6; do
    for r in $(seq "$reps"); do seconds "${mpirun[@]}" -np $np "$maskcast" "${train[@]}" --epochs $e; done |
      median > "$work/t$np-$e"
  done
  sps[$np]=$(calc "5 * $spe / ($(cat "$work/t$np-6") - $(cat "$work/t$np-1"))")
  printf 'train     %d rank%s  %8.0f samples/s  (1 epoch %.2f s, 6 epochs %.2f s, median of %d)\n' \
    $np "$([ $np -gt 1 ] && echo s || echo ' ')" "${sps[$np]}" "$(cat "$work/t$np-1")" "$(cat "$work/t$np-6")" "$reps"
done
printf 'train     speed-up on 2 ranks  %.2f\n' "$(calc "${sps[2]} / ${sps[1]}")"

# Backtest: a model refitted at each of 8 daily origins (8 training runs).
days=8
backtest=(backtest --csv "$data" --target load --test-days $days --refit-every 1 --epochs 2
          --samples-per-epoch 2048 --no-baselines -q)
declare -A ops
for np in 1 2; do
  t=$(for r in $(seq "$reps"); do seconds "${mpirun[@]}" -np $np "$maskcast" "${backtest[@]}"; done | median)
  ops[$np]=$(calc "$days / $t")
  printf 'backtest  %d rank%s  %8.3f origins/s  (%d refits, %.2f s; %.2f s per series of %d refits)\n' \
    $np "$([ $np -gt 1 ] && echo s || echo ' ')" "${ops[$np]}" $days "$t" "$t" $days
done
printf 'backtest  speed-up on 2 ranks  %.2f\n' "$(calc "${ops[2]} / ${ops[1]}")"

# The sums: one training step's gradients (the default model's parameter count).
params=$("$maskcast" inspect -m "$work/m.safetensors" | awk '$1 == "parameters" {print $2}')
"${mpirun[@]}" -np 2 "$build/bench/mc_bench_sums" "$params" 200
