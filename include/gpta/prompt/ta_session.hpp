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

#include <gpta/core/chat.hpp>
#include <gpta/core/feedback.hpp>
#include <gpta/prompt/answer_checks.hpp>
#include <gpta/prompt/prefix_parser.hpp>
#include <gpta/prompt/prompt_template.hpp>
#include <gpta/prompt/prompt_values.hpp>
#include <gpta/prompt/structured_answer.hpp>
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

  /// Prefixes already tried (e.g. the scored history): a candidate equal to one of them, or to a
  /// prefix this session handed out before, under normalize_for_comparison, is a duplicate.
  void set_tried(std::vector<std::string> tried) { tried_ = std::move(tried); }

  /// The request for `wanted` prefixes of at most `budget` (words or counter units).
  [[nodiscard]] prefix_proposal ask(std::size_t wanted, std::size_t budget) {
    require_idle("ask");
    if (messages_.empty() || messages_.back().role != "user")
      throw std::logic_error(component_ + ": a request must end with a user turn");
    wanted_ = wanted == 0 ? 1 : wanted;
    budget_ = budget;
    corrections_ = 0;
    exchange_start_ = messages_.size() - 1;
    collected_.clear();
    over_budget_items_.clear();
    prompt_text_.clear();
    system_text_.clear();
    for (const auto& m : messages_)
      if (m.role == "system") system_text_ += m.content + "\n";
    prompt_text_ = system_text_ + messages_.back().content;
    pending_ = true;
    return prefix_proposal::ask(build_request());
  }

  /// Reads a reply: each answer as the structured list, else through the tag parser; keeps the
  /// usable new prefixes, and asks again (bounded corrective turns) while fewer than wanted came.
  /// When the turns are used up it goes on with what it has; with nothing, over-long items are
  /// cut to the budget (counted as repaired), and failing that it throws or, when allowed,
  /// returns no candidates. Unchecked text never reaches the student.
  [[nodiscard]] prefix_proposal on_reply(const chat_response& reply) {
    if (!pending_) throw std::logic_error(component_ + ": received a TA reply it never asked for");
    ++counters_.replies;
    std::vector<std::string> problems;
    if (reply.choices.empty()) problems.push_back("the reply held no answer");
    const std::size_t before = collected_.size();
    for (std::size_t c = 0; c < reply.choices.size(); ++c) {
      const std::string who = reply.choices.size() > 1 ? "answer " + std::to_string(c + 1) + ": " : "";
      const std::size_t usable = read_answer(reply.choices[c].content, who, problems);
      ++counters_.answers;
      if (usable > 0) ++counters_.answers_usable;
      if (usable == 0 && reply.choices[c].finish_reason == "length")
        problems.push_back(who + "the answer was cut off; write shorter");
    }
    if (collected_.size() > before) ++counters_.replies_parsed;
    const bool enough = collected_.size() >= wanted_ || (!collected_.empty() && !settings_.refill_candidates);
    const bool can_ask = corrections_ < settings_.max_corrections;
    if (!enough && can_ask) {
      messages_.push_back({"assistant", detail::repair_for_chat(
                                            reply.choices.empty() ? std::string_view{} : reply.choices[0].content)});
      ++corrections_;
      ++counters_.corrections_sent;
      const std::size_t missing = wanted_ - collected_.size();
      template_values v = answer_values(missing, budget_);
      std::string text;
      for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
      if (text.empty()) text = "it held fewer prefixes than asked for";
      if (!collected_.empty())
        text += " (" + std::to_string(collected_.size()) + " usable so far; " + std::to_string(missing) +
                " more needed, different from those)";
      v["problems"] = detail::repair_for_chat(text, 1000);
      messages_.push_back({"user", correction_.render(v)});
      return prefix_proposal::ask(build_request(missing));
    }
    pending_ = false;
    if (collected_.empty()) {
      // Small TAs often lengthen the incumbent: its first sentence alone would only repeat it,
      // so a word-boundary cut that keeps the new part is tried when the sentence cut is a repeat.
      const auto is_new = [&](const std::string& c) {
        return !c.empty() && !is_repeat(c, collected_) && !is_repeat(c, tried_) && !is_repeat(c, proposed_);
      };
      for (const auto& item : over_budget_items_) {
        std::string cut = cut_to_budget(item, budget_, settings_.count, cut_at::sentence);
        if (!is_new(cut)) cut = cut_to_budget(item, budget_, settings_.count, cut_at::word);
        if (!is_new(cut)) continue;
        collected_.push_back(std::move(cut));
        ++counters_.repaired;
        if (collected_.size() >= wanted_) break;
      }
    }
    if (!collected_.empty()) {
      messages_.push_back({"assistant", render_answer(collected_)});
      counters_.prefixes_accepted += collected_.size();
      proposed_.insert(proposed_.end(), collected_.begin(), collected_.end());
      return prefix_proposal::ready(std::move(collected_));
    }
    messages_.push_back(
        {"assistant", detail::repair_for_chat(reply.choices.empty() ? std::string_view{} : reply.choices[0].content)});
    std::string summary;
    for (const auto& p : problems) summary += (summary.empty() ? "" : "; ") + p;
    // In round 0 the incumbent is "no prefix": the trainer starts from the empty string.
    if (settings_.keep_incumbent_when_exhausted) {
      ++counters_.exhausted;
      last_failure_ = summary;
      return prefix_proposal::none();
    }
    throw std::runtime_error(component_ + ": the teaching assistant gave no usable prefix after " +
                             std::to_string(settings_.max_corrections) +
                             " corrective turn(s); last problems: " + summary);
  }

  /// Why the last exchange that ended without a prefix failed (the problems the TA was told).
  [[nodiscard]] const std::string& last_failure() const noexcept { return last_failure_; }

  /// Values of the answer placeholders: n, prefix_words, answer_instruction.
  [[nodiscard]] template_values answer_values(std::size_t wanted, std::size_t budget) const {
    const bool many = wanted > 1 && settings_.mode == candidate_mode::tagged_list;
    std::string instruction;
    if (settings_.structured_output) {
      const std::size_t n = many ? wanted : 1;
      instruction = "Answer with JSON only, in this shape: {\"prefixes\": [" +
                    std::string(n > 1 ? "\"first instruction\", \"second instruction\"" : "\"the instruction\"") +
                    "]}, holding exactly " + std::to_string(n) + (n > 1 ? " different instructions." : " instruction.");
    } else {
      instruction = many ? "Answer with " + std::to_string(wanted) +
                               " different prefixes, each between its own <prefix> and </prefix> tags."
                         : std::string("Answer with exactly one prefix between <prefix> and </prefix> tags.");
    }
    return {{"n", std::to_string(wanted)},
            {"prefix_words", std::to_string(prefix_words(budget))},
            {"answer_instruction", std::move(instruction)}};
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

  /// Checks one answer's items and keeps the usable new ones; returns how many it kept.
  std::size_t read_answer(std::string_view content, const std::string& who, std::vector<std::string>& problems) {
    std::vector<std::string> items;
    bool checked_text = false;  // the tag parser has already validated UTF-8 and cleaned the text
    if (structured_answer sa = parse_structured_answer(content); sa.structured) {
      ++counters_.schema_answers;
      items = std::move(sa.items);
      for (auto& p : sa.problems) problems.push_back(who + p);
    } else {
      ++counters_.fallback_answers;
      const prefix_parse_options po{0, settings_.count, 0, settings_.accept_bare_line};
      prefix_parse_result parsed = parse_prefixes(content, po);
      items = std::move(parsed.prefixes);
      for (auto& p : parsed.problems) problems.push_back(who + p);
      checked_text = true;
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string which = who + "prefix " + std::to_string(i + 1);
      if (!checked_text) {
        if (const std::size_t bad = data::utf8_invalid_offset(items[i]); bad != std::string::npos) {
          problems.push_back(which + " is not valid UTF-8 (byte " + std::to_string(bad) + ")");
          ++counters_.unusable;
          continue;
        }
      }
      std::string clean = sanitize_prefix(items[i]);
      if (clean.empty() || !detail::has_word_character(clean)) {
        problems.push_back(which + " is empty");
        ++counters_.unusable;
        continue;
      }
      if (is_repeat(clean, collected_) || is_repeat(clean, tried_) || is_repeat(clean, proposed_)) {
        problems.push_back(which + " repeats a prefix already tried");
        ++counters_.duplicates;
        continue;
      }
      if (auto why = unusable_reason(clean, prompt_text_, system_text_)) {
        problems.push_back(which + " is unusable: " + *why + " (\"" + clean.substr(0, 80) + "\")");
        ++counters_.unusable;
        continue;
      }
      const std::size_t length = measure_prefix(clean, settings_.count);
      if (budget_ != 0 && length > budget_) {
        problems.push_back(which + " has " + std::to_string(length) + (settings_.count ? " tokens" : " words") +
                           ", more than the limit of " + std::to_string(budget_));
        ++counters_.over_budget;
        over_budget_items_.push_back(std::move(clean));
        continue;
      }
      if (collected_.size() >= wanted_) continue;
      collected_.push_back(std::move(clean));
      ++kept;
    }
    return kept;
  }

  /// The assistant turn kept in the conversation for a usable answer: the prefixes alone, in the
  /// form the TA was asked for, so later turns show it a clean example of its own answer.
  [[nodiscard]] std::string render_answer(const std::vector<std::string>& prefixes) const {
    if (settings_.structured_output) {
      boost::json::array a;
      for (const auto& p : prefixes) a.emplace_back(p);
      return boost::json::serialize(boost::json::object{{"prefixes", std::move(a)}});
    }
    std::string turn;
    for (const auto& p : prefixes) turn += (turn.empty() ? "" : "\n") + ("<prefix>" + p + "</prefix>");
    return turn;
  }

  chat_request build_request(std::size_t asked = 0) {
    trim();
    if (asked == 0) asked = wanted_;
    chat_request r;
    r.model = settings_.model;
    r.messages = messages_;
    r.temperature = settings_.temperature;
    r.max_tokens = settings_.max_tokens;
    const bool choices = settings_.mode == candidate_mode::n_choices;
    r.n = choices ? static_cast<int>(asked) : 1;
    if (settings_.structured_output) {
      const std::size_t chars = settings_.max_prefix_chars != 0 ? settings_.max_prefix_chars
                                : budget_ != 0                  ? prefix_words(budget_) * 6 + 16
                                                                : 0;
      r.format = prefixes_schema(choices ? 1 : asked, chars);
    }
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
  std::vector<std::string> collected_;          ///< usable new prefixes of the current exchange
  std::vector<std::string> over_budget_items_;  ///< refused for length: repaired if nothing else comes
  std::vector<std::string> tried_;              ///< set by the strategy (scored history)
  std::vector<std::string> proposed_;           ///< every prefix this session handed out
  std::string prompt_text_;                     ///< system + opening user turn: what an echo copies
  std::string system_text_;                     ///< the system turns: what a restatement paraphrases
  std::string last_failure_;
  std::size_t exchange_start_ = 0;  ///< index of the user turn the current exchange began with
  bool pending_ = false;
};

}  // namespace gpta
