// A causal LM as a multiple-choice reader (RACE): it reads `prefix + question + lettered options +
// passage` and each option is scored by the log-probability of its letter as the answer; LoRA
// fine-tuning minimises the cross-entropy over the letters. Built on lm_classifier (same prompt,
// budgets, shared-prefix KV cache and adapters) with the letters A, B, ... as label words. The
// question and options come before the passage, so the length limit cuts the passage's end only.
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

#include <gpta/data/choice_example.hpp>
#include <gpta/student/lm_classifier.hpp>

namespace gpta {

struct lm_choice_reader_options {
  student::lm_prompt_options prompt = [] {
    student::lm_prompt_options p;
    p.max_length = 512;  ///< template + prefix + question + options + passage + letter
    return p;
  }();
  student::lm_tuning_options tuning;
  std::size_t num_options = 4;      ///< options per question (RACE: 4); letters A, B, ...
  std::size_t eval_batch_size = 8;  ///< questions per forward pass in predict/loss

  void validate() const {
    if (num_options < 2 || num_options > 26)
      throw std::invalid_argument("gpta::lm_choice_reader: num_options must be in [2, 26]");
    classifier().validate();
  }

  /// The classifier these options make: label word i is the letter of option i.
  [[nodiscard]] lm_classifier_options classifier() const {
    lm_classifier_options o;
    for (std::size_t i = 0; i < num_options; ++i) o.labels.push_back(option_letter(i));
    o.prompt = prompt;
    o.tuning = tuning;
    o.eval_batch_size = eval_batch_size;
    return o;
  }
};

/// What the model reads for one question: the question, its options as "A. ...", the passage.
[[nodiscard]] inline std::string lm_choice_reader_input(const choice_example& e) {
  std::string s = "Question: " + e.question + "\nOptions:\n";
  for (std::size_t i = 0; i < e.options.size(); ++i) s += option_letter(i) + ". " + e.options[i] + "\n";
  s += "Passage: " + e.article;
  return s;
}

template <class Scalar = float>
class basic_lm_choice_reader {
 public:
  using scalar_type = Scalar;
  using example_type = choice_example;
  using prediction_type = int;
  using classifier_type = basic_lm_classifier<Scalar>;
  using state_type = typename classifier_type::state_type;
  using base_type = typename classifier_type::base_type;

  basic_lm_choice_reader(std::shared_ptr<base_type> base, lm_choice_reader_options options)
      : options_((options.validate(), std::move(options))),
        model_(std::move(base), options_.classifier(), "lm_choice_reader") {}

  [[nodiscard]] static basic_lm_choice_reader from_gguf(const std::filesystem::path& gguf,
                                                        lm_choice_reader_options options) {
    return basic_lm_choice_reader(student::load_lm_base<Scalar>(gguf), std::move(options));
  }

  /// One AdamW step; the batch's mean cross-entropy over the option letters before it.
  double train_step(std::span<const choice_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::lm_choice_reader::train_step: empty batch");
    return model_.train_step(as_text(batch, true), prefix);
  }

  /// Data parallel (gpta::data_parallel_student), as lm_classifier.
  double compute_gradients(std::span<const choice_example> shard, std::string_view prefix, double weight) {
    return model_.compute_gradients(as_text(shard, true), prefix, weight);
  }
  [[nodiscard]] std::span<Scalar> gradient_buffer() noexcept { return model_.gradient_buffer(); }
  void apply_gradients() { model_.apply_gradients(); }
  [[nodiscard]] std::uint64_t parameter_hash() const noexcept { return model_.parameter_hash(); }

  /// The index of the best-scored option of each question (labels are not read).
  [[nodiscard]] std::vector<int> predict(std::span<const choice_example> batch, std::string_view prefix) const {
    return model_.predict(as_text(batch, false), prefix);
  }
  [[nodiscard]] std::pair<std::vector<int>, double> predict_with_loss(std::span<const choice_example> batch,
                                                                      std::string_view prefix) const {
    return model_.predict_with_loss(as_text(batch, true), prefix);
  }
  [[nodiscard]] double loss(std::span<const choice_example> batch, std::string_view prefix) const {
    return model_.loss(as_text(batch, true), prefix);
  }
  [[nodiscard]] std::vector<double> example_losses(std::span<const choice_example> batch, std::string_view prefix) const {
    return model_.example_losses(as_text(batch, true), prefix);
  }
  /// log p(letter of option c | prompt) for every question and option.
  [[nodiscard]] std::vector<std::vector<double>> scores(std::span<const choice_example> batch,
                                                        std::string_view prefix) const {
    return model_.scores(as_text(batch, false), prefix);
  }

  [[nodiscard]] state_type snapshot() const { return model_.snapshot(); }
  void restore(const state_type& s) { model_.restore(s); }
  void save(const std::filesystem::path& path) const { model_.save(path); }
  void load_weights(const std::filesystem::path& path) { model_.load_weights(path); }

  /// Prompt token ids the model reads for one question (inspection and tests).
  [[nodiscard]] std::vector<std::int32_t> encode(std::string_view prefix, const choice_example& e) const {
    check(e);
    return model_.encode(prefix, lm_choice_reader_input(e));
  }

  [[nodiscard]] const lm_choice_reader_options& options() const noexcept { return options_; }
  [[nodiscard]] const classifier_type& model() const noexcept { return model_; }
  [[nodiscard]] std::int64_t steps() const noexcept { return model_.steps(); }

 private:
  void check(const choice_example& e) const {
    if (e.options.size() != options_.num_options)
      throw std::invalid_argument("gpta::lm_choice_reader: question '" + e.id + "' has " +
                                  std::to_string(e.options.size()) + " options, the reader " +
                                  std::to_string(options_.num_options));
  }

  std::vector<text_example> as_text(std::span<const choice_example> batch, bool with_label) const {
    std::vector<text_example> out;
    out.reserve(batch.size());
    for (const auto& e : batch) {
      check(e);
      out.push_back({lm_choice_reader_input(e), with_label ? e.label : 0});
    }
    return out;
  }

  lm_choice_reader_options options_;
  classifier_type model_;
};

/// The Qwen2.5 0.5B (or any Qwen2-family GGUF) multiple-choice reader on the host backend.
using lm_choice_reader = basic_lm_choice_reader<>;

}  // namespace gpta
