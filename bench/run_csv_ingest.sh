#!/usr/bin/env bash
# CSV ingest benchmark: maskcast's mc_frame_read_csv against pandas read_csv on
# the same generated file, runs alternating, each in a fresh process.
#
#   bash bench/run_csv_ingest.sh [-n RUNS] [-s MEGABYTES] [-r] [BUILD_DIR]
#
#   -n RUNS       runs of each reader (default 5)
#   -s MEGABYTES  size of the generated CSV, 1 MB = 10^6 bytes (default 200)
#   -r            also time mc_frame_regularize (reported separately)
#   BUILD_DIR     a configured and built maskcast tree (default: build)
#
# Builds nothing: it needs BUILD_DIR/bench/mc_make_big_csv and
# mc_bench_csv_ingest, and /usr/bin/python3 with pandas (bash .ci/deps bench).
# Targets: maskcast >= 1.5x pandas' MB/s (pandas with parse_dates), and
# maskcast's peak RSS < 1.5x the parsed numeric data. Exit status 0 when both
# pass, 1 when a target is missed, 2 on a usage or setup error.
set -euo pipefail

readonly SPEED_TARGET=1.5
readonly MEMORY_TARGET=1.5
readonly PYTHON=/usr/bin/python3 # Debian's, with python3-pandas; not a pyenv shim

usage() {
  sed -n '5,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

runs=5
size_mb=200
regularize=""
while getopts ":n:s:rh" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    s) size_mb=$OPTARG ;;
    r) regularize="--regularize" ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run_csv_ingest: -n wants a positive integer" >&2; exit 2; }
build=${1:-build}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gen=$build/bench/mc_make_big_csv
ingest=$build/bench/mc_bench_csv_ingest

for exe in "$gen" "$ingest"; do
  [ -x "$exe" ] || { echo "run_csv_ingest: $exe not found; build first:" \
    "cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build" >&2; exit 2; }
done
"$PYTHON" -c 'import pandas' 2>/dev/null ||
  { echo "run_csv_ingest: $PYTHON cannot import pandas; run: bash .ci/deps bench" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mc-csv-ingest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
csv=$tmp/load.csv
"$gen" "$csv" "$size_mb"
# Every reader then finds the file in the page cache: this measures parsing, not the disk.
cat "$csv" >/dev/null

# value LINE KEY: the value of KEY=... in a result line.
value() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# median V...: the median of numbers (mean of the middle two for an even count).
median() {
  printf '%s\n' "$@" | sort -g |
    awk '{ a[NR] = $1 } END { printf "%.6f\n", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# runs_of TOOL KEY: every run's KEY for TOOL (one of the result labels).
runs_of() { sed -n "s/^$1 .* $2=\([^ ]*\).*/\1/p" "$tmp/results"; }

calc() { awk "BEGIN { printf \"$1\n\", $2 }"; }

: >"$tmp/results"
for ((i = 1; i <= runs; i++)); do
  fail() { echo "run_csv_ingest: run $i of $1 failed (its message is above)" >&2; exit 1; }
  mc=$("$ingest" $regularize "$csv") || fail maskcast
  pd=$("$PYTHON" "$here/pandas_ingest.py" "$csv") || fail pandas
  pn=$("$PYTHON" "$here/pandas_ingest.py" --no-parse-dates "$csv") || fail "pandas --no-parse-dates"
  printf 'run %d: %s\nrun %d: %s\nrun %d: %s\n' "$i" "$mc" "$i" "$pd" "$i" "$pn"
  printf '%s\n%s\n%s\n' "$mc" "$pd" "$pn" >>"$tmp/results"
  # Every reader must have read the same rows and the same numbers (the sums
  # differ in the last digits only: numpy adds pairwise, maskcast in order).
  for line in "$pd" "$pn"; do
    if [ "$(value "$line" rows)" != "$(value "$mc" rows)" ] ||
      ! awk -v a="$(value "$line" load_sum)" -v b="$(value "$mc" load_sum)" \
        'BEGIN { d = a - b; exit !(d * d <= 1e-18 * b * b) }'; then
      echo "run_csv_ingest: readers disagree (rows or load_sum):" >&2
      printf '  %s\n  %s\n' "$mc" "$line" >&2
      exit 1
    fi
  done
done

# Per-run ratios of adjacent maskcast and pandas runs.
mapfile -t mc_rate < <(runs_of maskcast mb_per_s)
mapfile -t pd_rate < <(runs_of pandas mb_per_s)
pair_ratios=()
for ((i = 0; i < runs; i++)); do
  pair_ratios+=("$(calc %.6f "${mc_rate[i]} / ${pd_rate[i]}")")
done

med() { local v; mapfile -t v < <(runs_of "$1" "$2"); median "${v[@]}"; }
mc_mbs=$(med maskcast mb_per_s); pd_mbs=$(med pandas mb_per_s); pn_mbs=$(med pandas_nodates mb_per_s)
mc_peak=$(med maskcast peak_rss_bytes); mc_base=$(med maskcast baseline_rss_bytes)
pd_peak=$(med pandas peak_rss_bytes); pd_base=$(med pandas baseline_rss_bytes)
pn_peak=$(med pandas_nodates peak_rss_bytes); pn_base=$(med pandas_nodates baseline_rss_bytes)
numeric=$(value "$mc" numeric_bytes)
rows=$(value "$mc" rows)
file_bytes=$(value "$mc" file_bytes)
speed=$(calc %.6f "$mc_mbs / $pd_mbs")
speed_pairs=$(median "${pair_ratios[@]}")
mem_total=$(calc %.6f "$mc_peak / $numeric")
mem_net=$(calc %.6f "($mc_peak - $mc_base) / $numeric")

verdict() { awk "BEGIN { print ($1) ? \"PASS\" : \"FAIL\" }"; }
speed_ok=$(verdict "$speed >= $SPEED_TARGET")
pairs_ok=$(verdict "$speed_pairs >= $SPEED_TARGET")
total_ok=$(verdict "$mem_total < $MEMORY_TARGET")
net_ok=$(verdict "$mem_net < $MEMORY_TARGET")

mb() { calc %.1f "$1 / 1e6"; }
row() { # LABEL MB/S PEAK BASELINE
  printf '%-36s %9.1f %9.3f %12.1f %12.1f %12.1f\n' "$1" "$2" "$(calc %.6f "$file_bytes / 1e6 / $2")" \
    "$(mb "$3")" "$(mb "$4")" "$(mb "($3 - $4)")"
}

echo
echo "CSV ingest: $(mb "$file_bytes") MB, $rows rows, time + 3 numeric columns of 5;" \
  "medians of $runs alternating runs, fresh process each"
printf '%-36s %9s %9s %12s %12s %12s\n' reader MB/s seconds "peak RSS MB" "baseline MB" "peak-base MB"
row "maskcast mc_frame_read_csv" "$mc_mbs" "$mc_peak" "$mc_base"
row "pandas read_csv, parse_dates=[time]" "$pd_mbs" "$pd_peak" "$pd_base"
row "pandas read_csv, time as strings" "$pn_mbs" "$pn_peak" "$pn_base"
echo "numeric data (rows x 32 B): $(mb "$numeric") MB"
echo
printf 'speed   maskcast/pandas MB/s, ratio of medians   %6.2f  (target >= %s)  %s\n' \
  "$speed" "$SPEED_TARGET" "$speed_ok"
printf 'speed   maskcast/pandas, median of run pairs     %6.2f  (target >= %s)  %s\n' \
  "$speed_pairs" "$SPEED_TARGET" "$pairs_ok"
printf 'speed   maskcast/pandas (time as strings)        %6.2f  (for reference)\n' \
  "$(calc %.6f "$mc_mbs / $pn_mbs")"
printf 'memory  maskcast peak RSS / numeric data          %6.2f  (target < %s)   %s\n' \
  "$mem_total" "$MEMORY_TARGET" "$total_ok"
printf 'memory  maskcast (peak - baseline) / numeric     %6.2f  (target < %s)   %s\n' \
  "$mem_net" "$MEMORY_TARGET" "$net_ok"
if [ -n "$regularize" ]; then
  printf 'regularize: median %.3f s; peak RSS after it %.1f MB (%.2f x numeric)\n' \
    "$(med maskcast regularize_seconds)" "$(mb "$(med maskcast peak_rss_after_regularize_bytes)")" \
    "$(calc %.6f "$(med maskcast peak_rss_after_regularize_bytes) / $numeric")"
fi

# The verdict uses the ratio of medians and the total peak RSS (what a user sees).
[ "$speed_ok" = PASS ] && [ "$total_ok" = PASS ]
