#!/usr/bin/env bash
# The size and render time of a backtest report over 16 years of hourly load
# (PJM East, ../shared/data/pjm_hourly/PJME_hourly.csv, 2002-2018): a model
# trained on the first year (a short fit: the report's size does not depend
# on the model), day-ahead forecasts every day of the 15 years after it
# against the baselines, so that the test span's chart holds about 132,000
# points per series. Prints the file's size, then the render time in
# headless Chromium of ROUNDS loads (tests/report/check_report.py, which also
# checks every chart) and their median.
#
#   bash bench/run_report_bench.sh [-n ROUNDS] [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/..
csv=$src/../shared/data/pjm_hourly/PJME_hourly.csv
rounds=5
while getopts ":n:h" opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    *) sed -n 2,11p "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
build=${1:-$src/build}
[ -f "$csv" ] || { echo "run_report_bench: no $csv" >&2; exit 2; }
command -v chromium >/dev/null || { echo "run_report_bench: needs chromium (bash .ci/deps test)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start=$(date +%s.%N)
"$build/maskcast" report backtest --csv "$csv" --time ds --target y --test-start 2004-01-01 \
    --epochs 2 --samples-per-epoch 4096 --quiet -o "$work/pjme.html"
end=$(date +%s.%N)
bytes=$(stat -c %s "$work/pjme.html")
awk -v b="$bytes" -v s="$start" -v e="$end" \
    'BEGIN { printf "report: %.2f MB (%d bytes), written by a backtest of %.0f s\n", b / 1e6, b, e - s }'
times=()
for ((i = 1; i <= rounds; i++)); do
  ms=$(python3 "$src/tests/report/check_report.py" "$work/pjme.html" | sed -n 's/.*rendered in \([0-9]*\) ms.*/\1/p')
  echo "load $i: rendered in $ms ms"
  times+=("$ms")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "median render time: %d ms over %d loads\n", v[int((NR + 1) / 2)], NR }'
