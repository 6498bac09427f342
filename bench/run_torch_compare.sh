#!/usr/bin/env bash
# maskcast against the PyTorch version of its network: forward outputs and the
# gradients of every parameter tensor and of the input, on a fixed batch, for
# the mse, mae, huber and pinball losses. Not part of CI.
#
#   bash bench/run_torch_compare.sh [-m MODEL]... [BUILD_DIR]
#
#   -m MODEL   compare on this model file (repeatable); without -m, seven small
#              models are trained on data/sample_load.csv (2 epochs of 2048
#              samples each): the defaults (D = 64); pinball; no anomaly mask
#              with softmax masks and GELU; a past covariate with no horizon
#              masks, no skip and Huber; a past covariate with D = 256; masks
#              from horizon embeddings of rank 4; a 72-step horizon, where
#              embeddings (rank 16) are the default, with softmax masks
#   BUILD_DIR  a configured and built maskcast tree (default: build)
#
# Builds nothing: needs BUILD_DIR/maskcast and BUILD_DIR/bench/mc_bench_dump_batch.
# Needs Debian's /usr/bin/python3 with python3-torch; without torch it prints
# SKIP and exits 0. Exit status 0 when every comparison passes, 1 when one
# fails, 2 on a usage or setup error.
set -euo pipefail

readonly PYTHON=/usr/bin/python3 # Debian's, with python3-torch; not a pyenv shim

usage() {
  sed -n '5,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

models=()
while getopts ":m:h" opt; do
  case $opt in
    m) models+=("$OPTARG") ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
build=${1:-build}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cli=$build/maskcast
dump=$build/bench/mc_bench_dump_batch

if ! "$PYTHON" -c 'import torch, numpy' 2>/dev/null; then
  echo "run_torch_compare: SKIP: $PYTHON cannot import torch and numpy" \
    "(apt-get install python3-torch); nothing was compared"
  exit 0
fi
for exe in "$cli" "$dump"; do
  [ -x "$exe" ] || { echo "run_torch_compare: $exe not found; build first:" \
    "cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mc-torch-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ ${#models[@]} -eq 0 ]; then
  common=(--csv "$root/data/sample_load.csv" --target load --future temperature
    --holidays "$root/data/sample_holidays.csv" --epochs 2 --samples-per-epoch 2048 -q)
  variants=(
    "default:"
    "pinball:--loss pinball"
    "gelu-smax:--no-anomaly-mask --mask softmax --activation gelu"
    "past-abl:--past temperature --no-horizon-masks --no-skip --loss huber"
    "past-d256:--past temperature --hidden 256"
    "embed-r4:--horizon-rank 4"
    "h72-smax:--horizon 72 --mask softmax"
  )
  for v in "${variants[@]}"; do
    name=${v%%:*}
    read -r -a extra <<<"${v#*:}"
    echo "training $name: maskcast train ${common[*]}${extra[*]:+ ${extra[*]}} -o $name.safetensors"
    "$cli" train "${common[@]}" "${extra[@]}" -o "$tmp/$name.safetensors" ||
      { echo "run_torch_compare: training $name failed" >&2; exit 2; }
    models+=("$tmp/$name.safetensors")
  done
fi

failed=0
: >"$tmp/all"
for model in "${models[@]}"; do
  echo
  out=$tmp/dump-$(basename "$model")
  "$dump" "$model" "$out" || { echo "run_torch_compare: dumping $model failed" >&2; exit 2; }
  rc=0
  "$PYTHON" "$here/compare_torch.py" "$model" "$out" >"$tmp/one" || rc=$?
  cat "$tmp/one"
  cat "$tmp/one" >>"$tmp/all"
  [ $rc -eq 0 ] || failed=$((failed + 1))
done

# One row per tensor, one column per model: the largest normalised difference
# (max|mc - t32| / max|t32|) over the four losses.
echo
echo "largest max|maskcast - torch32| / max|torch32| over the 4 losses (- : tensor absent):"
awk '
  /^model / { n = split($2, p, "/"); m = p[n]; sub(/\.safetensors:$/, "", m); models[++nm] = m }
  /(PASS|FAIL)$/ && NF == 9 {
    t = $1; sub(/^(mse|mae|huber|pinball)\./, "", t)
    if (!(t in seen)) { seen[t] = 1; order[++nt] = t }
    k = nm SUBSEP t; if (!(k in v) || $5 + 0 > v[k]) v[k] = $5 + 0
  }
  END {
    printf "%-16s", "tensor"; for (j = 1; j <= nm; j++) printf " %10.10s", models[j]; printf "\n"
    for (i = 1; i <= nt; i++) {
      printf "%-16s", order[i]
      for (j = 1; j <= nm; j++) { k = j SUBSEP order[i]; printf " %10s", (k in v) ? sprintf("%.1e", v[k]) : "-" }
      printf "\n"
    }
  }' "$tmp/all"
echo
if [ $failed -gt 0 ]; then
  echo "run_torch_compare: FAIL: $failed of ${#models[@]} models differ from PyTorch beyond the tolerance"
  exit 1
fi
echo "run_torch_compare: PASS: all ${#models[@]} models agree with PyTorch within the tolerance"
