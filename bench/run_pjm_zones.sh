#!/usr/bin/env bash
# PJM's ten zones (../shared/data/pjm_hourly): a global model against one
# model per zone on the whole common span and on short histories (90 and
# 365 days, at five starting points through the span, each tested on the
# 28 days after it), and bottom-up against a direct model of the sum.
#   bash bench/run_pjm_zones.sh [BUILD_DIR] [DATA_DIR]
# Single-threaded; about two hours on one core of a 2-core machine. On the
# short histories both kinds of model see every origin each epoch (the
# default); on the whole span a per-zone model sees 8192 an epoch, and the
# global model 8192 (a tenth of what the ten per-zone models see) or 81920.
# docs/RESULTS.md ("Many series") holds its output.
set -euo pipefail
build=${1:-build}
data=${2:-../shared/data/pjm_hourly}
bin="$build/bench/mc_bench_pjm_zones"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
epochs=30 samples=8192
for days in 90 365; do
  for offset in 0 300 600 900 1200; do
    echo "== $days days from day $offset of the common span, the next 28 to test"
    # every origin each epoch for both (the default, samples 0): a per-zone
    # model of 90 or 365 days has fewer than 8192 origins
    "$bin" "$data" "$days" $epochs $samples 28 $offset 0
  done
done
echo "== whole common span, the last 365 days to test"
"$bin" "$data" whole $epochs $samples 365
echo "== the same, the global models seeing as many windows as the ten per-zone models together"
"$bin" "$data" whole $epochs $samples 365 0 $((10 * samples))
