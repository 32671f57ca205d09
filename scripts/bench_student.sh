#!/usr/bin/env bash
# Fine-tuning / inference throughput and peak memory of the MiniLM student: gpta against the
# current PyTorch from PyPI (CPU), same weights, batch 16, sequence lengths 64 and 128, same threads;
# then real data: epochs of the low-resource SST-2 split and a dev evaluation (benchmarks/
# sst2_epoch.cpp), gpta's packed and padded batches against PyTorch with Hugging Face's dynamic
# padding, in a random batch order and grouped by length.
#
#   scripts/bench_student.sh            threads = nproc
#   THREADS=1 scripts/bench_student.sh
# Environment: BUILD_DIR (default <repo>/build-bench, configured with -march=native),
# BENCH_VENV (default <repo>/.venv-bench; created with `pip install torch transformers`),
# STEPS (default 10), SEQS (default "64 128"), ROUNDS (default 1: alternate gpta and PyTorch
# this many times; on a shared machine more rounds give both the same chance of a quiet moment),
# GEMMS (default "eigen": the host GEMM policies to measure, each its own build - e.g.
# GEMMS="eigen openblas blis"; -DGPTA_GEMM, see nn/gemm_cblas.hpp; scripts/install_deps.sh installs
# both libraries), REAL (default 1; 0 skips the SST-2 epochs), EPOCHS (default 3).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="${THREADS:-$(nproc)}"
steps="${STEPS:-10}"
seqs="${SEQS:-64 128}"
rounds="${ROUNDS:-1}"
real="${REAL:-1}"
epochs="${EPOCHS:-3}"
build="${BUILD_DIR:-${repo}/build-bench}"
venv="${BENCH_VENV:-${repo}/.venv-bench}"

model="$("${repo}/scripts/install_models.sh")"

if ! "${venv}/bin/python" -c "import torch, transformers" >/dev/null 2>&1; then
  python3 -m venv "${venv}"
  # PyPI's Linux torch wheel pulls its CUDA libraries too (a few GB); it runs on the CPU here.
  "${venv}/bin/pip" install --disable-pip-version-check torch transformers >&2
fi

# The benchmark is built for this CPU: without -march=native Eigen is limited to SSE2.
gemms="${GEMMS:-eigen}"
build_dir() { if [[ "$1" == eigen ]]; then echo "${build}"; else echo "${build}-$1"; fi; }
for gemm in ${gemms}; do
  dir="$(build_dir "${gemm}")"
  cmake -S "${repo}" -B "${dir}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-march=native" -DGPTA_GEMM="${gemm}" \
    -DGPTA_BUILD_TESTS=OFF -DGPTA_BUILD_EXAMPLES=OFF >&2
  cmake --build "${dir}" -j"$(nproc)" --target gpta_bench_student_step gpta_bench_sst2_epoch >&2
done
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
flags="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|fma)$' | tr '\n' ' ')"

results="$(mktemp)"
split="$(mktemp)"
trap 'rm -f "${results}" "${split}"' EXIT
first_build="$(build_dir "${gemms%% *}")"
[[ "${real}" == 1 ]] && "${first_build}/bin/gpta_bench_sst2_epoch" --model "${model}" --write-split "${split}"
for ((round = 0; round < rounds; ++round)); do
  for seq in ${seqs}; do
    for gemm in ${gemms}; do
      OMP_NUM_THREADS="${threads}" "$(build_dir "${gemm}")/bin/gpta_bench_student_step" --model "${model}" --batch 16 --seq "${seq}" \
        --steps "${steps}" >>"${results}"
    done
    OMP_NUM_THREADS="${threads}" "${venv}/bin/python" "${repo}/benchmarks/student_step_torch.py" --model "${model}" \
      --batch 16 --seq "${seq}" --steps "${steps}" --threads "${threads}" >>"${results}"
  done
  [[ "${real}" == 1 ]] || continue
  for order in random length; do
    for gemm in ${gemms}; do
      for layout in packed padded; do
        OMP_NUM_THREADS="${threads}" "$(build_dir "${gemm}")/bin/gpta_bench_sst2_epoch" --model "${model}" \
          --layout "${layout}" --order "${order}" --epochs "${epochs}" | sed 's/^{/{"seq":"sst2",/' >>"${results}"
      done
    done
    OMP_NUM_THREADS="${threads}" "${venv}/bin/python" "${repo}/benchmarks/sst2_epoch_torch.py" --model "${model}" \
      --split "${split}" --order "${order}" --epochs "${epochs}" --threads "${threads}" |
      sed 's/^{/{"seq":"sst2",/' >>"${results}"
  done
done

python3 - "${results}" "${cpu}" "${flags}" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
real = [r for r in rows if r["seq"] == "sst2"]
rows = [r for r in rows if r["seq"] != "sst2"]
print(f"CPU: {sys.argv[2]} ({sys.argv[3].strip()})")
# Several rounds: median of the rounds' medians, best of their best steps, highest peak memory.
def merge(rs):
    out = dict(rs[0])
    for k in rs[0]:
        vals = [r[k] for r in rs]
        if k.endswith("_best"):
            out[k] = max(vals)
        elif k == "peak_rss_mb":
            out[k] = max(vals)
        elif isinstance(vals[0], float):
            out[k] = sorted(vals)[len(vals) // 2]
    return out
groups = {}
for r in rows:
    key = "gpta " + r.get("gemm", "eigen") if r["impl"] == "gpta" else "torch"
    r["impl"] = key if r["impl"] == "gpta" else r["impl"]
    groups.setdefault((r["seq"], key), []).append(r)
by = {}
for (seq, impl), rs in groups.items():
    by.setdefault(seq, {})[impl] = merge(rs)
rounds = max(len(rs) for rs in groups.values())
print(f"{rounds} round(s); median step (best step in brackets: the one least disturbed by other load)")
print(f"{'seq':>4} {'impl':<20} {'train steps/s':>16} {'train ex/s':>10} {'infer ex/s':>16} {'peak MB':>8} {'GFLOP/s':>12}")
for seq, d in sorted(by.items()):
    for k in sorted(d, key=lambda k: (k == "torch", k)):
        r = d.get(k)
        if r:
            gf = f"{r['train_gflops']:.0f} [{r['train_gflops_best']:.0f}]" if "train_gflops" in r else "-"
            st = f"{r['train_steps_per_s']:.3f} [{r['train_steps_per_s_best']:.3f}]"
            inf = f"{r['infer_examples_per_s']:.1f} [{r['infer_examples_per_s_best']:.1f}]"
            print(f"{seq:>4} {r['impl']:<20} {st:>16} {r['train_examples_per_s']:>10.2f} {inf:>16} "
                  f"{r['peak_rss_mb']:>8.0f} {gf:>12}")
    t = d.get("torch")
    for k in sorted(x for x in d if x != "torch"):
        g = d[k]
        if not t:
            continue
        print(f"     {k}/torch: train {g['train_steps_per_s'] / t['train_steps_per_s']:.2f}x "
              f"[{g['train_steps_per_s_best'] / t['train_steps_per_s_best']:.2f}x], "
              f"inference {g['infer_examples_per_s'] / t['infer_examples_per_s']:.2f}x "
              f"[{g['infer_examples_per_s_best'] / t['infer_examples_per_s_best']:.2f}x], "
              f"peak memory {g['peak_rss_mb'] / t['peak_rss_mb']:.2f}x; gpta training at "
              f"{100 * g['train_gflops'] / g['gemm_gflops']:.0f}% [{100 * g['train_gflops_best'] / g['gemm_gflops']:.0f}%] "
              f"of a plain GEMM ({g['gemm_gflops']:.0f} GFLOP/s, n={g['gemm_n']}), {g['threads']} threads")
if real:
    # Times: median of the rounds' medians, best (lowest) of their best; highest peak memory.
    groups = {}
    for r in real:
        impl = f"gpta {r['gemm']} {r['layout']}" if r["impl"] == "gpta" else r["impl"]
        groups.setdefault((r["order"], impl), []).append(r)
    merged = {}
    for key, rs in groups.items():
        m = dict(rs[0], impl=key[1])
        for k in ("epoch_s", "eval_s"):
            m[k] = sorted(x[k] for x in rs)[len(rs) // 2]
            m[k + "_best"] = min(x[k + "_best"] for x in rs)
        m["peak_rss_mb"] = max(x["peak_rss_mb"] for x in rs)
        merged[key] = m
    any_r = real[0]
    print(f"\nSST-2, {any_r['train_rows']} training rows (an epoch = {-(-any_r['train_rows'] // any_r['batch'])} steps of "
          f"batch {any_r['batch']}) and {any_r['dev_rows']} dev rows, max length {any_r['max_length']}, "
          f"{any_r['threads']} threads; seconds, median [best]")
    print(f"{'order':<7} {'impl':<26} {'epoch s':>16} {'dev eval s':>16} {'token rows':>11} {'real':>6} {'peak MB':>8} {'dev acc':>7}")
    for (order, impl), m in sorted(merged.items(), key=lambda kv: (kv[0][0] != "random", kv[0][1].startswith("torch"), kv[0][1])):
        print(f"{order:<7} {impl:<26} {m['epoch_s']:>8.3f} [{m['epoch_s_best']:.3f}] {m['eval_s']:>8.3f} [{m['eval_s_best']:.3f}] "
              f"{m['computed_tokens_per_epoch']:>11} {m['real_tokens_per_epoch']:>6} {m['peak_rss_mb']:>8.0f} {m['dev_accuracy']:>7.3f}")
    for (order, impl), m in sorted(merged.items()):
        t = next((v for (o, i), v in merged.items() if o == order and i.startswith("torch")), None)
        if impl.startswith("torch") or not t:
            continue
        print(f"     {order}: {impl}/torch: epoch {t['epoch_s'] / m['epoch_s']:.2f}x [{t['epoch_s_best'] / m['epoch_s_best']:.2f}x], "
              f"dev evaluation {t['eval_s'] / m['eval_s']:.2f}x [{t['eval_s_best'] / m['eval_s_best']:.2f}x], "
              f"peak memory {m['peak_rss_mb'] / t['peak_rss_mb']:.2f}x")
PY
