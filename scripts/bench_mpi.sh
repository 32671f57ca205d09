#!/usr/bin/env bash
# Data-parallel MiniLM fine-tuning on this machine: 1 rank x 1 thread, 2 ranks x 1 thread and the
# anchor 1 rank x 2 threads, same global batch; prints one JSON line each (steps/s, all-reduce
# ms per step, gradient size). Needs a Release build (build/) with GPTA_ENABLE_MPI and the MiniLM
# checkpoint (scripts/install_models.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin=build/bin/gpta_bench_mpi_data_parallel
[[ -x $bin ]] || { echo "bench_mpi: $bin not built (cmake -DGPTA_ENABLE_MPI=ON)" >&2; exit 1; }
GPTA_MINILM_DIR=${GPTA_MINILM_DIR:-$(bash scripts/install_models.sh path minilm | tail -n 1)}
# Shared memory only (one machine); root allowed (containers). Where the kernel refuses cross-memory
# attach (CMA), add OMPI_MCA_btl_vader_single_copy_mechanism=none (slower copies).
export GPTA_MINILM_DIR OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
args=(--batch "${BATCH:-16}" --seq "${SEQ:-64}" --steps "${STEPS:-10}" --warmup 2)
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores" >&2
for config in "1 1" "2 1" "1 2"; do
  read -r ranks threads <<<"$config"
  OMP_NUM_THREADS=$threads mpirun -np "$ranks" --oversubscribe --bind-to none "$bin" "${args[@]}"
done
