// One conversation with the teaching assistant, as the strategies need it: build requests, parse
// replies into prefixes, send bounded corrective turns, and keep the history within a token budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gpta/llm/chat.hpp>
#include <gpta/prompt/feedback.hpp>
#include <gpta/prompt/prefix_parser.hpp>
#include <gpta/prompt/prompt_template.hpp>
#include <gpta/prompt/prompt_values.hpp>
#include <gpta/prompt/ta_settings.hpp>

namespace gpta {

namespace detail {

/// A failed answer kept in the conversation so the TA sees what it wrote: invalid UTF-8 replaced
/// (requests are JSON), control characters other than newline and tab dropped, length capped.
[[nodiscard]] inline std::string repair_for_chat(std::string_view s, std::size_t max_bytes = 2000) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && out.size() < max_bytes;) {
    const std::size_t len = utf8_sequence_length(s, i);
    const auto b = static_cast<unsigned char>(s[i]);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const bool control = (len == 1 && ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7F)) ||
                         (len == 2 && b == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0);
    if (!control) out.append(s.substr(i, len));
    i += len;
  }
  if (out.size() < s.size() && out.size() >= max_bytes) out += " [...]";
  return out;
}

}  // namespace detail

class ta_session {
 public:
  ta_session(std::string component, ta_settings settings, prompt_template correction)
      : component_(std::move(component)), settings_(std::move(settings)), correction_(std::move(correction)) {
    correction_.check_placeholders(detail::placeholder_list({detail::answer_placeholders}, {"problems"}), component_);
  }

  /// Starts a new conversation (fresh-prompt strategies do this every round). An unanswered
  /// request is abandoned: after a transport failure the caller may simply start again.
  void reset(std::vector<chat_message> messages) {
    messages_ = std::move(messages);
    pending_ = false;
  }
  /// Drops an unanswered exchange (its opening user turn and any corrective turns), so the
  /// conversation ends with the TA's last usable answer again. No-op when nothing is pending.
  void abandon() {
    if (!pending_) return;
    messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(exchange_start_), messages_.end());
    pending_ = false;
  }
  void add_user_turn(std::string content) {
    require_idle("add a turn");
    messages_.push_back({"user", std::move(content)});
  }

  /// Keep the conversation under `budget` approximate TA tokens (0 = unbounded) by dropping the
  /// oldest (assistant, user) pairs after the first user turn. The system turn and the first user
  /// turn (the task description) always stay, and roles keep alternating, which some chat
  /// templates require. The scored history travels in each feedback turn, so dropped turns lose
  /// nothing the TA needs.
  void set_conversation_budget(std::size_t budget) noexcept { conversation_budget_ = budget; }

  /// The request for `wanted` prefixes of at most `budget` (words or counter units).
  [[nodiscard]] prefix_proposal ask(std::size_t wanted, std::size_t budget) {
    require_idle("ask");
    if (messages_.empty() || messages_.back().role != "user")
      throw std::logic_error(component_ + ": a request must end with a user turn");
    wanted_ = wanted == 0 ? 1 : wanted;
    budget_ = budget;
    corrections_ = 0;
    exchange_start_ = messages_.size() - 1;
    pending_ = true;
    return prefix_proposal::ask(build_request());
  }

  /// Parses a reply: candidates, a corrective request, or (corrections used up) an exception or,
  /// when allowed, no candidates. Unparsed text never reaches the student.
  [[nodiscard]] prefix_proposal on_reply(const chat_response& reply) {
    if (!pending_) throw std::logic_error(component_ + ": received a TA reply it never asked for");
    ++counters_.replies;
    prefix_parse_result parsed;
    const prefix_parse_options po{budget_, settings_.count, 0, settings_.accept_bare_line};
    if (reply.choices.empty()) parsed.problems.push_back("the reply held no answer");
    for (std::size_t c = 0; c < reply.choices.size(); ++c) {
      prefix_parse_result one = parse_prefixes(reply.choices[c].content, po);
      for (auto& p : one.prefixes) {
        bool dup = false;
        for (const auto& q : parsed.prefixes) dup = dup || q == p;
        if (!dup && parsed.prefixes.size() < wanted_) parsed.prefixes.push_back(std::move(p));
      }
      const std::string who = reply.choices.size() > 1 ? "answer " + std::to_string(c + 1) + ": " : "";
      for (auto& p : one.problems) parsed.problems.push_back(who + p);
      if (!one.ok() && reply.choices[c].finish_reason == "length")
        parsed.problems.push_back(who + "the answer was cut off; write shorter");
    }
    if (parsed.ok()) {
      std::string turn;
      for (const auto& p : parsed.prefixes) turn += (turn.empty() ? "" : "\n") + ("<prefix>" + p + "</prefix>");
      messages_.push_back({"assistant", std::move(turn)});
      pending_ = false;
      ++counters_.replies_parsed;
      counters_.prefixes_accepted += parsed.prefixes.size();
      return prefix_proposal::ready(std::move(parsed.prefixes));
    }
    messages_.push_back(
        {"assistant", detail::repair_for_chat(reply.choices.empty() ? std::string_view{} : reply.choices[0].content)});
    if (corrections_ < settings_.max_corrections) {
      ++corrections_;
      ++counters_.corrections_sent;
      template_values v = answer_values(wanted_, budget_);
      v["problems"] = detail::repair_for_chat(parsed.summary(), 1000);
      messages_.push_back({"user", correction_.render(v)});
      return prefix_proposal::ask(build_request());
    }
    pending_ = false;
    // In round 0 the incumbent is "no prefix": the trainer starts from the empty string.
    if (settings_.keep_incumbent_when_exhausted) {
      ++counters_.exhausted;
      return prefix_proposal::none();
    }
    throw std::runtime_error(component_ + ": the teaching assistant gave no usable prefix after " +
                             std::to_string(settings_.max_corrections) +
                             " corrective turn(s); last problems: " + parsed.summary());
  }

  /// Values of the answer placeholders: n, prefix_words, answer_instruction.
  [[nodiscard]] template_values answer_values(std::size_t wanted, std::size_t budget) const {
    const bool many = wanted > 1 && settings_.mode == candidate_mode::tagged_list;
    return {{"n", std::to_string(wanted)},
            {"prefix_words", std::to_string(prefix_words(budget))},
            {"answer_instruction",
             many ? "Answer with " + std::to_string(wanted) +
                        " different prefixes, each between its own <prefix> and </prefix> tags."
                  : std::string("Answer with exactly one prefix between <prefix> and </prefix> tags.")}};
  }

  /// The length told to the TA. Words are the budget's own unit without a counter; with one
  /// (student tokens) the TA is told about 3/4 as many words, since it cannot count those tokens.
  [[nodiscard]] std::size_t prefix_words(std::size_t budget) const noexcept {
    if (!settings_.count) return budget;
    const std::size_t w = budget * 3 / 4;
    return w == 0 ? 1 : w;
  }

  [[nodiscard]] const std::vector<chat_message>& conversation() const noexcept { return messages_; }
  [[nodiscard]] const std::optional<chat_request>& last_request() const noexcept { return last_; }
  [[nodiscard]] const ta_counters& counters() const noexcept { return counters_; }
  [[nodiscard]] const ta_settings& settings() const noexcept { return settings_; }
  [[nodiscard]] bool pending() const noexcept { return pending_; }

 private:
  void require_idle(const char* what) const {
    if (pending_)
      throw std::logic_error(component_ + ": cannot " + what + " while a TA request is outstanding");
  }

  void trim() {
    if (conversation_budget_ == 0) return;
    std::size_t first_user = 0;
    while (first_user < messages_.size() && messages_[first_user].role != "user") ++first_user;
    const std::size_t head = first_user + 1;  // first droppable index
    std::size_t total = 0;
    for (const auto& m : messages_) total += approx_ta_tokens(m.content);
    // Never drop the user turn that opened the current exchange: a corrective turn needs it.
    while (total > conversation_budget_ && head + 1 < exchange_start_) {
      total -= approx_ta_tokens(messages_[head].content) + approx_ta_tokens(messages_[head + 1].content);
      messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(head),
                      messages_.begin() + static_cast<std::ptrdiff_t>(head + 2));
      counters_.turns_dropped += 2;
      exchange_start_ -= 2;
    }
  }

  chat_request build_request() {
    trim();
    chat_request r;
    r.model = settings_.model;
    r.messages = messages_;
    r.temperature = settings_.temperature;
    r.max_tokens = settings_.max_tokens;
    r.n = settings_.mode == candidate_mode::n_choices ? static_cast<int>(wanted_) : 1;
    // Unsigned arithmetic wraps instead of overflowing; the conversion back is modular in C++20.
    if (settings_.seed)
      r.seed = static_cast<std::int64_t>(static_cast<std::uint64_t>(*settings_.seed) + counters_.requests);
    ++counters_.requests;
    last_ = r;
    return r;
  }

  std::string component_;
  ta_settings settings_;
  prompt_template correction_;
  std::vector<chat_message> messages_;
  std::optional<chat_request> last_;
  ta_counters counters_;
  std::size_t conversation_budget_ = 0;
  std::size_t wanted_ = 1;
  std::size_t budget_ = 0;
  std::size_t corrections_ = 0;
  std::size_t exchange_start_ = 0;  ///< index of the user turn the current exchange began with
  bool pending_ = false;
};

}  // namespace gpta
