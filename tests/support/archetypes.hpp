// Archetypes: the smallest types that model each gpta concept. If one stops compiling, a concept
// has become over-constrained. Shared by the concept tests and the trainer tests.
#pragma once

#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/core/chat.hpp>
#include <gpta/core/feedback.hpp>
#include <gpta/core/records.hpp>
#include <gpta/core/task_info.hpp>
#include <gpta/data/example.hpp>

namespace gpta::test {

struct student_archetype {
  using example_type = text_example;
  using prediction_type = int;
  struct state_type {};
  double train_step(std::span<const example_type>, std::string_view) { return 0.0; }
  std::vector<int> predict(std::span<const example_type> b, std::string_view) const {
    return std::vector<int>(b.size(), 0);
  }
  double loss(std::span<const example_type>, std::string_view) const { return 0.0; }
  state_type snapshot() const { return {}; }
  void restore(const state_type&) {}
};

struct strategy_archetype {
  prefix_proposal start(const task_info&) { return {}; }
  prefix_proposal feedback(const round_feedback&) { return {}; }
  prefix_proposal on_reply(const chat_response&) { return {}; }
  std::string_view name() const { return "archetype"; }
};

struct transport_archetype {
  chat_response complete(const chat_request&) { return {}; }
};

struct callback_archetype {
  void on_round_end(const round_context&) {}
};

/// A student whose skill is set by its prefix and grows with training, so the loop's choices are
/// observable: it predicts the gold label with probability `quality`, which rises by `gain` per
/// step with the prefix, plus a bonus for each occurrence of the word "sentiment" in the prefix.
/// Deterministic: the choice per example is a hash of its text.
class oracle_student {
 public:
  using example_type = text_example;
  using prediction_type = int;
  struct state_type {
    double skill = 0.0;
    std::size_t steps = 0;
  };

  explicit oracle_student(double gain = 0.002) : gain_(gain) {}

  double train_step(std::span<const example_type>, std::string_view) {
    state_.skill += gain_;
    ++state_.steps;
    ++total_steps_;
    return 1.0 - state_.skill;
  }
  std::vector<int> predict(std::span<const example_type> batch, std::string_view prefix) const {
    const double q = quality(prefix);
    std::vector<int> out;
    for (const auto& e : batch) {
      const double u = static_cast<double>(std::hash<std::string>{}(e.text) % 1000) / 1000.0;
      out.push_back(u < q ? e.label : 1 - e.label);
    }
    return out;
  }
  double loss(std::span<const example_type>, std::string_view prefix) const { return 1.0 - quality(prefix); }
  state_type snapshot() const { return state_; }
  void restore(const state_type& s) { state_ = s; }

  double quality(std::string_view prefix) const {
    double bonus = 0.0;
    for (std::size_t p = prefix.find("sentiment"); p != std::string_view::npos; p = prefix.find("sentiment", p + 1))
      bonus += 0.1;
    return std::min(0.99, 0.5 + state_.skill + bonus);
  }
  std::size_t steps() const { return state_.steps; }
  std::size_t total_steps() const { return total_steps_; }

 private:
  double gain_;
  state_type state_;
  std::size_t total_steps_ = 0;  ///< not part of the state: counts probe steps too
};

/// Starts from "plain"; after every round asks the TA, whose reply lists the candidates one per
/// line, so tests see requests and replies flow through the trainer.
struct lines_strategy {
  int feedback_calls = 0;
  std::vector<int> feedback_rounds;
  round_feedback last_feedback;
  prefix_proposal start(const task_info&) { return prefix_proposal::ready({"plain"}); }
  prefix_proposal feedback(const round_feedback& f) {
    ++feedback_calls;
    feedback_rounds.push_back(f.round);
    last_feedback = f;
    chat_request r;
    r.messages.push_back({"user", "round " + std::to_string(f.round) + ", score " + std::to_string(f.dev_score)});
    return prefix_proposal::ask(r);
  }
  prefix_proposal on_reply(const chat_response& r) {
    std::vector<std::string> c;
    std::istringstream in(r.choices.at(0).content);
    for (std::string line; std::getline(in, line);) c.push_back(line);
    return prefix_proposal::ready(c);
  }
  std::string_view name() const { return "lines"; }
};

/// Synthetic balanced binary dataset with distinct texts.
inline text_dataset make_binary_dataset(std::size_t n, const std::string& tag) {
  text_dataset d;
  d.name = "synthetic";
  d.label_names = {"negative", "positive"};
  for (std::size_t i = 0; i < n; ++i) d.examples.push_back({tag + " example " + std::to_string(i), int(i % 2)});
  return d;
}

}  // namespace gpta::test
