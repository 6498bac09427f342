#!/usr/bin/env bash
# The attention variants against the default network under the yardstick's
# day-ahead protocol (../shared/yardstick/README.md): one backtest per variant
# and series, scored like the gradient-boosting peer. Prints one table row per
# (series, variant) with MAPE, MASE, the model kept (network or linear) and
# the backtest's seconds (training and forecasting, one run each).
#
#   bash bench/run_attention_ablation.sh [-b BUILD] [-y YARDSTICK] [-o OUT] [-s "SERIES ..."] [-r SEED] [VARIANT ...]
#
# -r SEED trains with --seed SEED (default 1, the CLI's own default).
# Forecasts and logs stay in OUT/VARIANT, or OUT/VARIANT.seedN for a seed
# other than 1 (default OUT ./ablation-out); a series
# whose scored forecasts are already there is scored again, not rerun, so an
# interrupted run resumes. Needs Debian's python3-pandas and python3-sklearn
# (the yardstick's scorer).
# Variants (default: all): default hard-masks hard-anomaly global-dot
# global-scaled global-cosine global-mlp local
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$here/../build
yard=$here/../../shared/yardstick
series="vic_elec_first120d pjme_first90d vic_elec_first365d pjme_first365d vic_elec pjme"
out=ablation-out
seed=1
while getopts ":b:y:o:s:r:" opt; do
  case $opt in
    b) build=$(cd "$OPTARG" && pwd) ;;
    y) yard=$OPTARG ;;
    o) out=$OPTARG ;;
    s) series=$OPTARG ;;
    r) seed=$OPTARG ;;
    *) sed -n '8,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(default hard-masks hard-anomaly global-dot global-scaled
                                        global-cosine global-mlp local)

# The options of a variant; $1 the variant, $2 the series' steps per day.
options() {
  local per_day=$2
  case $1 in
    default) ;;
    hard-masks) echo "--mask-topk 16" ;;              # 16 of the 64 hidden features per step
    hard-anomaly) echo "--anomaly-topk $((7 * per_day * 7 / 8))" ;; # drop the 1/8 least trusted
    global-dot) echo "--temporal global --temporal-score dot" ;;
    global-scaled) echo "--temporal global --temporal-score scaled-dot" ;;
    global-cosine) echo "--temporal global --temporal-score cosine" ;;
    global-mlp) echo "--temporal global --temporal-score mlp" ;;
    local) echo "--temporal local --temporal-score scaled-dot --temporal-width $per_day" ;;
    *) echo "run_attention_ablation: unknown variant $1" >&2; return 1 ;;
  esac
}

mkdir -p "$out"
echo "| series | variant | MAPE % | MASE | kept | s |"
echo "|---|---|---:|---:|---|---:|"
for s in $series; do
  per_day=$(/usr/bin/python3 -c "import json;print(json.load(open('$yard/series/$s.json'))['steps_per_day'])")
  for v in "${variants[@]}"; do
    opts=$(options "$v" "$per_day") || exit 2
    dir=$out/$v
    if [ "$seed" != 1 ]; then dir=$out/$v.seed$seed; opts="$opts --seed $seed"; fi
    mkdir -p "$dir"
    if [ -s "$dir/$s.csv" ]; then
        row=$(/usr/bin/python3 "$yard/score.py" "$s" "$dir/$s.csv" --tool maskcast)
        row="$row - |"
    else
        # shellcheck disable=SC2086
        row=$(OUT=$dir MASKCAST=$build/maskcast bash "$yard/run_maskcast.sh" "$s" -- $opts 2>&1 |
              grep "^| $s ")
    fi
    kept=network
    grep -q "linear forecaster (ridge on the load lags.*was kept" "$dir/$s.out" 2>/dev/null &&
        kept=linear
    echo "$row" | awk -F'|' -v v="$v$([ "$seed" = 1 ] || echo " (seed $seed)")" -v k="$kept" '{ gsub(/ /, "", $2); gsub(/ /, "", $5); gsub(/ /, "", $8); gsub(/ /, "", $9);
      printf "| %s | %s | %s | %s | %s | %s |\n", $2, v, $5, $8, k, $9 }' | sed 's/|  /| /'
  done
done
