#!/usr/bin/env bash
# ETTh1 under the long-horizon literature's protocol (docs/RESULTS.md):
# univariate (target OT), the first 20 months split 12/4/4 (train, validation,
# test), lookback 336, horizons 96/192/336/720, one origin every hour of the
# test months, MSE and MAE in units z-scored with the training months'
# statistics (population standard deviation, as scikit-learn's StandardScaler).
#
#   bash bench/run_etth1.sh [-d DATA_DIR] [-H "96 192 336 720"] [BUILD_DIR] [-- EXTRA...]
#
#   -d DATA_DIR  folder holding etth1/ETTh1.csv (default: ../shared/data)
#   -H LIST      horizons to run (default: 96 192 336 720)
#   BUILD_DIR    a configured and built maskcast tree (default: build)
#   EXTRA        further options for 'maskcast backtest' (e.g. --ensemble 3)
#
# The model trains on the first 16 months (the last quarter of its origins,
# i.e. the validation months, judge early stopping) and is scored on months
# 17-20. Prints one line per horizon with maskcast's and the baselines' scaled
# MSE and MAE, and the published DLinear and NLinear figures next to them.
set -euo pipefail

usage() {
  sed -n '8,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data_dir=$here/../../shared/data
horizons="96 192 336 720"
while getopts ":d:H:h" opt; do
  case $opt in
    d) data_dir=$OPTARG ;;
    H) horizons=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
build=build
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  build=$1
  shift
fi
[ "${1:-}" = "--" ] && shift
extra=("$@")

csv=$data_dir/etth1/ETTh1.csv
[ -f "$csv" ] || { echo "run_etth1: no $csv" >&2; exit 2; }
[ -x "$build/maskcast" ] || { echo "run_etth1: no $build/maskcast (build first)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# 20 months of 30 days = 14,400 hourly rows after the header.
head -n 14401 "$csv" > "$work/etth1.csv"
# The training months' mean and population standard deviation of OT.
read -r sd < <(awk -F, 'NR > 1 && NR <= 8641 { s += $8; q += $8 * $8; n++ }
                        END { m = s / n; printf "%.12g\n", sqrt(q / n - m * m) }' "$work/etth1.csv")

published() { # DLinear / NLinear MSE at horizon $1 (univariate ETTh1)
  case $1 in
    96) echo "0.056 0.053" ;;
    192) echo "0.071 0.069" ;;
    336) echo "0.098 0.081" ;;
    720) echo "0.189 0.080" ;;
    *) echo "- -" ;;
  esac
}

printf '%-8s %-14s %9s %9s %9s %9s\n' horizon method MSE MAE DLinear NLinear
for H in $horizons; do
  start=$(date +%s)
  "$build/maskcast" backtest --csv "$work/etth1.csv" --time date --target OT \
    --test-start 2017-10-24 --stride 1h --horizon "$H" --lookback 336 --no-calendar \
    --val-fraction 0.25 --quiet --metrics "$work/m$H.csv" "${extra[@]}" > "$work/s$H.txt"
  seconds=$(($(date +%s) - start))
  read -r dl nl < <(published "$H")
  awk -F, -v sd="$sd" -v H="$H" -v dl="$dl" -v nl="$nl" '
    NR > 1 && $2 == "all" {
      printf "%-8s %-14s %9.4f %9.4f %9s %9s\n", H, $1, ($5 / sd) ^ 2, $4 / sd,
             ($1 == "maskcast" ? dl : ""), ($1 == "maskcast" ? nl : "") }' "$work/m$H.csv"
  echo "         ($seconds s for horizon $H)"
done
echo "MSE is mean((y - f)^2) / sd^2 and MAE mean|y - f| / sd over every origin and step;"
echo "sd = $sd, the population standard deviation of OT over the 12 training months."
