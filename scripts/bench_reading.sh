#!/usr/bin/env bash
# Fine-tuning / inference throughput and peak memory of the reading students on MiniLM (the span
# student for SQuAD, the multiple-choice student for RACE): gpta against the current PyTorch +
# transformers from PyPI (CPU), same weights and heads, same batch, sequence length and threads,
# in one run.
#
#   scripts/bench_reading.sh            threads = nproc
#   THREADS=1 scripts/bench_reading.sh
# Environment: BUILD_DIR (default <repo>/build-bench, configured with -march=native),
# BENCH_VENV (default <repo>/.venv-bench; created with `pip install torch transformers`),
# STEPS (default 5), SEQ (default 256), SPAN_BATCH (default 16 windows), CHOICE_BATCH (default 4
# questions = 16 option sequences), ROUNDS (default 1: alternate gpta and PyTorch this many times).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="${THREADS:-$(nproc)}"
steps="${STEPS:-5}"
seq="${SEQ:-256}"
rounds="${ROUNDS:-1}"
build="${BUILD_DIR:-${repo}/build-bench}"
venv="${BENCH_VENV:-${repo}/.venv-bench}"

model="$("${repo}/scripts/install_models.sh" | tail -n 1)"

if ! "${venv}/bin/python" -c "import torch, transformers" >/dev/null 2>&1; then
  python3 -m venv "${venv}"
  # PyPI's Linux torch wheel pulls its CUDA libraries too (a few GB); it runs on the CPU here.
  "${venv}/bin/pip" install --disable-pip-version-check torch transformers >&2
fi

# Built for this CPU: without -march=native Eigen is limited to SSE2.
cmake -S "${repo}" -B "${build}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-march=native" \
  -DGPTA_BUILD_TESTS=OFF -DGPTA_BUILD_EXAMPLES=OFF >&2
cmake --build "${build}" -j"$(nproc)" --target gpta_bench_reading_step >&2

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
flags="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|fma)$' | tr '\n' ' ')"
results="$(mktemp)"
trap 'rm -f "${results}"' EXIT
for ((round = 0; round < rounds; ++round)); do
  for head in span choice; do
    batch="${SPAN_BATCH:-16}"
    [[ "${head}" == choice ]] && batch="${CHOICE_BATCH:-4}"
    OMP_NUM_THREADS="${threads}" "${build}/bin/gpta_bench_reading_step" --head "${head}" --model "${model}" \
      --batch "${batch}" --seq "${seq}" --steps "${steps}" >>"${results}"
    OMP_NUM_THREADS="${threads}" "${venv}/bin/python" "${repo}/benchmarks/reading_step_torch.py" --head "${head}" \
      --model "${model}" --batch "${batch}" --seq "${seq}" --steps "${steps}" --threads "${threads}" >>"${results}"
  done
done

python3 - "${results}" "${cpu}" "${flags}" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(f"CPU: {sys.argv[2]} ({sys.argv[3].strip() or 'no AVX2'}); examples/s, median step [best step]")
groups = {}
for r in rows:
    groups.setdefault((r["head"], "gpta" if r["impl"] == "gpta" else "torch"), []).append(r)
def med(rs, k):
    v = sorted(r[k] for r in rs)
    return v[len(v) // 2]
print(f"{'head':<7} {'impl':<14} {'batch x seq':>12} {'train ex/s':>18} {'infer ex/s':>18} {'peak MB':>8}")
for head in ("span", "choice"):
    g, t = groups.get((head, "gpta")), groups.get((head, "torch"))
    for rs in (g, t):
        if not rs:
            continue
        r = rs[0]
        shape = f"{r['batch']}x{r['sequences_per_example']}x{r['seq']}"
        tr = f"{med(rs, 'train_examples_per_s'):.2f} [{max(x['train_examples_per_s_best'] for x in rs):.2f}]"
        inf = f"{med(rs, 'infer_examples_per_s'):.2f} [{max(x['infer_examples_per_s_best'] for x in rs):.2f}]"
        print(f"{head:<7} {r['impl']:<14} {shape:>12} {tr:>18} {inf:>18} {max(x['peak_rss_mb'] for x in rs):>8.0f}")
    if g and t:
        print(f"        gpta/torch: train {med(g, 'train_examples_per_s') / med(t, 'train_examples_per_s'):.2f}x, "
              f"inference {med(g, 'infer_examples_per_s') / med(t, 'infer_examples_per_s'):.2f}x, "
              f"peak memory {max(x['peak_rss_mb'] for x in g) / max(x['peak_rss_mb'] for x in t):.2f}x, "
              f"{g[0]['threads']} threads")
PY
