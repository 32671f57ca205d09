#!/usr/bin/env bash
# The README's demo command: installs what it needs, builds the gpta tool, and compares prompt
# strategies on low-resource SST-2 over several seeds, printing mean ± sd test accuracy.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${GPTA_JOBS:-$(nproc)}

bash scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target gpta_cli

out=${GPTA_DEMO_OUT:-runs/demo}
./build/bin/gpta compare --task sst2 --student bow --strategies none,fixed \
  --prefix "Classify the sentiment of this movie review as positive or negative." \
  --k-per-class 500 --dev-per-class 100 --test-size 2000 --rounds 2 --epochs 5 --seeds 1,2,3 \
  --out "$out" "$@"
