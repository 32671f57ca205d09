// MiniLM (any BERT) span-extraction student for SQuAD: `[CLS] prefix question [SEP] context [SEP]`
// over overlapping context windows (bert_span_windows.hpp), word pieces mapped back to exact byte
// ranges of the context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <gpta/data/span_example.hpp>
#include <gpta/nn/bert_batch.hpp>
#include <gpta/nn/bert_config.hpp>
#include <gpta/nn/bert_heads.hpp>
#include <gpta/student/bert_fine_tuning.hpp>
#include <gpta/student/bert_span_windows.hpp>
#include <gpta/text/wordpiece.hpp>

namespace gpta {

/// The span student: a BERT encoder with a start/end head (nn::span_extraction_head, HF's
/// "qa_outputs") as a gpta::student_model over span_example, predicting span_prediction (what
/// squad_metric scores).
///
/// Targets are the first and last piece of the first gold answer that covers a piece; a
/// window that holds them trains towards them. What happens to the other windows is
/// `train_windows_without_answer`:
/// - true (the default, as BERT's run_squad and HF's run_qa): they train towards [CLS]. With
///   SQuAD's ~170-piece paragraphs nearly every example is one window, so this costs little,
///   and it is what makes scores comparable across windows: a model that only ever saw windows
///   holding the answer has no reason to be less sure of a span in a window that has none.
/// - false: only the training window of encode_span_example (the one with the most context
///   around the answer) trains; an example no window can answer is skipped by train_step.
/// An example no window can answer (no gold answer, an answer longer than a window, or one of
/// no word pieces) is counted in unanswerable_examples(). Loss of a window = (CE(start) +
/// CE(end)) / 2 over its real positions; an example's loss is the mean over its training
/// windows (false: over the training window, or the [CLS] loss of the first window when there
/// is none, so example_losses stays defined); train_step returns the mean over the batch's
/// training windows.
///
/// Prediction: the best start <= end over the context positions of every window (at most
/// max_answer_length pieces; [CLS] is never an answer, v1.1 always has one), the text cut from
/// the context at the pieces' byte offsets.
class bert_span_student {
 public:
  using scalar_type = float;
  using head_type = nn::span_extraction_head<scalar_type>;
  using example_type = span_example;
  using prediction_type = span_prediction;
  using state_type = bert_student_state<scalar_type>;

  /// A randomly initialised model of `config` (BERT's N(0, 0.02) init): tests and from-scratch runs.
  bert_span_student(const bert_config& config, text::wordpiece_tokenizer tokenizer, bert_span_student_options options)
      : bert_span_student(config, std::move(tokenizer), std::move(options), true) {}

  /// Loads `model_dir`/{config.json, vocab.txt, model.safetensors}; the head starts fresh.
  [[nodiscard]] static bert_span_student from_pretrained(const std::filesystem::path& model_dir,
                                                         bert_span_student_options options = {}) {
    bert_span_student s(load_bert_config(model_dir / "config.json"),
                        text::wordpiece_tokenizer::from_vocab_file(model_dir / "vocab.txt"), std::move(options), false);
    s.core_.load_pretrained(model_dir / "model.safetensors", s.options_.seed);
    return s;
  }

 private:
  bert_span_student(const bert_config& config, text::wordpiece_tokenizer tokenizer, bert_span_student_options options,
                    bool initialise)
      : tokenizer_(std::move(tokenizer)), options_((options.validate(), std::move(options))),
        core_(config, options_.max_length, options_.dropout, "gpta::bert_span_student") {
    head_ = head_type(core_.parameters(), core_.encoder().hidden_size());
    core_.finish(options_, initialise);
  }

 public:
  /// One AdamW step on the training windows of `batch`; their mean loss before the update. A
  /// batch without any (train_windows_without_answer false, no example answerable) takes no
  /// step and returns 0.
  double train_step(std::span<const span_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::bert_span_student::train_step: empty batch");
    const span_training_windows w = encode_span_training_windows(tokenizer_, batch, prefix, options_);
    unanswerable_ += w.unanswerable;
    if (w.sequences.empty()) return 0.0;
    return train_step(nn::make_bert_batch(w.sequences, tokenizer_.pad_id(), nn::bert_layout::packed), w.starts, w.ends);
  }

  /// The same step on encoded windows with their target positions (pre-tokenised data, benchmarks).
  double train_step(const nn::bert_batch& b, std::span<const int> starts, std::span<const int> ends) {
    if (static_cast<Eigen::Index>(starts.size()) != b.batch_size || starts.size() != ends.size())
      throw std::invalid_argument("gpta::bert_span_student::train_step: one start and end per sequence");
    const nn::dropout_context drop = core_.training_dropout(options_);
    auto& params = core_.parameters();
    params.zero_grad();
    core_.encoder().forward(b, params, drop, work_.encoder, true);
    head_.forward(work_.encoder.output(), b, params, work_.head);
    const double loss = head_type::loss(b, work_.head, starts, ends, &work_.d_start, &work_.d_end);
    head_.backward(work_.encoder.output(), b, params, work_.head, work_.d_start, work_.d_end, work_.d_hidden);
    core_.encoder().backward(b, params, drop, work_.encoder, work_.d_hidden);
    core_.step(options_);
    return loss;
  }

  /// Start and end logits [sequences x seq_len] of encoded windows, no dropout (padded positions
  /// hold the lowest float; pre-tokenised data, benchmarks).
  [[nodiscard]] std::pair<nn::row_matrix<scalar_type>, nn::row_matrix<scalar_type>> start_end_logits(
      const nn::bert_batch& b) const {
    return inference_.use([&](workspace& ws) {
      (void)forward_pass{*this, ws}(b);
      return std::pair{ws.head.start_logits, ws.head.end_logits};
    });
  }

  [[nodiscard]] std::vector<span_prediction> predict(std::span<const span_example> batch, std::string_view prefix) const {
    return predict_with_loss(batch, prefix).first;
  }

  /// Predictions and mean loss from one forward pass over every window.
  [[nodiscard]] std::pair<std::vector<span_prediction>, double> predict_with_loss(std::span<const span_example> batch,
                                                                                 std::string_view prefix) const {
    const std::vector<span_encoding> encs = encode_span_examples(tokenizer_, batch, prefix, options_);
    return inference_.use([&](workspace& ws) {
      return predict_spans(batch, encs, options_, tokenizer_.pad_id(), forward_pass{*this, ws});
    });
  }

  /// Mean loss over `batch`, no update, no dropout.
  [[nodiscard]] double loss(std::span<const span_example> batch, std::string_view prefix) const {
    if (batch.empty()) return 0.0;
    double total = 0;
    for (const double l : example_losses(batch, prefix)) total += l;
    return total / static_cast<double>(batch.size());
  }

  /// Each example's loss (the mean over its training windows), in batch order.
  [[nodiscard]] std::vector<double> example_losses(std::span<const span_example> batch, std::string_view prefix) const {
    const std::vector<span_encoding> encs = encode_span_examples(tokenizer_, batch, prefix, options_);
    return inference_.use(
        [&](workspace& ws) { return span_example_losses(encs, options_, tokenizer_.pad_id(), forward_pass{*this, ws}); });
  }

  /// The windows the student would read for `e` (inspection, tests).
  [[nodiscard]] span_encoding encode(const span_example& e, std::string_view prefix) const {
    return encode_span_example(tokenizer_, prefix_pieces(tokenizer_, prefix, options_.prefix_budget), e, options_);
  }

  [[nodiscard]] state_type snapshot() const { return core_.snapshot(); }
  void restore(const state_type& s) { core_.restore(s, "gpta::bert_span_student"); }

  /// Weights (encoder and head) as safetensors, atomically; optimiser moments stay in snapshots.
  void save(const std::filesystem::path& path) const { core_.save(path, {{"gpta.kind", "bert_span_student"}}); }
  /// Loads weights written by save().
  void load_weights(const std::filesystem::path& path) { core_.load(path); }

  [[nodiscard]] std::int64_t steps() const noexcept { return core_.steps(); }
  [[nodiscard]] double last_grad_norm() const noexcept { return core_.last_grad_norm(); }
  /// Training examples whose answer no window holds (trained towards [CLS], or skipped when
  /// train_windows_without_answer is false).
  [[nodiscard]] std::size_t unanswerable_examples() const noexcept { return unanswerable_; }
  [[nodiscard]] const bert_span_student_options& options() const noexcept { return options_; }
  [[nodiscard]] const bert_config& config() const noexcept { return core_.config(); }
  [[nodiscard]] const text::wordpiece_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  [[nodiscard]] const nn::parameter_store<scalar_type>& parameters() const noexcept { return core_.parameters(); }
  [[nodiscard]] nn::parameter_store<scalar_type>& parameters() noexcept { return core_.parameters(); }

 private:
  struct workspace {
    nn::bert_encoder_workspace<scalar_type> encoder;
    head_type::workspace head;
    nn::row_matrix<scalar_type> d_start, d_end, d_hidden;
  };

  // Inference forward pass (no dropout) for the shared window loops of bert_span_windows.hpp.
  struct forward_pass {
    const bert_span_student& self;
    workspace& ws;
    span_logit_rows operator()(const nn::bert_batch& b) const {
      self.core_.encoder().forward(b, self.core_.parameters(), nn::dropout_context{}, ws.encoder, false);
      self.head_.forward(ws.encoder.output(), b, self.core_.parameters(), ws.head);
      // Row-major [sequences x seq_len]: a sequence's logits are contiguous.
      return {ws.head.start_logits.data(), ws.head.end_logits.data(), static_cast<std::size_t>(b.seq_len)};
    }
  };

  text::wordpiece_tokenizer tokenizer_;
  bert_span_student_options options_;
  bert_fine_tuning<scalar_type> core_;
  head_type head_;
  workspace work_;
  inference_workspace<workspace> inference_;
  std::size_t unanswerable_ = 0;
};

}  // namespace gpta
