// A callback that logs the run as JSON lines: one line when the run begins, one per epoch, one
// per round, one at the end. Callbacks are plain types with any of the four hooks; a hook with
// the wrong parameter is a compile error, not silently skipped.
//
//   gpta_example_jsonl_callback [DATA_DIR] [LOG.jsonl]
#include <fstream>
#include <iostream>
#include <string>

#include <boost/json.hpp>

#include <gpta/prompt/no_prefix.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "sst2_split.hpp"

namespace {

struct jsonl_logger {
  std::ofstream out;

  void line(boost::json::object o) { out << boost::json::serialize(o) << '\n' << std::flush; }
  void on_run_begin(const gpta::run_context& c) { line({{"event", "run_begin"}, {"strategy", c.run.strategy}}); }
  void on_epoch_end(const gpta::epoch_context& c) {
    line({{"event", "epoch"}, {"round", c.round}, {"epoch", c.epoch}, {"loss", c.train_loss}, {"steps", c.steps}});
  }
  void on_round_end(const gpta::round_context& c) {
    line({{"event", "round"}, {"round", c.record.round}, {"dev_accuracy", c.record.dev.accuracy},
          {"train_loss", c.record.train_loss}});
  }
  void on_run_end(const gpta::run_context& c) {
    line({{"event", "run_end"}, {"best_round", c.run.best_round},
          {"test_accuracy", c.run.test ? c.run.test->accuracy : -1.0}});
  }
};

}  // namespace

int main(int argc, char** argv) try {
  const example::sst2_split d = example::load_sst2(example::data_dir(argc, argv));
  const std::string log = argc > 2 ? argv[2] : "run.jsonl";
  gpta::basic_trainer trainer(example::bow_student(d.train), gpta::no_prefix{}, gpta::null_transport{},
                              example::quick_options(3));
  jsonl_logger logger{std::ofstream(log)};
  if (!logger.out) throw std::runtime_error(log + ": cannot open for writing");
  const gpta::run_result run = trainer.fit(d.train, d.dev, d.test, d.task, logger);
  std::cout << "logged " << run.rounds.size() << " rounds to " << log << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "gpta_example_jsonl_callback: " << e.what() << "\n";
  return 1;
}
