#!/usr/bin/env bash
# maskcast's default fit against the yardstick's gradient-boosting peer on
# the same series, the same machine and the same threads, run alternately:
# each round runs the peer's fit (../shared/yardstick/peers.py: two
# HistGradientBoosting fits, rounds chosen on a tail then a refit) and one
# maskcast backtest under the yardstick's day-ahead protocol (run_maskcast.sh:
# training once, then 365 day-ahead forecasts), and prints both times, both
# MAPEs, and at the end the medians and their ratio.
#
#   bash bench/run_fit_race.sh [-n ROUNDS] [-s SERIES] [-t THREADS] [-y YARDSTICK] [BUILD_DIR] [-- MASKCAST OPTIONS]
#
#   -n ROUNDS   rounds (default 3)
#   -s SERIES   a yardstick series (default pjme)
#   -t THREADS  threads for both (OpenBLAS, OpenMP; default 2, the peer's own)
#   BUILD_DIR   a built maskcast tree (default: build)
#
# maskcast's time is the whole backtest's wall time (reading the CSV, the
# fit, the forecasts), so the ratio is, if anything, against it. Needs
# Debian's python3-pandas and python3-sklearn for the peer.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
yard=$here/../../shared/yardstick
rounds=3
series=pjme
threads=2
while getopts ":n:s:t:y:h" opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    s) series=$OPTARG ;;
    t) threads=$OPTARG ;;
    y) yard=$OPTARG ;;
    *) sed -n '10,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
build=build
if [ $# -gt 0 ] && [ "$1" != "--" ]; then build=$1; shift; fi
[ "${1:-}" = "--" ] && shift
[ -x "$build/maskcast" ] || { echo "run_fit_race: no $build/maskcast (build first)" >&2; exit 2; }
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "| round | gbm fit s | gbm MAPE % | maskcast s | maskcast MAPE % | ratio |"
echo "|---:|---:|---:|---:|---:|---:|"
for r in $(seq "$rounds"); do
  g=$(/usr/bin/python3 "$yard/peers.py" "$series" --out "$work/peers" | grep "| gbm |")
  m=$(OUT=$work/mc MASKCAST=$build/maskcast bash "$yard/run_maskcast.sh" "$series" -- "$@" | grep "^| $series ")
  gs=$(echo "$g" | awk -F'|' '{gsub(/ /, "", $9); print $9}')
  gm=$(echo "$g" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
  ms=$(echo "$m" | awk -F'|' '{gsub(/ /, "", $9); print $9}')
  mm=$(echo "$m" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
  echo "$gs" >>"$work/g"; echo "$ms" >>"$work/m"
  echo "| $r | $gs | $gm | $ms | $mm | $(awk -v a="$ms" -v b="$gs" 'BEGIN{printf "%.2f", a / b}') |"
done
gmed=$(median <"$work/g"); mmed=$(median <"$work/m")
echo
echo "medians over $rounds rounds ($series, $threads threads): gbm ${gmed} s, maskcast ${mmed} s," \
     "maskcast / gbm = $(awk -v a="$mmed" -v b="$gmed" 'BEGIN{printf "%.2f", a / b}')"
