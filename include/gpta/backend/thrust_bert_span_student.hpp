// The span-extraction (SQuAD) BERT student with its whole network on a Thrust backend: a
// gpta::student_model over span_example that the trainer drives like bert_span_student. Windows,
// targets and decoding stay on the host (student/bert_span_windows.hpp, shared with the host
// student); encoder, start/end head, AdamW and clipping run in backend::bert_span_extractor<Backend>.
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

#if defined(__CUDACC__)
#include <gpta/backend/bert_model.cuh>
#else
#include <gpta/backend/bert_model.hpp>
#endif
#include <gpta/backend/bert_from_student.hpp>
#include <gpta/detail/fnv1a.hpp>
#include <gpta/nn/bert_checkpoint.hpp>
#include <gpta/student/bert_span_student.hpp>

namespace gpta::backend {

/// `Backend`: a thrust_backend<System>; by default the system CMake's GPTA_THRUST_DEVICE selects.
/// Same windows, targets, loss and prediction rule as gpta::bert_span_student (see there).
/// Not thread-safe: predict() and loss() reuse the model's device buffers.
template <class Backend = device_backend>
class thrust_bert_span_student {
 public:
  using example_type = span_example;
  using prediction_type = span_prediction;
  using model_type = bert_span_extractor<Backend>;
  using state_type = typename model_type::state_type;

  /// A backend copy of `host` (weights with "qa_outputs", options, tokenizer): both take the same
  /// steps from here.
  explicit thrust_bert_span_student(const bert_span_student& host, Backend be = {})
      : tokenizer_(host.tokenizer()),
        options_(host.options()),
        slots_(host.parameters().slots()),
        model_(std::make_unique<model_type>(host.config(), host.parameters(), training_options_from(host.options()),
                                            be)) {}

  /// Loads `model_dir`/{config.json, vocab.txt, model.safetensors}; the head starts fresh (as
  /// bert_span_student's).
  [[nodiscard]] static thrust_bert_span_student from_pretrained(const std::filesystem::path& model_dir,
                                                                bert_span_student_options options = {},
                                                                Backend be = {}) {
    return thrust_bert_span_student(bert_span_student::from_pretrained(model_dir, std::move(options)), be);
  }

  /// One AdamW step on the training windows of `batch`; their mean loss before the update (0, and
  /// no step, when there are none: bert_span_student::train_step).
  double train_step(std::span<const span_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::backend::thrust_bert_span_student::train_step: empty batch");
    const span_training_windows w = encode_span_training_windows(tokenizer_, batch, prefix, options_);
    unanswerable_ += w.unanswerable;
    if (w.sequences.empty()) return 0.0;
    return train_step(nn::make_bert_batch(w.sequences, tokenizer_.pad_id()), w.starts, w.ends);
  }

  /// The same step on encoded windows with their target positions (pre-tokenised data, benchmarks).
  double train_step(const nn::bert_batch& b, std::span<const int> starts, std::span<const int> ends) {
    return model_->train_step(batch_ref(b), starts, ends);
  }

  [[nodiscard]] std::uint64_t parameter_hash() const {
    const std::vector<float> v = model_->parameter_values();
    return gpta::detail::fnv1a64_values(std::span<const float>(v));
  }

  [[nodiscard]] std::vector<span_prediction> predict(std::span<const span_example> batch,
                                                     std::string_view prefix) const {
    return predict_with_loss(batch, prefix).first;
  }

  /// Predictions and mean loss from one forward pass over every window.
  [[nodiscard]] std::pair<std::vector<span_prediction>, double> predict_with_loss(std::span<const span_example> batch,
                                                                                 std::string_view prefix) const {
    const std::vector<span_encoding> encs = encode_span_examples(tokenizer_, batch, prefix, options_);
    bert_span_logits z;
    return predict_spans(batch, encs, options_, tokenizer_.pad_id(), forward_pass{*model_, z});
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
    bert_span_logits z;
    return span_example_losses(encs, options_, tokenizer_.pad_id(), forward_pass{*model_, z});
  }

  /// The windows the student reads for `e` (inspection, tests).
  [[nodiscard]] span_encoding encode(const span_example& e, std::string_view prefix) const {
    return encode_span_example(tokenizer_, prefix_pieces(tokenizer_, prefix, options_.prefix_budget), e, options_);
  }

  [[nodiscard]] state_type snapshot() const { return model_->snapshot(); }
  void restore(const state_type& s) { model_->restore(s); }

  /// Weights (encoder and head) as safetensors, atomically, in bert_span_student's layout: a host
  /// bert_span_student reads them as well as this student does.
  void save(const std::filesystem::path& path) const {
    const std::vector<float> v = model_->parameter_values();
    nn::save_flat_parameters<float>(
        slots_, v.data(), path,
        {{"format", "pt"}, {"gpta.kind", "bert_span_student"}, {"gpta.step", std::to_string(model_->steps())}});
  }

  /// Weights written by save() (or by bert_span_student::save); the optimiser state is kept.
  void load_weights(const std::filesystem::path& path) {
    std::vector<float> v = model_->parameter_values();
    (void)nn::load_flat_parameters<float>(slots_, v.data(), nn::safetensors_file::open(path), {""});
    state_type s = model_->snapshot();
    s.values.assign(v.begin(), v.end());
    model_->restore(s);
  }

  [[nodiscard]] const bert_span_student_options& options() const noexcept { return options_; }
  [[nodiscard]] const text::wordpiece_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  /// The backend model (parameters back to the host with parameter_values()/copy_parameters_to()).
  [[nodiscard]] model_type& model() noexcept { return *model_; }
  [[nodiscard]] const model_type& model() const noexcept { return *model_; }
  [[nodiscard]] std::int64_t steps() const noexcept { return model_->steps(); }
  [[nodiscard]] double last_grad_norm() const noexcept { return model_->last_grad_norm(); }
  /// Training examples whose answer no window holds (bert_span_student::unanswerable_examples).
  [[nodiscard]] std::size_t unanswerable_examples() const noexcept { return unanswerable_; }
  [[nodiscard]] static constexpr std::string_view backend_name() noexcept { return Backend::name; }

 private:
  // Inference pass for the shared window loops: logits back to the host into `out`.
  struct forward_pass {
    model_type& model;
    bert_span_logits& out;
    span_logit_rows operator()(const nn::bert_batch& b) const {
      out = model.logits(b);
      return {out.start.data(), out.end.data(), static_cast<std::size_t>(out.seq_len)};
    }
  };

  text::wordpiece_tokenizer tokenizer_;
  bert_span_student_options options_;
  std::vector<nn::tensor_slot> slots_;  ///< the host layout of the parameters (checkpoint names)
  // Held by pointer: under CUDA the model owns a cuBLAS handle and cannot move, the student can.
  // The const inference calls reuse its buffers (hence "not thread-safe" above).
  std::unique_ptr<model_type> model_;
  std::size_t unanswerable_ = 0;
};

}  // namespace gpta::backend
