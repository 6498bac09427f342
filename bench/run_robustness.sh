#!/usr/bin/env bash
# Robustness to anomalous inputs (docs/RESULTS.md): the bundled sample's last
# 180 days backtested with 0, 1, 5 and 10% of the load the test origins see
# corrupted (spikes, drop-outs, stuck readings; actuals untouched), for the
# model with and without its anomaly mask (and the other methods).
#
#   bash bench/run_robustness.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build}
[ -x "$build/maskcast" ] || { echo "run_robustness: no $build/maskcast (build first)" >&2; exit 2; }
for rate in 0 0.01 0.05 0.10; do
  echo "== inputs corrupted at rate $rate"
  "$build/maskcast" backtest --csv "$here/../data/sample_load.csv" --target load \
    --future temperature --holidays "$here/../data/sample_holidays.csv" --test-days 180 \
    --ablations --corrupt-inputs "$rate" --quiet | sed -n '4,12p'
done
