#!/usr/bin/env bash
# Writes every kind of report from the bundled sample with the maskcast under
# test and opens each in headless Chromium (check_report.py): a point and a
# quantile forecast, a quantile backtest against the baselines, an
# explanation of a model with temporal attention, anomalies against the
# recorded ones, and the sample's description (also of a file whose name
# holds "<!--<script>").
#
#   run_reports.sh MASKCAST SOURCE_DIR WORK_DIR [SCREENSHOT_DIR]
#
# Exit 77 (a skip) when Chromium is not installed; with SCREENSHOT_DIR, also
# writes report-KIND.png there (docs/GUIDE.md shows them).
set -euo pipefail
mc=$1 src=$2 work=$3 shots=${4:-}
[ -z "$shots" ] || shots=$(mkdir -p "$shots" && cd "$shots" && pwd)
command -v chromium >/dev/null || { echo "run_reports: chromium is not installed"; exit 77; }
data=$src/data
rm -rf "$work" && mkdir -p "$work" && cd "$work"
common=(--csv "$data/sample_load.csv" --target load)
# Short fits: the test checks the pages, not the models. MC_REPORT_TRAIN
# replaces them (the screenshots in docs/ come from default training:
# MC_REPORT_TRAIN="--seed 1 -q").
read -r -a train <<< "${MC_REPORT_TRAIN:---epochs 2 --samples-per-epoch 4096 --seed 1 -q}"

"$mc" train "${common[@]}" --holidays "$data/sample_holidays.csv" "${train[@]}" --no-linear-candidate -o point.safetensors
"$mc" train "${common[@]}" --loss pinball --quantiles 0.05,0.25,0.5,0.75,0.95 "${train[@]}" \
    -o quantiles.safetensors
"$mc" train "${common[@]}" --temporal global --no-linear-candidate "${train[@]}" \
    -o attention.safetensors

"$mc" report describe "${common[@]}" --covariates temperature -o describe.html
# A file name that would end or confuse the page's script element if the
# report's data carried it as written.
cp "$data/sample_load.csv" '<!--<script>.csv'
"$mc" report describe --csv '<!--<script>.csv' --target load -o hostile-name.html
"$mc" report forecast -m point.safetensors --csv "$data/sample_load.csv" -o forecast.html
"$mc" report forecast -m quantiles.safetensors --csv "$data/sample_load.csv" -o forecast-q.html
"$mc" report backtest "${common[@]}" --loss pinball --quantiles 0.1,0.5,0.9 --test-days 28 \
    "${train[@]}" -o backtest.html
"$mc" report explain -m attention.safetensors --csv "$data/sample_load.csv" --days 7 \
    -o explain.html
"$mc" report anomalies -m point.safetensors --csv "$data/sample_load.csv" \
    --truth "$data/sample_anomalies.csv" -o anomalies.html 2>/dev/null

failed=0
for kind in describe hostile-name forecast forecast-q backtest explain anomalies; do
  echo "== $kind.html ($(stat -c %s "$kind.html") bytes)"
  shot=()
  [ -n "$shots" ] && [ "$kind" != hostile-name ] && shot=(--screenshot "$shots/report-$kind.png")
  python3 "$src/tests/report/check_report.py" "$kind.html" "${shot[@]}" || failed=1
done
exit $failed
