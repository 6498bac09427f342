#!/usr/bin/env bash
# Ctrl-C during `maskcast train`: the first SIGINT stops training after the
# batch in progress and writes the best model so far (exit 0, the model file
# loads); a second SIGINT ends the process at once, leaving no model file
# and no temporary behind.
#
#   cli_interrupt.sh MASKCAST SAMPLE_CSV WORK_DIR
set -euo pipefail
mc=$1 csv=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
train=(train --csv "$csv" --target load --epochs 500 --patience 500 --samples-per-epoch 2048
       --hidden 16 --seed 1 --no-linear-candidate)

# Waits until the log shows `pattern`, at most 120 s.
wait_for() {
  for _ in $(seq 1200); do grep -q "$1" "$2" && return 0; sleep 0.1; done
  echo "cli_interrupt: '$1' never appeared in $2:"; cat "$2"; exit 1
}

# One Ctrl-C after the second epoch: the best epoch is kept.
"$mc" "${train[@]}" -o once.safetensors 2> once.log &
pid=$!
wait_for "^epoch 2/500" once.log
kill -INT $pid
status=0; wait $pid || status=$?
cat once.log | tr '\r' '\n' | tail -3
[ $status -eq 0 ] || { echo "cli_interrupt: exit $status after one Ctrl-C"; exit 1; }
grep -q "interrupted: stopping (Ctrl-C again to quit at once)" once.log
grep -q "interrupted: keeping the best epoch so far (1 of 1 model)" once.log
grep -q "wrote once.safetensors" once.log
"$mc" inspect -m once.safetensors > inspect.txt
grep -q "network 0.* (kept)" inspect.txt || { cat inspect.txt; exit 1; }

# Two: the second ends the process at once, with SIGINT's status, and leaves
# nothing. Batches of a second or so keep it inside one when it comes: the
# first SIGINT's handler has run (SIGINT no longer caught, /proc's SigCgt)
# long before the batch ends.
"$mc" "${train[@]}" --hidden 192 --batch 2048 -o twice.safetensors 2> twice.log &
pid=$!
wait_for "^epoch 1/500" twice.log
kill -INT $pid
for _ in $(seq 200); do
  caught=$(awk '/^SigCgt:/ { print $2 }' /proc/$pid/status 2>/dev/null || echo gone)
  [ "$caught" = gone ] && break
  (( (16#$caught & 2) == 0 )) && break
  sleep 0.01
done
kill -INT $pid 2>/dev/null || { echo "cli_interrupt: the process ended before a second Ctrl-C"; exit 1; }
status=0; wait $pid || status=$?
[ $status -eq 130 ] || { echo "cli_interrupt: exit $status after two Ctrl-C, not 130"; cat twice.log; exit 1; }
[ ! -e twice.safetensors ] || { echo "cli_interrupt: a model was written after two Ctrl-C"; exit 1; }
# The killed writer's temporary stays until the next write to that path,
# which removes it (io/atomic_file.h).
"$mc" train --csv "$csv" --target load --epochs 1 --samples-per-epoch 256 --hidden 8 -q \
    -o twice.safetensors
[ -e twice.safetensors ] || { echo "cli_interrupt: the next write failed"; exit 1; }
if ls twice.safetensors.tmp.* 2>/dev/null; then
  echo "cli_interrupt: the killed writer's temporary outlived the next write"; exit 1
fi
echo "cli_interrupt: ok"
