#!/usr/bin/env bash
# The seeds' claims beyond the main table, checked with gpta's analysis commands against the
# offline TA (llama.cpp's server and Qwen2.5-Coder-1.5B-Instruct, as scripts/demo.sh installs
# them): a low-resource curve on SST-2 at 4 sizes (none vs dialogue, 3 seeds, with the train-dev
# gap and the TA-accuracy / gain correlation of its runs), a 2 x 2 prefix-transfer matrix between
# SST-2 and Yelp, and one HTML report per folder. The bow student keeps it to about an hour on 2
# cores; STUDENT=minilm for the pretrained encoder (several hours). Results under $OUT
# (default runs/analyses); TA answers are cached there, so a rerun replays them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${GPTA_JOBS:-$(nproc)}
out=${OUT:-runs/analyses}
student=${STUDENT:-bow}

bash scripts/install_deps.sh
bash scripts/ta_server.sh install >&2
if [[ $student == minilm ]]; then
  GPTA_MINILM_DIR=$(bash scripts/install_models.sh | tail -n 1)
  export GPTA_MINILM_DIR
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target gpta_cli

line=$(bash scripts/ta_server.sh start | grep '^OPENAI_BASE_URL=')
export "${line?}"
trap 'bash scripts/ta_server.sh stop >&2' EXIT

common=(--student "$student" --max-length 64 --rounds 3 --epochs 5 --batch-size 8 --candidates 2 --probe-steps 5
        --probe-dev 64 --ta-temperature 0.7 --ta-max-tokens 192 --ta-timeout-s 600 --ta-cache "$out/ta-cache" --quiet)
./build/bin/gpta curve --task sst2 --k 4,8,16,32 --strategies none,dialogue --seeds 1,2,3 --dev-per-class 32 \
  --test-size 1000 "${common[@]}" --out "$out/curve" "$@"
./build/bin/gpta transfer --from sst2,yelp --to sst2,yelp --strategy dialogue --modes fixed,start --seeds 1,2,3 \
  --k-per-class 16 --dev-per-class 32 --test-size 500 "${common[@]}" --out "$out/transfer" "$@"
./build/bin/gpta report "$out/curve"
./build/bin/gpta report "$out/transfer"
