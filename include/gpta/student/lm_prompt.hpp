// How a causal-LM student sees `prefix + input`: the prompt template (ChatML user turn or plain
// text) rendered straight to token ids, with the prefix cut to its budget and the input cut to
// what the length limit leaves. Shared by every causal-LM student (classification, summaries, QA).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/text/byte_bpe.hpp>
#include <gpta/text/chat_template.hpp>

namespace gpta::student {

enum class lm_template {
  chatml,  ///< <|im_start|>system ... user: prefix \n\n input <|im_end|> <|im_start|>assistant\n answer
  plain    ///< prefix \n input \n cue answer (base models, or a raw prompt)
};

/// The registry of template names: every flag, help text and error message uses these.
inline constexpr std::string_view lm_template_names[] = {"chatml", "plain"};

[[nodiscard]] inline lm_template parse_lm_template(std::string_view name) {
  if (name == "chatml") return lm_template::chatml;
  if (name == "plain") return lm_template::plain;
  throw std::invalid_argument("gpta: template '" + std::string(name) + "' is not one of chatml|plain");
}
[[nodiscard]] inline std::string_view lm_template_name(lm_template t) noexcept {
  return t == lm_template::chatml ? "chatml" : "plain";
}

struct lm_prompt_options {
  lm_template format = lm_template::chatml;
  /// chatml: the system turn (default: the one Qwen2.5's own template inserts); nullopt: none.
  std::optional<std::string> system = std::string(text::qwen2_default_system);
  std::string cue = "Answer:";    ///< plain: written on the line after the input; the answer follows a space
  std::size_t max_length = 256;   ///< the whole sequence: template, prefix, input and answer
  std::size_t prefix_budget = 32; ///< most prefix tokens kept (the prefix's start survives)
};

/// Prompt ids for (prefix, input), with room for an answer of a given length. Prefix and input are
/// encoded as text, never as control tokens: a `<|im_end|>` inside a review stays text.
class lm_prompt {
 public:
  lm_prompt(const text::byte_bpe& tokenizer, lm_prompt_options options)
      : tok_(&tokenizer), o_(std::move(options)) {
    if (o_.format == lm_template::chatml) {
      std::string head;
      if (o_.system) head += "<|im_start|>system\n" + *o_.system + "<|im_end|>\n";
      head += "<|im_start|>user\n";
      head_ = tok_->encode(head, true);
      tail_ = tok_->encode("<|im_end|>\n<|im_start|>assistant\n", true);
      separator_ = tok_->encode("\n\n", false);
      const auto end = tok_->token_id("<|im_end|>");
      if (!end) throw std::invalid_argument("gpta::student::lm_prompt: template chatml needs <|im_end|> in the vocabulary");
      end_of_answer_ = *end;
    } else {
      separator_ = tok_->encode("\n", false);
      tail_ = tok_->encode("\n" + o_.cue, false);
      end_of_answer_ = tok_->eos();
    }
    if (o_.max_length < fixed_length() + 2)
      throw std::invalid_argument("gpta::student::lm_prompt: max_length " + std::to_string(o_.max_length) +
                                  " leaves no room for an input and an answer after the template's " +
                                  std::to_string(fixed_length()) + " tokens");
  }

  /// A prompt in two parts: `head` (template start, prefix, separator) is the same for every
  /// input under one prefix, so a batch can compute it once; `suffix` (input, template end) is
  /// the example's own. head + suffix is the whole prompt.
  struct parts {
    std::vector<std::int32_t> head, suffix;
  };

  /// The prompt (everything before the answer) for `prefix` and `input`, leaving `answer_room`
  /// tokens free under max_length. The input loses tokens from its end; it keeps at least one.
  [[nodiscard]] parts encode_parts(std::string_view prefix, std::string_view input, std::size_t answer_room) const {
    parts out{encode_head(prefix), {}};
    std::vector<std::int32_t> in = tok_->encode(input, false);
    const std::size_t used = out.head.size() + tail_.size() + answer_room;
    if (used + 1 > o_.max_length)
      throw std::invalid_argument("gpta::student::lm_prompt: an answer of " + std::to_string(answer_room) +
                                  " tokens leaves no room for the input under max_length " +
                                  std::to_string(o_.max_length));
    if (in.size() > o_.max_length - used) in.resize(o_.max_length - used);
    if (in.empty()) in = tok_->encode(" ", false);  // an empty input is still a (blank) input
    out.suffix = std::move(in);
    out.suffix.insert(out.suffix.end(), tail_.begin(), tail_.end());
    return out;
  }

  /// The shared part alone: template start, the prefix cut to its budget, the separator.
  [[nodiscard]] std::vector<std::int32_t> encode_head(std::string_view prefix) const {
    std::vector<std::int32_t> p = tok_->encode(prefix, false);
    if (p.size() > o_.prefix_budget) p.resize(o_.prefix_budget);
    std::vector<std::int32_t> out = head_;
    if (!p.empty()) {
      out.insert(out.end(), p.begin(), p.end());
      out.insert(out.end(), separator_.begin(), separator_.end());
    }
    return out;
  }

  /// The whole prompt: encode_parts() joined.
  [[nodiscard]] std::vector<std::int32_t> encode(std::string_view prefix, std::string_view input,
                                                 std::size_t answer_room) const {
    auto [head, suffix] = encode_parts(prefix, input, answer_room);
    head.insert(head.end(), suffix.begin(), suffix.end());
    return head;
  }

  /// The answer's ids as the model writes them after the prompt (plain: after a space).
  [[nodiscard]] std::vector<std::int32_t> encode_answer(std::string_view answer) const {
    std::string text;
    if (o_.format == lm_template::plain) text.push_back(' ');
    text.append(answer);
    return tok_->encode(text, false);
  }

  /// The id that ends an answer: <|im_end|> (chatml) or the tokenizer's end-of-text (plain).
  [[nodiscard]] std::int32_t end_of_answer() const noexcept { return end_of_answer_; }
  /// Template tokens around every prompt (system turn, markers, cue).
  [[nodiscard]] std::size_t fixed_length() const noexcept { return head_.size() + tail_.size(); }
  [[nodiscard]] const lm_prompt_options& options() const noexcept { return o_; }
  [[nodiscard]] const text::byte_bpe& tokenizer() const noexcept { return *tok_; }

 private:
  const text::byte_bpe* tok_;
  lm_prompt_options o_;
  std::vector<std::int32_t> head_, tail_, separator_;
  std::int32_t end_of_answer_ = -1;
};

}  // namespace gpta::student
