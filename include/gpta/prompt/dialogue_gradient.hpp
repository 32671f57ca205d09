// Strategy `dialogue` (GPTA): round 0 as `description`, then after every round a feedback turn of
// aggregate signals appended to the same conversation - the dialogue gradient (GPTA_METHOD step 4).
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gpta/core/chat.hpp>
#include <gpta/core/feedback.hpp>
#include <gpta/core/task_info.hpp>
#include <gpta/prompt/default_templates.hpp>
#include <gpta/prompt/description_prefix.hpp>
#include <gpta/prompt/prompt_template.hpp>
#include <gpta/prompt/prompt_values.hpp>
#include <gpta/prompt/ta_session.hpp>
#include <gpta/prompt/ta_settings.hpp>

namespace gpta {

struct dialogue_gradient_options {
  ta_settings ta;
  prompt_template system_template{std::string(default_templates::system), "default system template"};
  prompt_template description_template{std::string(default_templates::description), "default description template"};
  prompt_template feedback_template{std::string(default_templates::feedback), "default feedback template"};
  prompt_template correction_template{std::string(default_templates::correction), "default correction template"};
  /// Round 0 only (the first user turn stays in the conversation; the exposure happens once).
  std::vector<std::string> exemplars;
  std::size_t max_exemplars = 0;
  std::size_t first_candidates = 1;  ///< prefixes asked for in round 0
  std::size_t candidates = 0;        ///< after a round; 0 = what the trainer asks (candidates_wanted)
  /// Approximate TA tokens (see approx_ta_tokens) of the scored-history list in a feedback turn.
  std::size_t history_token_budget = 400;
  /// Approximate TA tokens of the whole conversation; oldest middle turns go first (0 = unbounded).
  std::size_t conversation_token_budget = 3000;
};

class dialogue_gradient {
 public:
  explicit dialogue_gradient(dialogue_gradient_options options = {})
      : turns_(options.system_template, options.description_template, options.exemplars, options.max_exemplars,
               component),
        session_(component, options.ta, options.correction_template),
        options_(std::move(options)) {
    options_.feedback_template.check_placeholders(
        detail::placeholder_list(
            {detail::task_placeholders, detail::answer_placeholders},
            {"round", "incumbent", "metric", "dev_score", "previous_dev_score", "score_change", "train_loss",
             "dev_loss", "loss_gap", "gap_note", "per_class", "breakdown", "diagnostics", "weakest_class", "history"}),
        component);
    session_.set_conversation_budget(options_.conversation_token_budget);
  }

  prefix_proposal start(const task_info& task) {
    task_ = task;
    const std::size_t n = options_.first_candidates == 0 ? 1 : options_.first_candidates;
    session_.reset(turns_.render(task, session_.answer_values(n, task.prefix_token_budget)));
    return session_.ask(n, task.prefix_token_budget);
  }

  /// Appends the feedback turn and asks for revised prefixes. A request still unanswered (the
  /// transport failed) is dropped first with its turns, so roles keep alternating.
  prefix_proposal feedback(const round_feedback& fb) {
    if (!task_) throw std::logic_error("gpta::dialogue_gradient: feedback() called before start()");
    session_.abandon();
    const std::size_t n = options_.candidates != 0 ? options_.candidates
                                                   : (fb.candidates_wanted == 0 ? 1 : fb.candidates_wanted);
    session_.add_user_turn(feedback_text(fb, n));
    session_.set_tried(tried_prefixes(fb));
    return session_.ask(n, fb.prefix_token_budget);
  }

  prefix_proposal on_reply(const chat_response& reply) { return session_.on_reply(reply); }
  static constexpr std::string_view id = "dialogue";
  static constexpr bool consults_ta = true;
  static constexpr std::string_view summary = "GPTA: the TA's prefix, revised each round from the student's progress (the dialogue gradient)";
  [[nodiscard]] std::string_view name() const noexcept { return id; }

  /// The feedback turn for `fb`, asking for `n` prefixes. Built from the fields of round_feedback
  /// that carry aggregate signals, label names and prefixes - nothing else reaches the TA.
  [[nodiscard]] std::string feedback_text(const round_feedback& fb, std::size_t n) const {
    template_values v = task_ ? detail::task_values(*task_) : detail::task_values(task_info{});
    for (auto& [k, val] : session_.answer_values(n, fb.prefix_token_budget)) v[k] = val;
    const std::string metric = fb.metric_name.empty() ? std::string("score") : detail::or_not_given(fb.metric_name);
    v["round"] = std::to_string(fb.round + 1);  // people count rounds from 1
    v["incumbent"] = sanitize_prefix(fb.incumbent);
    v["metric"] = metric;
    v["dev_score"] = detail::format_fixed(fb.dev_score);
    v["previous_dev_score"] = fb.previous_dev_score ? detail::format_fixed(*fb.previous_dev_score) : "n/a";
    v["score_change"] = fb.previous_dev_score ? detail::format_fixed(fb.dev_score - *fb.previous_dev_score, 4, true)
                                              : "n/a, first round";
    v["train_loss"] = detail::format_fixed(fb.train_loss);
    v["dev_loss"] = detail::format_fixed(fb.dev_loss);
    v["loss_gap"] = detail::format_fixed(fb.dev_loss - fb.train_loss, 4, true);
    std::string per_class;
    for (const auto& c : fb.per_class)
      per_class += (per_class.empty() ? "" : "\n") + ("  - " + detail::or_not_given(c.label) + ": " +
                                                      detail::format_fixed(c.score));
    v["per_class"] = per_class.empty() ? std::string("  (not reported)") : per_class;
    v["breakdown"] = fb.breakdown.empty() ? std::string("answer") : detail::or_not_given(fb.breakdown);
    // A block of lines, or nothing: a classifier's turn reads as it did before figures existed.
    std::string diagnostics;
    for (const auto& d : fb.diagnostics)
      diagnostics += "  - " + detail::or_not_given(d.name) + ": " + detail::format_fixed(d.value) +
                     (d.previous ? " (change " + detail::format_fixed(d.value - *d.previous, 4, true) + ")" : "") +
                     "\n";
    v["diagnostics"] = diagnostics.empty() ? std::string() : "- other dev figures:\n" + diagnostics;
    const class_score* weakest = nullptr;
    for (const auto& c : fb.per_class)
      if (!weakest || c.score < weakest->score) weakest = &c;
    v["weakest_class"] = weakest ? "\"" + detail::or_not_given(weakest->label) + "\" (" +
                                       detail::format_fixed(weakest->score, 2) + ")"
                                 : std::string("not reported");
    const double gap = fb.dev_loss - fb.train_loss;
    v["gap_note"] = gap > 0.25   ? "so the model is over-fitting: prefer general guidance over narrow cues"
                    : gap > 0.05 ? "a small over-fitting gap"
                                 : "no over-fitting so far";
    const auto lines = detail::trimmed_history(
        fb.history, 0, options_.history_token_budget, [](const std::string& p, const scored_prefix& h) {
          return "  - " + detail::format_fixed(h.score) + " (round " + std::to_string(h.round + 1) + "): \"" + p +
                 "\"";
        });
    std::string history;
    for (const auto& l : lines) history += (history.empty() ? "" : "\n") + l;
    v["history"] = history.empty() ? std::string("  (none yet)") : history;
    return options_.feedback_template.render(v);
  }

  [[nodiscard]] const std::vector<chat_message>& conversation() const noexcept { return session_.conversation(); }
  [[nodiscard]] const std::optional<chat_request>& last_request() const noexcept { return session_.last_request(); }
  [[nodiscard]] const ta_counters& counters() const noexcept { return session_.counters(); }
  [[nodiscard]] const dialogue_gradient_options& options() const noexcept { return options_; }

 private:
  static constexpr const char* component = "gpta::dialogue_gradient";

  detail::description_turns turns_;
  ta_session session_;
  dialogue_gradient_options options_;
  std::optional<task_info> task_;
};

}  // namespace gpta
