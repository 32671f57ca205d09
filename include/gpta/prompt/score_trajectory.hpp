// Strategy `opro` (OPRO-style score trajectory): no conversation - every round one fresh prompt
// holding the scored prefixes so far in ascending order, asking for better ones.
#pragma once

#include <algorithm>
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
#include <gpta/prompt/prompt_template.hpp>
#include <gpta/prompt/prompt_values.hpp>
#include <gpta/prompt/ta_session.hpp>
#include <gpta/prompt/ta_settings.hpp>

namespace gpta {

struct score_trajectory_options {
  ta_settings ta;
  /// Empty by default: OPRO's meta-prompt is a single user turn.
  prompt_template system_template;
  prompt_template trajectory_template{std::string(default_templates::trajectory), "default trajectory template"};
  prompt_template correction_template{std::string(default_templates::correction), "default correction template"};
  std::size_t first_candidates = 1;  ///< round 0, from the description alone
  std::size_t candidates = 0;        ///< after a round; 0 = what the trainer asks (candidates_wanted)
  std::size_t max_history = 20;      ///< best prefixes kept in the prompt (OPRO keeps 20)
  std::size_t history_token_budget = 600;  ///< approximate TA tokens of the trajectory
};

class score_trajectory {
 public:
  explicit score_trajectory(score_trajectory_options options = {})
      : session_(component, options.ta, options.correction_template), options_(std::move(options)) {
    options_.system_template.check_placeholders(detail::task_placeholders, component);
    options_.trajectory_template.check_placeholders(
        detail::placeholder_list({detail::task_placeholders, detail::answer_placeholders}, {"metric", "trajectory"}),
        component);
  }

  prefix_proposal start(const task_info& task) {
    task_ = task;
    const std::size_t n = options_.first_candidates == 0 ? 1 : options_.first_candidates;
    session_.reset(messages({}, "score", n, task.prefix_token_budget));
    return session_.ask(n, task.prefix_token_budget);
  }

  prefix_proposal feedback(const round_feedback& fb) {
    if (!task_) throw std::logic_error("gpta::score_trajectory: feedback() called before start()");
    const std::size_t n = options_.candidates != 0 ? options_.candidates
                                                   : (fb.candidates_wanted == 0 ? 1 : fb.candidates_wanted);
    const std::string metric = fb.metric_name.empty() ? std::string("score") : detail::or_not_given(fb.metric_name);
    session_.reset(messages(fb.history, metric, n, fb.prefix_token_budget));
    session_.set_tried(tried_prefixes(fb));
    return session_.ask(n, fb.prefix_token_budget);
  }

  prefix_proposal on_reply(const chat_response& reply) { return session_.on_reply(reply); }
  static constexpr std::string_view id = "opro";
  static constexpr bool consults_ta = true;
  static constexpr std::string_view summary = "OPRO-style: each round a fresh TA prompt listing the scored prefixes so far";
  [[nodiscard]] std::string_view name() const noexcept { return id; }

  /// The trajectory text: the best `max_history` distinct prefixes within the token budget,
  /// printed in ascending order of score so the best sit next to the instruction (as OPRO does).
  [[nodiscard]] std::string trajectory_text(const std::vector<scored_prefix>& history) const {
    auto lines = detail::trimmed_history(history, options_.max_history, options_.history_token_budget,
                                         [](const std::string& p, const scored_prefix& h) {
                                           return "text: " + p + "\nscore: " + detail::format_fixed(h.score);
                                         });
    std::reverse(lines.begin(), lines.end());
    std::string s;
    for (const auto& l : lines) s += (s.empty() ? "" : "\n\n") + l;
    return s.empty() ? std::string("(no prefix has been scored yet)") : s;
  }

  [[nodiscard]] const std::vector<chat_message>& conversation() const noexcept { return session_.conversation(); }
  [[nodiscard]] const std::optional<chat_request>& last_request() const noexcept { return session_.last_request(); }
  [[nodiscard]] const ta_counters& counters() const noexcept { return session_.counters(); }
  [[nodiscard]] const score_trajectory_options& options() const noexcept { return options_; }

 private:
  static constexpr const char* component = "gpta::score_trajectory";

  std::vector<chat_message> messages(const std::vector<scored_prefix>& history, const std::string& metric,
                                     std::size_t n, std::size_t budget) const {
    template_values v = detail::task_values(*task_);
    for (auto& [k, val] : session_.answer_values(n, budget)) v[k] = val;
    v["metric"] = metric;
    v["trajectory"] = trajectory_text(history);
    std::vector<chat_message> m;
    if (!options_.system_template.empty()) m.push_back({"system", options_.system_template.render(v)});
    m.push_back({"user", options_.trajectory_template.render(v)});
    return m;
  }

  ta_session session_;
  score_trajectory_options options_;
  std::optional<task_info> task_;
};

}  // namespace gpta
