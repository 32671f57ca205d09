// Strategy `description`: round 0 only - the teaching assistant writes one prefix from the user's
// description of the task (GPTA_METHOD step 1); the incumbent is kept after every round.
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
#include <gpta/prompt/prompt_template.hpp>
#include <gpta/prompt/prompt_values.hpp>
#include <gpta/prompt/ta_session.hpp>
#include <gpta/prompt/ta_settings.hpp>

namespace gpta {

struct description_prefix_options {
  ta_settings ta;
  /// Empty: no system turn.
  prompt_template system_template{std::string(default_templates::system), "default system template"};
  prompt_template description_template{std::string(default_templates::description), "default description template"};
  prompt_template correction_template{std::string(default_templates::correction), "default correction template"};
  /// Shown to the TA verbatim, one line each. Every exemplar is a training example exposed to
  /// the TA, so their number is capped by `max_exemplars` (the user's exposure policy, k).
  std::vector<std::string> exemplars;
  std::size_t max_exemplars = 0;
  /// Prefixes asked for in round 0 (more than one: the trainer picks by probe).
  std::size_t candidates = 1;
};

namespace detail {

/// Round 0's conversation: [system,] user(description). Shared with dialogue_gradient.
struct description_turns {
  prompt_template system;
  prompt_template description;
  std::vector<std::string> exemplars;

  description_turns(prompt_template s, prompt_template d, std::vector<std::string> e, std::size_t max_exemplars,
                    std::string_view component)
      : system(std::move(s)), description(std::move(d)), exemplars(std::move(e)) {
    if (exemplars.size() > max_exemplars)
      throw std::invalid_argument(std::string(component) + ": " + std::to_string(exemplars.size()) +
                                  " exemplars given but max_exemplars is " + std::to_string(max_exemplars) +
                                  " (each exemplar exposes a training example to the teaching assistant)");
    system.check_placeholders(placeholder_list({}, {"task_name", "domain", "task_type", "answer_guidance"}), component);
    description.check_placeholders(placeholder_list({task_placeholders, answer_placeholders}, {"exemplars"}),
                                   component);
  }

  [[nodiscard]] std::vector<chat_message> render(const task_info& task, const template_values& answer) const {
    template_values v = task_values(task);
    v.insert(answer.begin(), answer.end());
    v["exemplars"] = exemplar_block(exemplars);
    std::vector<chat_message> m;
    if (!system.empty()) m.push_back({"system", system.render(v)});
    m.push_back({"user", description.render(v)});
    return m;
  }
};

}  // namespace detail

class description_prefix {
 public:
  explicit description_prefix(description_prefix_options options = {})
      : turns_(options.system_template, options.description_template, options.exemplars, options.max_exemplars,
               "gpta::description_prefix"),
        session_("gpta::description_prefix", options.ta, options.correction_template),
        options_(std::move(options)) {}

  prefix_proposal start(const task_info& task) {
    const std::size_t n = options_.candidates == 0 ? 1 : options_.candidates;
    session_.reset(turns_.render(task, session_.answer_values(n, task.prefix_token_budget)));
    return session_.ask(n, task.prefix_token_budget);
  }
  /// Description only: the TA is not consulted again, the incumbent stays.
  prefix_proposal feedback(const round_feedback&) { return prefix_proposal::none(); }
  prefix_proposal on_reply(const chat_response& reply) { return session_.on_reply(reply); }
  static constexpr std::string_view id = "description";
  static constexpr bool consults_ta = true;
  static constexpr std::string_view summary = "the TA writes one prefix from the task description, never revised";
  [[nodiscard]] std::string_view name() const noexcept { return id; }

  [[nodiscard]] const std::vector<chat_message>& conversation() const noexcept { return session_.conversation(); }
  [[nodiscard]] const std::optional<chat_request>& last_request() const noexcept { return session_.last_request(); }
  [[nodiscard]] const ta_counters& counters() const noexcept { return session_.counters(); }
  [[nodiscard]] const description_prefix_options& options() const noexcept { return options_; }

 private:
  detail::description_turns turns_;
  ta_session session_;
  description_prefix_options options_;
};

}  // namespace gpta
