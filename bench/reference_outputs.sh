#!/usr/bin/env bash
# Writes the outputs a refactoring must keep byte-identical into OUTDIR: the
# quick start's model file, and the backtest's forecasts and metrics files for
# the default network and for variants that switch each block on or off.
# Compare two trees' outputs with: diff -r OUTDIR_BEFORE OUTDIR_AFTER
#   bash bench/reference_outputs.sh BUILD_DIR OUTDIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?build directory}
out=${2:?output directory}
mkdir -p "$out"
mc="$(cd "$build" && pwd)/maskcast"
data=data/sample_load.csv
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

head -n -24 "$data" > "$out/train.csv"
"$mc" train --csv "$out/train.csv" --target load --future temperature \
    --holidays data/sample_holidays.csv --epochs 30 --samples-per-epoch 8192 \
    -o "$out/model.safetensors" --quiet
(cd "$out" && "$mc" inspect -m model.safetensors --json > inspect.json)
rm "$out/train.csv"

# name: extra options
variants=(
    "default:"
    "softmax:--mask softmax --activation gelu"
    "rank:--horizon-rank 4 --no-linear-candidate"
    "pinball:--loss pinball --no-mask-local"
    "plain:--no-anomaly-mask --no-horizon-masks --no-skip --no-linear-candidate"
)
for v in "${variants[@]}"; do
    name=${v%%:*}
    # shellcheck disable=SC2086
    "$mc" backtest --csv "$data" --target load --future temperature \
        --holidays data/sample_holidays.csv --test-days 14 --epochs 3 \
        --samples-per-epoch 2048 --no-baselines --quiet ${v#*:} \
        --forecasts "$out/$name.forecasts.csv" --metrics "$out/$name.metrics.csv" > /dev/null
done
ls "$out"
