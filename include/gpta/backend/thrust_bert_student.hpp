// The pretrained BERT student with its whole network on a Thrust backend: a gpta::student_model
// that the trainer drives like bert_student. Tokenisation stays on the host (shared with
// bert_student); encoder, head, AdamW and clipping run in backend::bert_classifier<Backend>.
// Host translation units get the CPP/OMP products (Eigen), .cu files the cuBLAS ones.
#pragma once

#include <algorithm>
#include <cmath>
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
#include <gpta/student/bert_student.hpp>

namespace gpta::backend {

/// `Backend`: a thrust_backend<System>; by default the system CMake's GPTA_THRUST_DEVICE selects.
/// Not thread-safe: predict() and loss() reuse the model's device buffers.
template <class Backend = device_backend>
class thrust_bert_student {
 public:
  using example_type = text_example;
  using prediction_type = int;
  using model_type = bert_classifier<Backend>;
  using state_type = typename model_type::state_type;

  /// A backend copy of `host` (weights, head, options, tokenizer): both take the same steps from here.
  explicit thrust_bert_student(const bert_student& host, Backend be = {})
      : tokenizer_(host.tokenizer()),
        options_(host.options()),
        slots_(host.parameters().slots()),
        model_(std::make_unique<model_type>(host.config(), host.parameters(), classifier_options_from(host.options()),
                                            be)) {}

  /// Loads `model_dir`/{config.json, vocab.txt, model.safetensors}; the head starts fresh (as bert_student's).
  [[nodiscard]] static thrust_bert_student from_pretrained(const std::filesystem::path& model_dir,
                                                           bert_student_options options = {}, Backend be = {}) {
    return thrust_bert_student(bert_student::from_pretrained(model_dir, std::move(options)), be);
  }

  double train_step(std::span<const text_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::backend::thrust_bert_student::train_step: empty batch");
    const auto labels = checked_labels(batch, options_.num_labels, "gpta::backend::thrust_bert_student::train_step");
    return model_->train_step(encode(batch, prefix), std::span<const int>(labels));
  }

  /// Data parallel (gpta::data_parallel_student), on systems whose memory the host reads (CPP,
  /// OMP); the gradient buffer is the backend's own, summed in place.
  double compute_gradients(std::span<const text_example> shard, std::string_view prefix, double weight)
    requires Backend::host_accessible
  {
    if (shard.empty()) {
      model_->zero_gradients();
      return 0.0;
    }
    const auto labels = checked_labels(shard, options_.num_labels, "gpta::backend::thrust_bert_student::train_step");
    return model_->compute_gradients(batch_ref(encode(shard, prefix)), std::span<const int>(labels), weight);
  }
  [[nodiscard]] std::span<float> gradient_buffer() noexcept
    requires Backend::host_accessible
  {
    return model_->gradient_buffer();
  }
  void apply_gradients() { model_->apply_gradients(); }
  [[nodiscard]] std::uint64_t parameter_hash() const {
    const std::vector<float> v = model_->parameter_values();
    return gpta::detail::fnv1a64_values(std::span<const float>(v));
  }

  /// Predictions (labels of `batch` are not read).
  [[nodiscard]] std::vector<int> predict(std::span<const text_example> batch, std::string_view prefix) const {
    return infer(batch, prefix, nullptr).first;
  }

  /// Mean cross-entropy over `batch`, no update, no dropout.
  [[nodiscard]] double loss(std::span<const text_example> batch, std::string_view prefix) const {
    return predict_with_loss(batch, prefix).second;
  }

  /// Predictions and mean cross-entropy from one inference pass.
  [[nodiscard]] std::pair<std::vector<int>, double> predict_with_loss(std::span<const text_example> batch,
                                                                      std::string_view prefix) const {
    const auto labels = checked_labels(batch, options_.num_labels, "gpta::backend::thrust_bert_student::loss");
    return infer(batch, prefix, &labels);
  }

  /// Cross-entropy of each example, in batch order (paired probe comparisons need them).
  [[nodiscard]] std::vector<double> example_losses(std::span<const text_example> batch, std::string_view prefix) const {
    const auto labels = checked_labels(batch, options_.num_labels, "gpta::backend::thrust_bert_student::loss");
    std::vector<double> losses(batch.size());
    (void)infer(batch, prefix, &labels, &losses);
    return losses;
  }

  [[nodiscard]] state_type snapshot() const { return model_->snapshot(); }
  void restore(const state_type& s) { model_->restore(s); }

  /// Weights (encoder and head) as safetensors, atomically, in bert_student's layout: a host
  /// bert_student reads them as well as this student does.
  void save(const std::filesystem::path& path) const {
    const std::vector<float> v = model_->parameter_values();
    nn::save_flat_parameters<float>(slots_, v.data(), path,
                                    {{"format", "pt"},
                                     {"gpta.kind", "bert_student"},
                                     {"gpta.num_labels", std::to_string(options_.num_labels)},
                                     {"gpta.step", std::to_string(model_->steps())}});
  }

  /// Weights written by save() (or by bert_student::save); the optimiser state is kept.
  void load_weights(const std::filesystem::path& path) {
    std::vector<float> v = model_->parameter_values();
    (void)nn::load_flat_parameters<float>(slots_, v.data(), nn::safetensors_file::open(path), {""});
    state_type s = model_->snapshot();
    s.values.assign(v.begin(), v.end());
    model_->restore(s);
  }

  [[nodiscard]] nn::bert_batch encode(std::span<const text_example> batch, std::string_view prefix) const {
    return encode_text_batch(tokenizer_, batch, prefix, options_.max_length, options_.prefix_budget);
  }
  [[nodiscard]] const bert_student_options& options() const noexcept { return options_; }
  [[nodiscard]] const text::wordpiece_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  /// The backend model (parameters back to the host with parameter_values()/copy_parameters_to()).
  [[nodiscard]] model_type& model() noexcept { return *model_; }
  [[nodiscard]] const model_type& model() const noexcept { return *model_; }
  [[nodiscard]] std::int64_t steps() const noexcept { return model_->steps(); }
  [[nodiscard]] static constexpr std::string_view backend_name() noexcept { return Backend::name; }

 private:
  // Inference in chunks sorted by length (little padding), results handed back in input order;
  // the loss only where `labels` is given.
  std::pair<std::vector<int>, double> infer(std::span<const text_example> batch, std::string_view prefix,
                                            const std::vector<int>* labels,
                                            std::vector<double>* losses = nullptr) const {
    std::vector<int> out(batch.size());
    if (batch.empty()) return {out, 0.0};
    const std::vector<std::size_t> order =
        order_by_encoded_length(tokenizer_, batch, prefix, options_.max_length, options_.prefix_budget);
    const std::size_t labels_n = options_.num_labels;
    double total = 0.0;
    for (std::size_t first = 0; first < order.size(); first += options_.eval_batch_size) {
      const std::size_t n = std::min(options_.eval_batch_size, order.size() - first);
      std::vector<text_example> chunk;
      chunk.reserve(n);
      for (std::size_t k = 0; k < n; ++k) chunk.push_back(batch[order[first + k]]);
      const std::vector<float> z = model_->logits(encode(chunk, prefix));
      for (std::size_t k = 0; k < n; ++k) {
        const float* row = z.data() + k * labels_n;
        const auto best = static_cast<int>(std::max_element(row, row + labels_n) - row);
        const float mx = row[best];
        double sum = 0.0;
        for (std::size_t j = 0; j < labels_n; ++j) sum += std::exp(static_cast<double>(row[j] - mx));
        const std::size_t i = order[first + k];
        out[i] = best;
        if (labels) {
          const double l = static_cast<double>(mx) + std::log(sum) - static_cast<double>(row[(*labels)[i]]);
          total += l;
          if (losses) (*losses)[i] = l;
        }
      }
    }
    return {std::move(out), total / static_cast<double>(batch.size())};
  }

  text::wordpiece_tokenizer tokenizer_;
  bert_student_options options_;
  std::vector<nn::tensor_slot> slots_;  ///< the host layout of the parameters (checkpoint names)
  // Held by pointer: under CUDA the model owns a cuBLAS handle and cannot move, the student can.
  // The const inference calls reuse its buffers (hence "not thread-safe" above).
  std::unique_ptr<model_type> model_;
};

}  // namespace gpta::backend
