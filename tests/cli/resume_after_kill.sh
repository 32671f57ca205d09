#!/usr/bin/env bash
# `gpta train --resume` after `kill -9`: the resumed run must end with the same rounds and test
# score as an uninterrupted run of the same configuration. Usage: resume_after_kill.sh GPTA_BINARY
set -euo pipefail
gpta=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(train --task sst2 --student bow --strategy fixed --k-per-class 3000 --dev-per-class 200 --test-size 2000
      --rounds 6 --epochs 4 --seed 5 --quiet)

"$gpta" "${args[@]}" --out "$work/whole" > "$work/whole.txt"

"$gpta" "${args[@]}" --out "$work/killed" > /dev/null 2>&1 &
pid=$!
# Kill as soon as the second round's checkpoint is on disk: the run is then mid-way.
for _ in $(seq 1 600); do
  if [[ -f "$work/killed/state/trainer.json" ]] && grep -q '"completed_rounds":2' "$work/killed/state/trainer.json"; then
    break
  fi
  sleep 0.01
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if grep -q '"status": "complete"' "$work/killed/run.json" 2>/dev/null; then
  echo "FAIL: the run finished before it could be killed; make it longer" >&2
  exit 1
fi
rounds_before=$(python3 -c "import json,sys;print(len(json.load(open(sys.argv[1]))['result']['rounds']))" "$work/killed/run.json")
echo "killed after $rounds_before complete round(s)"

"$gpta" "${args[@]}" --out "$work/killed" --resume > "$work/resumed.txt"
# The printed tables (every round's loss, dev scores, prefix, and the test line) must agree.
if ! diff <(grep -v -E '^(record|plot):' "$work/whole.txt") <(grep -v -E '^(record|plot):' "$work/resumed.txt"); then
  echo "FAIL: resumed run differs from the uninterrupted one" >&2
  exit 1
fi
grep '^test' "$work/resumed.txt"
echo "resume after kill -9: identical result"
