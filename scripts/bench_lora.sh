#!/usr/bin/env bash
# LoRA fine-tuning step and scoring throughput, and peak memory, of the Qwen2.5-Coder-0.5B decoder
# (Q4_K_M GGUF dequantised to float32): gpta against PyTorch + peft, same model, ids, batch,
# sequence lengths, LoRA and threads, both measured in this one invocation.
#
#   scripts/bench_lora.sh             threads = nproc
#   THREADS=2 STEPS=5 WARMUP=3 scripts/bench_lora.sh
# Environment: BUILD_DIR (default <repo>/build-bench-lora), NATIVE (default ON: GPTA_NATIVE, i.e.
# -march=native), BENCH_VENV (default <repo>/.venv-torch; created with torch, transformers, gguf,
# accelerate and peft==${PEFT_VERSION} when something is missing), BATCH (default 4), CONFIGS
# (default "64:qv:last 128:qv:last 128:qv:half 128:all:last": SEQ:MODULES:LOSS, MODULES qv|all,
# LOSS last = the last token | half = the last SEQ/2 tokens), STEPS (default 5), WARMUP (default 2),
# SCORE_REPS (default 3), ROUNDS (default 1: alternate gpta and PyTorch this many times),
# TORCH_FLAGS (extra flags of benchmarks/lora_step_torch.py, e.g. "--grad-ckpt" or "--full-logits"),
# KEEP (1: gpta keeps every layer's activations instead of recomputing them in the backward pass,
# --keep-activations; default 0), JOBS (build parallelism, default nproc).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="${THREADS:-$(nproc)}"
batch="${BATCH:-4}"
configs="${CONFIGS:-64:qv:last 128:qv:last 128:qv:half 128:all:last}"
steps="${STEPS:-5}"
warmup="${WARMUP:-2}"
score_reps="${SCORE_REPS:-3}"
rounds="${ROUNDS:-1}"
build="${BUILD_DIR:-${repo}/build-bench-lora}"
venv="${BENCH_VENV:-${repo}/.venv-torch}"
native="${NATIVE:-ON}"
# peft is pinned (its LoRA layers decide the anchor's cost); torch and transformers are PyPI's
# current ones, as in scripts/bench_student.sh; every version lands in the JSON lines.
PEFT_VERSION=0.21.2

model="$("${repo}/scripts/install_models.sh" install qwen0.5b)"

if ! "${venv}/bin/python" -c "import torch, transformers, gguf, accelerate" >/dev/null 2>&1; then
  [[ -x "${venv}/bin/python" ]] || python3 -m venv "${venv}"
  # PyPI's Linux torch wheel pulls its CUDA libraries too (a few GB); it runs on the CPU here.
  "${venv}/bin/pip" install --disable-pip-version-check torch transformers gguf accelerate >&2
fi
if ! "${venv}/bin/python" -c "import peft, sys; sys.exit(peft.__version__ != '${PEFT_VERSION}')" >/dev/null 2>&1; then
  "${venv}/bin/pip" install --disable-pip-version-check "peft==${PEFT_VERSION}" >&2
fi

cmake -S "${repo}" -B "${build}" -DCMAKE_BUILD_TYPE=Release -DGPTA_NATIVE="${native}" \
  -DGPTA_BUILD_TESTS=OFF -DGPTA_BUILD_EXAMPLES=OFF >&2
cmake --build "${build}" -j"${JOBS:-$(nproc)}" --target gpta_bench_lora_step >&2

list="${configs// /,}"
results="$(mktemp)"
trap 'rm -f "${results}"' EXIT
for ((round = 0; round < rounds; ++round)); do
  OMP_NUM_THREADS="${threads}" "${build}/bin/gpta_bench_lora_step" --model "${model}" --batch "${batch}" \
    --configs "${list}" --steps "${steps}" --warmup "${warmup}" --score-reps "${score_reps}" \
    --keep-activations "${KEEP:-0}" | tee -a "${results}"
  # shellcheck disable=SC2086
  OMP_NUM_THREADS="${threads}" "${venv}/bin/python" "${repo}/benchmarks/lora_step_torch.py" --model "${model}" \
    --batch "${batch}" --configs "${list}" --steps "${steps}" --warmup "${warmup}" --score-reps "${score_reps}" \
    --threads "${threads}" ${TORCH_FLAGS:-} | tee -a "${results}"
done

python3 - "${results}" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
# Several rounds: median of the rounds' medians, best of their best steps, highest peak memory.
def merge(rs):
    out = dict(rs[0])
    for k in rs[0]:
        vals = [r[k] for r in rs]
        if k.endswith("_best"):
            out[k] = max(vals)
        elif "rss" in k:
            out[k] = max(vals)
        elif isinstance(vals[0], float):
            out[k] = sorted(vals)[len(vals) // 2]
    return out
groups = {}
for r in rows:
    groups.setdefault((r["seq"], r["modules"], r["loss"], r["impl"]), []).append(r)
by = {}
for (seq, mod, loss, impl), rs in groups.items():
    by.setdefault((seq, mod, loss), {})[impl] = merge(rs)
g0 = next(r for r in rows if r["impl"] == "gpta")
print(f"{g0['cpu']} ({g0['cpu_flags']}), {g0['threads']} threads, gpta built for {g0['isa']}; batch {g0['batch']}, "
      f"LoRA rank {g0['rank']} alpha {g0['alpha']:g}; {g0['steps']} timed steps after {g0['warmup']}; "
      f"{max(len(v) for v in groups.values())} round(s); gpta "
      f"{'keeps every layer' + chr(39) + 's activations' if g0.get('keep_activations') else 'recomputes each layer in the backward pass'}")
print("median step [best step: the one least disturbed by other load]; phase peak = peak RSS while that "
      "configuration ran (weights included), process peak = the whole process, loading included")
print(f"{'seq':>4} {'mod':<3} {'loss':<4} {'impl':<26} {'train steps/s':>17} {'train tok/s':>11} "
      f"{'score seq/s':>15} {'phase MB':>8} {'proc MB':>8} {'1st loss':>9}")
for key in sorted(by):
    d = by[key]
    for impl in sorted(d, key=lambda i: (i != "gpta", i)):
        r = d[impl]
        st = f"{r['train_steps_per_s']:.4f} [{r['train_steps_per_s_best']:.4f}]"
        sc = f"{r['score_seqs_per_s']:.2f} [{r['score_seqs_per_s_best']:.2f}]"
        print(f"{key[0]:>4} {key[1]:<3} {key[2]:<4} {impl:<26} {st:>17} {r['train_tokens_per_s']:>11.1f} {sc:>15} "
              f"{r['phase_peak_rss_mb']:>8.0f} {r['peak_rss_mb']:>8.0f} {r['first_loss']:>9.5f}")
    g = d.get("gpta")
    for impl, t in sorted(d.items()):
        if impl == "gpta" or g is None:
            continue
        same = "same ids" if g["ids_checksum"] == t["ids_checksum"] else "IDS DIFFER"
        print(f"{'':>14}gpta / {impl}: "
              f"train {g['train_steps_per_s'] / t['train_steps_per_s']:.2f}x "
              f"[{g['train_steps_per_s_best'] / t['train_steps_per_s_best']:.2f}x], "
              f"score {g['score_seqs_per_s'] / t['score_seqs_per_s']:.2f}x "
              f"[{g['score_seqs_per_s_best'] / t['score_seqs_per_s_best']:.2f}x], "
              f"phase memory {g['phase_peak_rss_mb'] / t['phase_peak_rss_mb']:.2f}x, "
              f"process memory {g['peak_rss_mb'] / t['peak_rss_mb']:.2f}x; "
              f"{same}, first loss differs by {abs(g['first_loss'] - t['first_loss']):.1e}")
    if g:
        print(f"{'':>14}gpta training at {g['train_gflops']:.0f} GFLOP/s, scoring at {g['score_gflops']:.0f} "
              f"(plain Eigen GEMM {g['gemm_gflops']:.0f})")
print(f"load: gpta {g0['load_s']:.1f} s (peak {g0['load_peak_rss_mb']:.0f} MB)" +
      "".join(f", {i} {r['load_s']:.1f} s (peak {r['load_peak_rss_mb']:.0f} MB)"
              for i, r in {r['impl']: r for r in rows if r['impl'] != 'gpta'}.items()))
PY
