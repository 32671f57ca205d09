// A causal LM as a generative SQuAD reader: it reads `prefix + question + paragraph` and writes the
// answer, learning `-> answer` with LoRA (loss on the answer tokens and the end token only). Built
// on lm_summarizer (same prompt, budgets, decoding and adapters): the question comes before the
// paragraph, so the length limit cuts the paragraph's end, never the question, and the prefix
// keeps its own budget. Answers are scored by their text (squad_metric); where the answer was
// copied from the paragraph the prediction also carries its byte range there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gpta/data/span_example.hpp>
#include <gpta/student/lm_summarizer.hpp>

namespace gpta {

struct lm_span_reader_options {
  student::lm_prompt_options prompt = [] {
    student::lm_prompt_options p;
    p.max_length = 384;  ///< template + prefix + question + paragraph + answer
    return p;
  }();
  student::lm_tuning_options tuning;
  std::size_t answer_tokens = 32;  ///< most answer tokens trained on and written (SQuAD answers are short)
  std::size_t beams = 1;           ///< 1: greedy
  std::size_t prefill_batch = 4;   ///< prompts read per prefill pass when a batch is decoded

  void validate() const {
    if (answer_tokens == 0) throw std::invalid_argument("gpta::lm_span_reader: answer_tokens must be > 0");
    summarizer().validate();
  }

  /// The summariser these options make, without the repetition guard (an answer of a few words
  /// may repeat a word on purpose: "New York, New York").
  [[nodiscard]] lm_summarizer_options summarizer() const {
    lm_summarizer_options o;
    o.prompt = prompt;
    o.tuning = tuning;
    o.summary_tokens = answer_tokens;
    o.beams = beams;
    o.no_repeat_ngram = 0;
    o.prefill_batch = prefill_batch;
    return o;
  }
};

/// What the model reads for one question: the question, then its paragraph.
[[nodiscard]] inline std::string lm_span_reader_input(const span_example& e) {
  return "Question: " + e.question + "\nParagraph: " + e.context;
}

/// `text` as a prediction over `context`: its byte range where it occurs there verbatim (first
/// occurrence), else the empty range at the context's end.
[[nodiscard]] inline span_prediction locate_answer(std::string text, std::string_view context) {
  span_prediction p;
  const std::size_t at = text.empty() ? std::string_view::npos : context.find(text);
  p.start = at == std::string_view::npos ? context.size() : at;
  p.end = at == std::string_view::npos ? context.size() : at + text.size();
  p.text = std::move(text);
  return p;
}

template <class Scalar = float>
class basic_lm_span_reader {
 public:
  using scalar_type = Scalar;
  using example_type = span_example;
  using prediction_type = span_prediction;
  using summarizer_type = basic_lm_summarizer<Scalar>;
  using state_type = typename summarizer_type::state_type;
  using base_type = typename summarizer_type::base_type;

  basic_lm_span_reader(std::shared_ptr<base_type> base, lm_span_reader_options options)
      : options_((options.validate(), std::move(options))),
        model_(std::move(base), options_.summarizer(), "lm_span_reader") {}

  [[nodiscard]] static basic_lm_span_reader from_gguf(const std::filesystem::path& gguf, lm_span_reader_options options) {
    return basic_lm_span_reader(student::load_lm_base<Scalar>(gguf), std::move(options));
  }

  /// One AdamW step on the first gold answer of each question; the mean cross-entropy per answer
  /// token before it.
  double train_step(std::span<const span_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::lm_span_reader::train_step: empty batch");
    const auto q = as_seq2seq(batch, true);
    return model_.train_step(q, prefix);
  }

  /// The answer the model writes for each question (decoded together, greedy or beam).
  [[nodiscard]] std::vector<span_prediction> predict(std::span<const span_example> batch, std::string_view prefix) const {
    const auto q = as_seq2seq(batch, false);
    std::vector<std::string> texts = model_.predict(q, prefix);
    std::vector<span_prediction> out;
    out.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) out.push_back(locate_answer(std::move(texts[i]), batch[i].context));
    return out;
  }

  /// Mean cross-entropy per answer token (teacher forcing on the first gold answer).
  [[nodiscard]] double loss(std::span<const span_example> batch, std::string_view prefix) const {
    return model_.loss(as_seq2seq(batch, true), prefix);
  }
  [[nodiscard]] std::vector<double> example_losses(std::span<const span_example> batch, std::string_view prefix) const {
    return model_.example_losses(as_seq2seq(batch, true), prefix);
  }

  [[nodiscard]] state_type snapshot() const { return model_.snapshot(); }
  void restore(const state_type& s) { model_.restore(s); }
  void save(const std::filesystem::path& path) const { model_.save(path); }
  void load_weights(const std::filesystem::path& path) { model_.load_weights(path); }

  /// The training sequence of one question (prompt, answer, end token) and where the answer starts.
  [[nodiscard]] std::pair<std::vector<std::int32_t>, std::size_t> encode(std::string_view prefix,
                                                                         const span_example& e) const {
    return model_.encode(prefix, as_seq2seq(std::span<const span_example>(&e, 1), true).front());
  }

  [[nodiscard]] const lm_span_reader_options& options() const noexcept { return options_; }
  [[nodiscard]] const summarizer_type& model() const noexcept { return model_; }
  [[nodiscard]] std::int64_t steps() const noexcept { return model_.steps(); }

 private:
  static std::vector<seq2seq_example> as_seq2seq(std::span<const span_example> batch, bool with_answer) {
    std::vector<seq2seq_example> out;
    out.reserve(batch.size());
    for (const auto& e : batch) {
      seq2seq_example s{e.id, lm_span_reader_input(e), {}};
      if (with_answer) {
        if (e.answers.empty())
          throw std::invalid_argument("gpta::lm_span_reader: question '" + e.id + "' has no gold answer");
        s.references.push_back(e.answers.front().text);
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  lm_span_reader_options options_;
  summarizer_type model_;
};

/// The Qwen2.5 0.5B (or any Qwen2-family GGUF) generative SQuAD reader on the host backend.
using lm_span_reader = basic_lm_span_reader<>;

}  // namespace gpta
