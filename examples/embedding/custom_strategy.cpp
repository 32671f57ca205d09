// A strategy of your own, registered beside gpta's: `templates` never calls the TA; after each
// round it proposes the next of the user's hand-written prefixes, which the trainer probes
// against the incumbent (paired dev losses) like any TA candidate. The registry turns the name
// given on the command line into the strategy type, as the gpta tool does.
//
//   gpta_example_custom_strategy [DATA_DIR] [STRATEGY]     (STRATEGY: none | fixed | templates)
#include <iostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/json.hpp>

#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/prompt/no_prefix.hpp>
#include <gpta/prompt/strategy_registry.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "sst2_split.hpp"

namespace {

/// Round 0 starts with the first template; after round r, templates r+1 and r+2 are the candidates.
class templates_strategy : public gpta::offline_strategy {
 public:
  static constexpr std::string_view id = "templates";
  static constexpr bool consults_ta = false;
  static constexpr std::string_view summary = "the user's hand-written prefixes, tried in turn";

  explicit templates_strategy(std::vector<std::string> t) : templates_(std::move(t)) {}
  gpta::prefix_proposal start(const gpta::task_info&) { return gpta::prefix_proposal::ready({templates_.at(0)}); }
  gpta::prefix_proposal feedback(const gpta::round_feedback& f) {
    std::vector<std::string> next;
    for (std::size_t i = static_cast<std::size_t>(f.round) + 1; i < templates_.size() && next.size() < 2; ++i)
      next.push_back(templates_[i]);
    return gpta::prefix_proposal::ready(std::move(next));
  }
  [[nodiscard]] std::string_view name() const noexcept { return id; }

 private:
  std::vector<std::string> templates_;
};

using my_strategies = gpta::strategy_list<gpta::no_prefix, gpta::fixed_prefix, templates_strategy>;

template <class S>
S make(const gpta::task_info& task) {
  if constexpr (std::is_same_v<S, gpta::no_prefix>) return {};
  else if constexpr (std::is_same_v<S, gpta::fixed_prefix>) return S{"movie review sentiment:"};
  else return S{{"movie review:", "is this review positive or negative?", "sentiment of the sentence:",
                 "the critic's opinion of the film:", task.name + " sentence:"}};
}

}  // namespace

int main(int argc, char** argv) try {
  const example::sst2_split d = example::load_sst2(example::data_dir(argc, argv));
  const std::string name = argc > 2 ? argv[2] : "templates";
  if (!my_strategies::contains(name)) {
    std::cerr << "usage: gpta_example_custom_strategy [DATA_DIR] [STRATEGY]\nstrategies:\n" << my_strategies::help()
              << "\n";
    return 2;
  }
  const gpta::run_result run = my_strategies::visit(name, [&]<class S>(std::type_identity<S>) {
    gpta::basic_trainer trainer(example::bow_student(d.train), make<S>(d.task), gpta::null_transport{},
                                example::quick_options(4));
    return trainer.fit(d.train, d.dev, d.test, d.task);
  });
  std::size_t probed = 0;
  for (const auto& r : run.rounds) probed += r.candidates.size();
  std::cout << boost::json::serialize(boost::json::object{{"strategy", run.strategy},
                                                          {"best_prefix", run.best_prefix},
                                                          {"best_round", run.best_round},
                                                          {"candidates_probed", probed},
                                                          {"test_accuracy", run.test ? run.test->accuracy : -1.0}})
            << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "gpta_example_custom_strategy: " << e.what() << "\n";
  return 1;
}
