// A downstream program that uses gpta the way a consumer would: train a tiny student with a fixed
// prefix through the public trainer. Exits non-zero if the library misbehaves.
#include <gpta/gpta.hpp>

#include <cstdio>

struct majority_student {
  using example_type = gpta::text_example;
  using prediction_type = int;
  struct state_type {
    int ones = 0, total = 0;
  };
  state_type s;
  double train_step(std::span<const example_type> b, std::string_view) {
    for (auto& e : b) s.ones += e.label, ++s.total;
    return 0.5;
  }
  std::vector<int> predict(std::span<const example_type> b, std::string_view) const {
    return std::vector<int>(b.size(), 2 * s.ones >= s.total ? 1 : 0);
  }
  double loss(std::span<const example_type>, std::string_view) const { return 0.5; }
  state_type snapshot() const { return s; }
  void restore(const state_type& x) { s = x; }
};

int main() {
  gpta::text_dataset d;
  d.label_names = {"negative", "positive"};
  for (int i = 0; i < 30; ++i) d.examples.push_back({"text " + std::to_string(i), i % 3 != 0});
  gpta::trainer_options o;
  o.rounds = 2;
  o.progress = false;
  gpta::trainer<majority_student, gpta::fixed_prefix> t(majority_student{}, gpta::fixed_prefix{"p"}, {}, o);
  auto run = t.fit(d, d, d, gpta::task_info{});
  const bool ok = run.test && run.test->accuracy > 0.6 && run.rounds.size() == 2;
  std::printf("consumer: accuracy %.3f (%s)\n", run.test ? run.test->accuracy : -1.0, ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
