#!/usr/bin/env bash
# Installs maskcast into a temporary prefix, builds every program in
# examples/ against the installed copy twice — with pkg-config and with
# find_package(maskcast) — and runs each briefly on the bundled sample.
#   bash tests/install_examples.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 work=$3
examples=(forecast_csv train_arrays service_loop batch_feeders)
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

step() { echo "== $*"; }

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name maskcast.pc)
[ -n "$pc" ] || { echo "no maskcast.pc installed" >&2; exit 1; }
libdir=$(cd "$(dirname "$pc")/.." && pwd)
for f in "$prefix/bin/maskcast" "$prefix/include/maskcast/maskcast.h" "$prefix/include/maskcast/version.h" \
         "$libdir/libmaskcast.a" "$libdir/cmake/maskcast/maskcastConfig.cmake" \
         "$prefix/share/man/man1/maskcast.1"; do
  [ -f "$f" ] || { echo "not installed: $f" >&2; exit 1; }
done
soname=$(readelf -d "$libdir/libmaskcast.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
major=$("$prefix/bin/maskcast" --version | sed -n 's/.* \([0-9]*\)\.[0-9]*\.[0-9]*$/\1/p')
[ "$soname" = "libmaskcast.so.$major" ] || { echo "SONAME '$soname', expected libmaskcast.so.$major" >&2; exit 1; }
[ -e "$libdir/$soname" ] || { echo "$soname is not installed" >&2; exit 1; }

step "the man page covers every command of 'maskcast --help'"
commands=$("$prefix/bin/maskcast" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[ -n "$commands" ] || { echo "no commands found in maskcast --help" >&2; exit 1; }
man="$prefix/share/man/man1/maskcast.1"
for c in $commands; do
  grep -q "^\.SS $c\$" "$man" || { echo "docs/maskcast.1 has no section for '$c'" >&2; exit 1; }
  # Every option the command's --help names is in its section or in the
  # shared option sections (roff writes - as \-); --help is in the synopsis.
  text=$(awk -v c="$c" '/^\.S[SH] / { own = ($0 == ".SS " c) }
                        /^\.SH / { shared = ($0 ~ /^\.SH (DATA|MODEL AND TRAINING) OPTIONS/) }
                        own || shared' "$man")
  for o in $("$prefix/bin/maskcast" "$c" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    [ "$o" = --help ] && continue
    grep -qF -- "${o//-/\\-}" <<< "$text" || { echo "docs/maskcast.1 lacks $c's $o" >&2; exit 1; }
  done
done
if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
  [ -z "$warnings" ] || { echo "groff: $warnings" >&2; exit 1; }
fi

step "build the examples with pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -pthread)
mkdir -p "$work/pkg-config"
for ex in "${examples[@]}"; do
  # shellcheck disable=SC2046
  cc "${cflags[@]}" $(pkg-config --cflags maskcast) "$src/examples/$ex.c" -o "$work/pkg-config/$ex" \
     $(pkg-config --libs maskcast) -lm -Wl,-rpath,"$libdir"
done
# The static library with the dependencies pkg-config --static lists.
# shellcheck disable=SC2046
cc "${cflags[@]}" $(pkg-config --cflags maskcast) "$src/examples/forecast_csv.c" \
   -o "$work/pkg-config/forecast_csv_static" "$libdir/libmaskcast.a" \
   $(pkg-config --static --libs-only-l maskcast | sed 's/-lmaskcast//') -lm

step "build the examples with find_package(maskcast)"
cmake -S "$src/examples" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS=-Werror >/dev/null
cmake --build "$work/cmake" >/dev/null
cmake -S "$src/examples" -B "$work/cmake-static" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_FLAGS=-Werror -DMASKCAST_STATIC=ON >/dev/null
cmake --build "$work/cmake-static" --target forecast_csv >/dev/null

step "a small model and a history from the sample"
data="$src/data/sample_load.csv"
"$prefix/bin/maskcast" train --csv "$data" --target load --future temperature --hidden 16 \
    --epochs 2 --samples-per-epoch 2048 -q -o "$work/model.safetensors"
# The last 1000 rows; the last 24 keep the temperature (known ahead) but not the load.
{ head -n 1 "$data"; tail -n 1000 "$data"; } |
  awk -F, 'BEGIN { OFS = "," } NR > 1001 - 24 { $2 = "" } { print }' > "$work/history.csv"

for kind in pkg-config cmake; do
  bin="$work/$kind"
  step "run the $kind builds"
  "$bin/forecast_csv" "$work/model.safetensors" "$work/history.csv" > "$work/$kind-forecast.csv"
  [ "$(wc -l < "$work/$kind-forecast.csv")" -eq 25 ] || { echo "forecast_csv: expected 24 rows" >&2; exit 1; }
  "$bin/train_arrays" "$work/$kind-arrays.safetensors" --epochs 1 > "$work/$kind-train.txt"
  grep -q "^saved " "$work/$kind-train.txt"
  "$bin/batch_feeders" "$work/model.safetensors" "$work/history.csv" --threads 3 --feeders 12 |
    grep -q "^12 of 12 feeders forecast by 3 threads"
  "$bin/service_loop" "$work/model.safetensors" "$work/history.csv" --once | grep -q "^forecast from "
done
cmp "$work/pkg-config-forecast.csv" "$work/cmake-forecast.csv"
"$work/pkg-config/forecast_csv_static" "$work/model.safetensors" "$work/history.csv" |
  cmp - "$work/pkg-config-forecast.csv"
"$work/cmake-static/forecast_csv" "$work/model.safetensors" "$work/history.csv" |
  cmp - "$work/pkg-config-forecast.csv"

step "service_loop reloads a replaced model file"
cp "$work/model.safetensors" "$work/live.safetensors"
log="$work/service.log"
"$work/cmake/service_loop" "$work/live.safetensors" "$work/history.csv" --iterations 2 --interval 2 \
    > "$log" &
pid=$!
for _ in $(seq 300); do grep -q "^forecast from" "$log" && break; sleep 0.1; done
# Replaced as maskcast replaces model files: a new file renamed over the old.
cp "$work/pkg-config-arrays.safetensors" "$work/live.tmp" && mv "$work/live.tmp" "$work/live.safetensors"
wait "$pid"
grep -q "^reloaded model" "$log" || { echo "service_loop did not reload:" >&2; cat "$log" >&2; exit 1; }
[ "$(grep -c '^forecast from' "$log")" -eq 2 ]

if /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  step "the installed Python package finds the installed library (tests/python_install.sh: pip)"
  PYTHONPATH="$prefix/share/maskcast/python" /usr/bin/python3 -c "
import maskcast, sys
m = maskcast.Model.load(sys.argv[1])
h = maskcast.Frame.read_csv(sys.argv[2], target='load', covariates=['temperature']).regularize()
t, v = m.forecast(h)
assert maskcast.library_path().startswith(sys.argv[3]), maskcast.library_path()
print(maskcast.version(), v.shape)" "$work/model.safetensors" "$work/history.csv" "$prefix"
fi

echo "install test passed: ${#examples[@]} examples built with pkg-config and find_package, and run"
