#!/usr/bin/env bash
# PJM's ten zones (../shared/data/pjm_hourly): a global model against one
# model per zone on the whole common span and on each zone's first 90 and
# 365 days, and bottom-up against a direct model of the sum.
#   bash bench/run_pjm_zones.sh [BUILD_DIR] [DATA_DIR]
# Single-threaded; about half an hour on a 2-core machine. docs/RESULTS.md
# holds its output.
set -euo pipefail
build=${1:-build}
data=${2:-../shared/data/pjm_hourly}
bin="$build/bench/mc_bench_pjm_zones"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
epochs=30 samples=8192
for scenario in 90 365; do
  echo "== first $scenario days of each zone, the next 28 to test"
  "$bin" "$data" "$scenario" $epochs $samples 28
done
echo "== whole common span, the last 365 days to test"
"$bin" "$data" whole $epochs $samples 365
