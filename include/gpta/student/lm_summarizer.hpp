// A causal LM as a summariser: learns `prefix + document -> summary` with LoRA (loss on the summary
// tokens and the end-of-answer token only), and writes summaries by greedy or beam decoding. The
// document is cut from its end to fit; the prefix keeps its own budget and is never cut for it.
#pragma once

#include <algorithm>
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

#include <gpta/data/seq2seq_example.hpp>
#include <gpta/nn/qwen2/generate.hpp>
#include <gpta/student/lm_prompt.hpp>
#include <gpta/student/lm_tuner.hpp>

namespace gpta {

struct lm_summarizer_options {
  student::lm_prompt_options prompt = [] {
    student::lm_prompt_options p;
    p.max_length = 640;  ///< template + prefix + document + summary
    return p;
  }();
  student::lm_tuning_options tuning;
  /// Most summary tokens: the reference is cut to this many for training, and decoding writes at
  /// most this many. The document gets what max_length leaves after it.
  std::size_t summary_tokens = 96;
  std::size_t min_summary_tokens = 0;
  std::size_t beams = 1;             ///< 1: greedy
  double length_penalty = 1.0;
  std::size_t no_repeat_ngram = 3;   ///< the repetition guard (0 = off)
  std::size_t prefill_batch = 4;     ///< prompts read per prefill pass when a batch is decoded

  void validate() const {
    if (summary_tokens == 0) throw std::invalid_argument("gpta::lm_summarizer: summary_tokens must be > 0");
    if (prefill_batch == 0) throw std::invalid_argument("gpta::lm_summarizer: prefill_batch must be > 0");
    tuning.validate();
    generation().validate();
  }

  [[nodiscard]] nn::generation_options generation() const {
    nn::generation_options g;
    g.max_new_tokens = summary_tokens + 1;  // the end-of-answer token included
    g.min_new_tokens = std::min(min_summary_tokens, summary_tokens);
    g.beams = beams;
    g.length_penalty = length_penalty;
    g.no_repeat_ngram = no_repeat_ngram;
    return g;
  }
};

template <class Scalar = float>
class basic_lm_summarizer {
 public:
  using scalar_type = Scalar;
  using example_type = seq2seq_example;
  using prediction_type = std::string;
  using state_type = student::lm_adapter_state<Scalar>;
  using base_type = student::lm_base_model<Scalar>;

  /// `kind`: the name save() writes as gpta.kind and load_weights() requires (students built on
  /// this one, such as lm_span_reader, save under their own name).
  basic_lm_summarizer(std::shared_ptr<base_type> base, lm_summarizer_options options,
                      std::string kind = "lm_summarizer")
      : kind_(std::move(kind)),
        options_((options.validate(), std::move(options))),
        tuner_(std::move(base), options_.tuning),
        prompt_(tuner_.base().tokenizer, options_.prompt) {
    stop_ = {prompt_.end_of_answer()};
    if (const auto eos = tuner_.base().tokenizer.eos(); eos >= 0 && eos != stop_[0]) stop_.push_back(eos);
  }

  [[nodiscard]] static basic_lm_summarizer from_gguf(const std::filesystem::path& gguf, lm_summarizer_options options) {
    return basic_lm_summarizer(student::load_lm_base<Scalar>(gguf), std::move(options));
  }

  /// One AdamW step; the batch's mean cross-entropy per summary token before it.
  double train_step(std::span<const seq2seq_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::lm_summarizer::train_step: empty batch");
    const auto q = build(batch, prefix);
    return tuner_.step([&](auto& decoder, auto& adapters, const nn::dropout_context& drop) {
      return decoder.loss_and_grad(q.first, q.second, adapters, drop);
    });
  }

  /// A summary per document, decoded after its prompt (end token removed). The documents of the
  /// batch are decoded together (nn::generate_batch): one pass per step for all of them.
  [[nodiscard]] std::vector<std::string> predict(std::span<const seq2seq_example> batch, std::string_view prefix) const {
    std::vector<std::vector<std::int32_t>> prompts;
    prompts.reserve(batch.size());
    for (const auto& e : batch) prompts.push_back(prompt_.encode(prefix, e.source, options_.summary_tokens + 1));
    const auto g = generation();
    auto ids = tuner_.with_model([&](auto& decoder, const auto& adapters) {
      return nn::generate_batch(decoder, prompts, g, &adapters, options_.prefill_batch);
    });
    std::vector<std::string> out;
    out.reserve(batch.size());
    for (auto& x : ids) {
      if (!x.empty() && g.is_stop(x.back())) x.pop_back();
      out.push_back(tuner_.base().tokenizer.decode(x));
    }
    return out;
  }

  /// Mean cross-entropy per summary token over the batch (teacher forcing on the first reference).
  [[nodiscard]] double loss(std::span<const seq2seq_example> batch, std::string_view prefix) const {
    if (batch.empty()) return 0.0;
    const auto q = build(batch, prefix);
    return tuner_.with_model([&](auto& decoder, const auto& adapters) { return decoder.loss(q.first, q.second, &adapters); });
  }

  /// Each document's mean cross-entropy per summary token, in batch order.
  [[nodiscard]] std::vector<double> example_losses(std::span<const seq2seq_example> batch, std::string_view prefix) const {
    std::vector<double> out;
    if (batch.empty()) return out;
    const auto q = build(batch, prefix);
    const auto logp = tuner_.with_model(
        [&](auto& decoder, const auto& adapters) { return decoder.log_probs(q.first, q.second, &adapters); });
    std::size_t k = 0;
    for (const auto& t : q.second) {
      double s = 0;
      for (std::size_t j = 0; j < t.size(); ++j) s -= logp[k++];
      out.push_back(s / static_cast<double>(t.size()));
    }
    return out;
  }

  [[nodiscard]] state_type snapshot() const { return tuner_.snapshot(); }
  void restore(const state_type& s) { tuner_.restore(s); }

  /// The adapters, their optimiser state and step, tied to the base file by its hash (atomically).
  void save(const std::filesystem::path& path) const {
    tuner_.save(path, {{"format", "pt"}, {"gpta.kind", kind_}});
  }
  /// Adapters from a file save() wrote on this base; this summariser's options stay.
  void load_weights(const std::filesystem::path& path) {
    const auto f = nn::safetensors_file::open(path);
    student::check_saved_kind(f, kind_);
    tuner_.load(f);
  }

  [[nodiscard]] nn::generation_options generation() const {
    auto g = options_.generation();
    g.stop = stop_;
    return g;
  }
  [[nodiscard]] const lm_summarizer_options& options() const noexcept { return options_; }
  [[nodiscard]] const student::lm_prompt& prompt() const noexcept { return prompt_; }
  [[nodiscard]] const student::lm_tuner<Scalar>& tuner() const noexcept { return tuner_; }
  [[nodiscard]] std::int64_t steps() const noexcept { return tuner_.steps(); }

  /// The training sequence of one example: prompt, then the summary cut to its budget and the
  /// end-of-answer token; `first` is where the summary starts.
  [[nodiscard]] std::pair<std::vector<std::int32_t>, std::size_t> encode(std::string_view prefix,
                                                                         const seq2seq_example& e) const {
    if (e.references.empty())
      throw std::invalid_argument("gpta::lm_summarizer: example '" + e.id + "' has no reference summary");
    auto target = prompt_.encode_answer(e.references.front());
    if (target.size() > options_.summary_tokens) target.resize(options_.summary_tokens);
    target.push_back(prompt_.end_of_answer());
    auto seq = prompt_.encode(prefix, e.source, target.size());
    const std::size_t first = seq.size();
    seq.insert(seq.end(), target.begin(), target.end());
    return {std::move(seq), first};
  }

 private:
  std::pair<nn::qwen2_sequences, nn::qwen2_targets> build(std::span<const seq2seq_example> batch,
                                                          std::string_view prefix) const {
    std::pair<nn::qwen2_sequences, nn::qwen2_targets> q;
    for (const auto& e : batch) {
      auto [seq, first] = encode(prefix, e);
      q.second.push_back(nn::qwen2_next_token_targets(seq, first));
      seq.pop_back();  // the last token is only predicted
      q.first.push_back(std::move(seq));
    }
    return q;
  }

  std::string kind_;
  lm_summarizer_options options_;
  student::lm_tuner<Scalar> tuner_;
  student::lm_prompt prompt_;
  std::vector<std::int32_t> stop_;
};

/// The Qwen2.5 0.5B (or any Qwen2-family GGUF) summariser on the host backend.
using lm_summarizer = basic_lm_summarizer<>;

}  // namespace gpta
