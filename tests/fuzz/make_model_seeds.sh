#!/usr/bin/env bash
# Writes the model-file seeds of fuzz_model (tests/fuzz/corpus/fuzz_model/)
# with a built maskcast: tiny networks (a few hundred parameters, a few KiB
# each) trained for one short epoch on the bundled sample, one per part of
# the format (quantiles, covariates and holidays, horizon embeddings, parts
# switched off, the linear forecaster). The files depend on the build's
# floating-point paths in their last bits; any build's are good seeds.
#   bash tests/fuzz/make_model_seeds.sh BUILD_DIR [OUT_DIR]
set -euo pipefail
build="${1:?usage: make_model_seeds.sh BUILD_DIR [OUT_DIR]}"
src="$(cd "$(dirname "$0")/../.." && pwd)"
out="${2:-$src/tests/fuzz/corpus/fuzz_model}"
mkdir -p "$out"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

train() {
  local name="$1"
  shift
  "$build/maskcast" train --csv "$src/data/sample_load.csv" --target load \
    --lookback 4 --horizon 2 --hidden 2 --epochs 1 --samples-per-epoch 64 --batch 32 \
    --quiet "$@" -o "$out/$name.safetensors"
}

train point_mae --no-linear-candidate
train pinball_gelu_softmax --no-linear-candidate --loss pinball --quantiles 0.1,0.5,0.9 \
  --activation gelu --mask softmax
train covariates_holidays --no-linear-candidate --past temperature --future temperature,holiday \
  --holidays "$src/data/sample_holidays.csv"
train rank_no_skip --no-linear-candidate --horizon 6 --horizon-rank 2 --no-skip \
  --no-anomaly-mask --no-mask-local --level-steps 1
train huber_no_calendar --no-linear-candidate --no-calendar --no-horizon-masks --no-level \
  --loss huber --huber-delta 0.5
train linear_kept
ls -l "$out"
