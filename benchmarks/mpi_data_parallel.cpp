// Data-parallel MiniLM fine-tuning on MPI: steps/s of one global batch split over the ranks, and
// the time of the gradient all-reduce per step. scripts/bench_mpi.sh runs it at 1 and 2 ranks x
// 1 thread and at 1 rank x 2 threads (the anchor: the same machine's two cores used by threads).
//
//   mpirun -np N gpta_bench_mpi_data_parallel [--model DIR] [--batch 16] [--seq 64] [--steps 10] [--warmup 2]
// Inputs: real SST-2 training sentences (the first batch x steps), WordPiece-encoded to --seq.
#include <gpta/mpi/communicator.hpp>
#include <gpta/mpi/data_parallel.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <gpta/data/registry.hpp>
#include <gpta/student/bert_student.hpp>

#include "bench_util.hpp"

int main(int argc, char** argv) {
  gpta::mpi::environment env(argc, argv);
  return gpta::mpi::run_or_abort([&] {
    std::string model = std::getenv("GPTA_MINILM_DIR") ? std::getenv("GPTA_MINILM_DIR") : "";
    std::size_t batch = 16, seq = 64;
    int steps = 10, warmup = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
      const std::string k = argv[i], v = argv[i + 1];
      if (k == "--model") model = v;
      else if (k == "--batch") batch = std::stoul(v);
      else if (k == "--seq") seq = std::stoul(v);
      else if (k == "--steps") steps = std::stoi(v);
      else if (k == "--warmup") warmup = std::stoi(v);
      else throw std::invalid_argument("unknown option " + k);
    }
    if (model.empty()) throw std::invalid_argument("set --model DIR or GPTA_MINILM_DIR");
    const gpta::text_dataset sst2 = gpta::data::load_task("sst2", gpta::data::default_data_dir());
    gpta::bert_student_options o;
    o.max_length = seq;
    o.learning_rate = 2e-5;
    o.seed = 1;
    gpta::mpi::data_parallel<gpta::bert_student> student(gpta::bert_student::from_pretrained(model, o));
    const std::span<const gpta::text_example> all(sst2.examples);
    double t0 = 0.0, reduce0 = 0.0;
    for (int s = 0; s < warmup + steps; ++s) {
      if (s == warmup) {
        student.comm().barrier();
        t0 = gpta::bench::now();
        reduce0 = student.reduce_seconds();
      }
      (void)student.train_step(all.subspan(static_cast<std::size_t>(s) * batch, batch), "");
    }
    student.comm().barrier();
    const double seconds = gpta::bench::now() - t0;
    const double reduce = student.comm().max(student.reduce_seconds() - reduce0);
    student.check_in_sync("after the benchmark");
    // The all-reduce alone (ranks aligned by a barrier first): reduce_ms_per_step above also holds
    // the wait for the slower shard (shards of one batch differ in length).
    double pure = 0.0;
    for (int r = 0; r < 5; ++r) {
      student.comm().barrier();
      const double a = gpta::bench::now();
      student.comm().sum(student.local().gradient_buffer());
      pure += gpta::bench::now() - a;
    }
    pure = student.comm().max(pure) / 5;
    if (student.comm().rank() == 0) {
      const char* threads = std::getenv("OMP_NUM_THREADS");
      std::printf("{\"ranks\": %d, \"threads\": %s, \"global_batch\": %zu, \"seq\": %zu, \"steps\": %d, "
                  "\"steps_per_s\": %.4f, \"reduce_ms_per_step\": %.3f, \"allreduce_ms\": %.3f, "
                  "\"gradient_mb\": %.2f, \"peak_rss_mb\": %.0f}\n",
                  student.comm().size(), threads ? threads : "null", batch, seq, steps, steps / seconds,
                  1e3 * reduce / steps, 1e3 * pure, student.local().gradient_buffer().size_bytes() / 1048576.0,
                  gpta::bench::peak_rss_mb());
    }
    return 0;
  });
}
