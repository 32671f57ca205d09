// Pretrained BERT-family student (MiniLM-L6 and kin) fine-tuned in C++: a gpta::student_model that
// reads `[CLS] prefix [SEP] input [SEP]`, trained with AdamW, warm-up/decay and gradient clipping.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <gpta/data/example.hpp>
#include <gpta/detail/fnv1a.hpp>
#include <gpta/nn/bert_batch.hpp>
#include <gpta/nn/bert_config.hpp>
#include <gpta/nn/bert_encoder.hpp>
#include <gpta/nn/bert_heads.hpp>
#include <gpta/nn/lr_schedule.hpp>
#include <gpta/student/bert_fine_tuning.hpp>
#include <gpta/text/wordpiece.hpp>

namespace gpta {

/// Hyper-parameters of a BERT student. Runtime values, not template parameters: none of them
/// changes generated code. Threads come from OMP_NUM_THREADS / Eigen::setNbThreads (process-wide
/// settings the student does not touch).
struct bert_student_options {
  std::size_t num_labels = 2;
  nn::bert_pooling pooling = nn::bert_pooling::mean;  ///< all-MiniLM-L6-v2 was trained with mean pooling
  std::size_t max_length = 128;                        ///< whole sequence, specials and prefix included
  std::size_t prefix_budget = 32;                      ///< most prefix word pieces kept
  double learning_rate = 5e-5;                         ///< peak of the warm-up/decay schedule
  double weight_decay = 0.01;                          ///< not on biases and LayerNorm
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 0;  ///< 0: no decay after warm-up
  double max_grad_norm = 1.0;    ///< 0: no clipping
  double classifier_dropout = 0.1;
  bool dropout = true;           ///< false: no dropout anywhere (deterministic training forward)
  std::uint64_t seed = 0;        ///< head initialisation and dropout masks
  std::size_t eval_batch_size = 64;
  /// packed: batches hold only real tokens (no GEMM row is padding); padded: each sequence padded
  /// to the batch's longest. The two compute the same function, dropout masks included.
  nn::bert_layout layout = nn::bert_layout::packed;

  void validate() const {
    auto bad = [](const std::string& what) { throw std::invalid_argument("gpta::bert_student: " + what); };
    if (num_labels < 2) bad("num_labels must be >= 2");
    if (max_length < 3) bad("max_length must be >= 3");
    if (eval_batch_size == 0) bad("eval_batch_size must be > 0");
    if (!(max_grad_norm >= 0)) bad("max_grad_norm must be >= 0");
    nn::linear_warmup_decay{learning_rate, warmup_steps, total_steps}.validate();
  }
};

/// The batch `[CLS] prefix [SEP] text [SEP]` of every example (prefix-first truncation): the host
/// student (packed by default) and the backend student (backend/thrust_bert_student.hpp, padded)
/// share it.
[[nodiscard]] inline nn::bert_batch encode_text_batch(const text::wordpiece_tokenizer& tokenizer,
                                                      std::span<const text_example> batch, std::string_view prefix,
                                                      std::size_t max_length, std::size_t prefix_budget,
                                                      nn::bert_layout layout = nn::bert_layout::padded) {
  std::vector<nn::token_sequence> seqs;
  seqs.reserve(batch.size());
  for (const auto& e : batch) {
    const auto enc = tokenizer.encode_with_prefix(prefix, e.text, max_length, prefix_budget);
    seqs.push_back({{enc.input_ids.begin(), enc.input_ids.end()}, {enc.token_type_ids.begin(), enc.token_type_ids.end()}});
  }
  return nn::make_bert_batch(seqs, tokenizer.pad_id(), layout);
}

/// Positions of `batch` in order of encoded length (stable): inference chunks with little padding.
[[nodiscard]] inline std::vector<std::size_t> order_by_encoded_length(const text::wordpiece_tokenizer& tokenizer,
                                                                     std::span<const text_example> batch,
                                                                     std::string_view prefix, std::size_t max_length,
                                                                     std::size_t prefix_budget) {
  std::vector<std::size_t> lengths;
  lengths.reserve(batch.size());
  for (const auto& e : batch) lengths.push_back(tokenizer.encode_with_prefix(prefix, e.text, max_length, prefix_budget).size());
  std::vector<std::size_t> order(batch.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return lengths[a] < lengths[b]; });
  return order;
}

/// The labels of `batch`, each checked against [0, num_labels); `who` names the caller in errors.
[[nodiscard]] inline std::vector<int> checked_labels(std::span<const text_example> batch, std::size_t num_labels,
                                                     const char* who) {
  std::vector<int> labels;
  labels.reserve(batch.size());
  for (const auto& e : batch) {
    if (e.label < 0 || static_cast<std::size_t>(e.label) >= num_labels)
      throw std::invalid_argument(std::string(who) + ": label " + std::to_string(e.label) + " outside [0, " +
                                  std::to_string(num_labels) + ")");
    labels.push_back(e.label);
  }
  return labels;
}

/// A BERT encoder plus sequence classification head as a gpta::student_model over
/// gpta::text_example. Span extraction and multiple choice have students of their own
/// (bert_span_student.hpp, bert_choice_student.hpp) built on the same bert_fine_tuning core.
template <class Head = nn::sequence_classification_head<float>>
class basic_bert_student {
  static_assert(std::is_same_v<Head, nn::sequence_classification_head<float>>,
                "gpta::basic_bert_student: only nn::sequence_classification_head<float> is wired to an example type "
                "so far - see docs/concepts.md#student_model");

 public:
  using scalar_type = float;
  using head_type = Head;
  using example_type = text_example;
  using prediction_type = int;
  using state_type = bert_student_state<scalar_type>;

  /// A randomly initialised model of `config` (BERT's N(0, 0.02) init): tests and from-scratch runs.
  basic_bert_student(const bert_config& config, text::wordpiece_tokenizer tokenizer, bert_student_options options)
      : basic_bert_student(config, std::move(tokenizer), std::move(options), true) {}

  /// Loads `model_dir`/{config.json, vocab.txt, model.safetensors}; the head starts fresh.
  [[nodiscard]] static basic_bert_student from_pretrained(const std::filesystem::path& model_dir,
                                                          bert_student_options options = {}) {
    basic_bert_student s(load_bert_config(model_dir / "config.json"),
                         text::wordpiece_tokenizer::from_vocab_file(model_dir / "vocab.txt"), std::move(options), false);
    s.core_.load_pretrained(model_dir / "model.safetensors", s.options_.seed);
    return s;
  }

 private:
  basic_bert_student(const bert_config& config, text::wordpiece_tokenizer tokenizer, bert_student_options options,
                     bool initialise)
      : tokenizer_(std::move(tokenizer)), options_((options.validate(), std::move(options))),
        core_(config, options_.max_length, options_.dropout, "gpta::bert_student") {
    head_ = Head(core_.parameters(), core_.encoder().hidden_size(), static_cast<Eigen::Index>(options_.num_labels),
                 options_.pooling, options_.dropout ? options_.classifier_dropout : 0.0);
    core_.finish(options_, initialise);
  }

 public:
  /// One AdamW step on `batch` with `prefix` attached; the batch's mean loss before the update.
  double train_step(std::span<const text_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::bert_student::train_step: empty batch");
    return train_step(encode(batch, prefix), labels_of(batch));
  }

  /// The same step on an already encoded batch (pre-tokenised data, benchmarks).
  double train_step(const nn::bert_batch& b, std::span<const int> labels) {
    const double loss = compute_gradients(b, labels, 1.0);
    core_.step(options_);
    return loss;
  }

  /// Data parallel (gpta::data_parallel_student): forward and backward on `shard`, gradients of its
  /// mean loss times `weight` held in the parameter store's flat gradient buffer. Each call draws
  /// one dropout context, empty shards included, so every rank's dropout stream stays in step.
  double compute_gradients(std::span<const text_example> shard, std::string_view prefix, double weight) {
    if (shard.empty()) {
      (void)core_.training_dropout(options_);
      core_.parameters().zero_grad();
      return 0.0;
    }
    return compute_gradients(encode(shard, prefix), labels_of(shard), weight);
  }
  [[nodiscard]] std::span<scalar_type> gradient_buffer() noexcept {
    auto g = core_.parameters().grads();
    return {g.data(), static_cast<std::size_t>(g.size())};
  }
  void apply_gradients() { core_.step(options_); }
  [[nodiscard]] std::uint64_t parameter_hash() const noexcept {
    const auto v = core_.parameters().values();
    return gpta::detail::fnv1a64_values(std::span<const scalar_type>(v.data(), static_cast<std::size_t>(v.size())));
  }

  [[nodiscard]] std::vector<int> predict(std::span<const text_example> batch, std::string_view prefix) const {
    std::vector<int> out(batch.size());
    evaluate(batch, prefix, [&](std::size_t i, const auto& logits_row) {
      Eigen::Index best = 0;
      logits_row.maxCoeff(&best);
      out[i] = static_cast<int>(best);
    });
    return out;
  }

  /// Mean cross-entropy over `batch`, no update, no dropout.
  [[nodiscard]] double loss(std::span<const text_example> batch, std::string_view prefix) const {
    if (batch.empty()) return 0.0;
    double total = 0;
    for (const double l : example_losses(batch, prefix)) total += l;
    return total / static_cast<double>(batch.size());
  }

  /// Cross-entropy of each example, in batch order (paired probe comparisons need them).
  [[nodiscard]] std::vector<double> example_losses(std::span<const text_example> batch, std::string_view prefix) const {
    std::vector<double> out(batch.size());
    if (batch.empty()) return out;
    evaluate(batch, prefix, [&](std::size_t i, const auto& logits_row) {
      const auto z = logits_row.array();
      const float mx = z.maxCoeff();
      const int y = batch[i].label;
      if (y < 0 || static_cast<std::size_t>(y) >= options_.num_labels)
        throw std::invalid_argument("gpta::bert_student::loss: label " + std::to_string(y) + " outside [0, " +
                                    std::to_string(options_.num_labels) + ")");
      out[i] = static_cast<double>(mx + std::log((z - mx).exp().sum()) - z(y));
    });
    return out;
  }

  /// Logits [sequences x labels] of an encoded batch, inference mode.
  [[nodiscard]] nn::row_matrix<scalar_type> logits(const nn::bert_batch& b) const {
    return inference_.use([&](workspace& ws) {
      const nn::dropout_context no_dropout{};
      core_.encoder().forward(b, core_.parameters(), no_dropout, ws.encoder, false);
      head_.forward(ws.encoder.output(), b, core_.parameters(), no_dropout, ws.head);
      return nn::row_matrix<scalar_type>(ws.head.logits);
    });
  }

  [[nodiscard]] state_type snapshot() const { return core_.snapshot(); }

  void restore(const state_type& s) { core_.restore(s, "gpta::bert_student"); }

  /// Weights (encoder and head) as safetensors, atomically; optimiser moments stay in snapshots.
  void save(const std::filesystem::path& path) const {
    core_.save(path, {{"gpta.kind", "bert_student"}, {"gpta.num_labels", std::to_string(options_.num_labels)}});
  }

  /// Loads weights written by save() (or any checkpoint holding every tensor, head included).
  void load_weights(const std::filesystem::path& path) { core_.load(path); }

  /// Length bucketing for an epoch: batches of similar encoded length, in a seeded random order.
  [[nodiscard]] std::vector<std::vector<std::size_t>> length_buckets(std::span<const text_example> examples,
                                                                     std::string_view prefix, std::size_t batch_size,
                                                                     std::uint64_t seed) const {
    std::vector<std::size_t> lengths;
    lengths.reserve(examples.size());
    for (const auto& e : examples)
      lengths.push_back(tokenizer_.encode_with_prefix(prefix, e.text, options_.max_length, options_.prefix_budget).size());
    return nn::length_buckets(lengths, batch_size, seed);
  }

  /// The batch the student would feed its encoder, in options().layout (inspection, benchmarks).
  [[nodiscard]] nn::bert_batch encode(std::span<const text_example> batch, std::string_view prefix) const {
    return encode_text_batch(tokenizer_, batch, prefix, options_.max_length, options_.prefix_budget, options_.layout);
  }

  [[nodiscard]] nn::linear_warmup_decay schedule() const {
    return {options_.learning_rate, options_.warmup_steps, options_.total_steps};
  }
  [[nodiscard]] std::int64_t steps() const noexcept { return core_.steps(); }
  [[nodiscard]] double last_grad_norm() const noexcept { return core_.last_grad_norm(); }
  [[nodiscard]] const bert_student_options& options() const noexcept { return options_; }
  [[nodiscard]] const bert_config& config() const noexcept { return core_.config(); }
  [[nodiscard]] const text::wordpiece_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  [[nodiscard]] const nn::parameter_store<scalar_type>& parameters() const noexcept { return core_.parameters(); }
  [[nodiscard]] nn::parameter_store<scalar_type>& parameters() noexcept { return core_.parameters(); }
  [[nodiscard]] const nn::bert_encoder<scalar_type>& encoder() const noexcept { return core_.encoder(); }

 private:
  double compute_gradients(const nn::bert_batch& b, std::span<const int> labels, double weight) {
    if (static_cast<Eigen::Index>(labels.size()) != b.batch_size)
      throw std::invalid_argument("gpta::bert_student::train_step: one label per sequence");
    const nn::dropout_context drop = core_.training_dropout(options_);
    auto& params = core_.parameters();
    params.zero_grad();
    core_.encoder().forward(b, params, drop, work_.encoder, true);
    head_.forward(work_.encoder.output(), b, params, drop, work_.head);
    const double loss = nn::softmax_cross_entropy_rows<scalar_type>(work_.head.logits, labels, &work_.d_logits);
    if (weight != 1.0) work_.d_logits *= static_cast<scalar_type>(weight);
    head_.backward(b, params, drop, work_.head, work_.d_logits, work_.d_hidden);
    core_.encoder().backward(b, params, drop, work_.encoder, work_.d_hidden);
    return loss;
  }

  struct workspace {
    nn::bert_encoder_workspace<scalar_type> encoder;
    typename Head::workspace head;
    nn::row_matrix<scalar_type> d_logits, d_hidden;
  };

  std::vector<int> labels_of(std::span<const text_example> batch) const {
    return checked_labels(batch, options_.num_labels, "gpta::bert_student::train_step");
  }

  // Inference in chunks sorted by length (little padding), results handed back in input order.
  template <class Visit>
  void evaluate(std::span<const text_example> batch, std::string_view prefix, Visit&& visit) const {
    const std::vector<std::size_t> order =
        order_by_encoded_length(tokenizer_, batch, prefix, options_.max_length, options_.prefix_budget);
    const nn::dropout_context no_dropout{};
    inference_.use([&](workspace& ws) {
      for (std::size_t first = 0; first < order.size(); first += options_.eval_batch_size) {
        const std::size_t n = std::min(options_.eval_batch_size, order.size() - first);
        std::vector<text_example> chunk;
        chunk.reserve(n);
        for (std::size_t k = 0; k < n; ++k) chunk.push_back(batch[order[first + k]]);
        const nn::bert_batch b = encode(chunk, prefix);
        core_.encoder().forward(b, core_.parameters(), no_dropout, ws.encoder, false);
        head_.forward(ws.encoder.output(), b, core_.parameters(), no_dropout, ws.head);
        for (std::size_t k = 0; k < n; ++k) visit(order[first + k], ws.head.logits.row(static_cast<Eigen::Index>(k)));
      }
    });
  }

  text::wordpiece_tokenizer tokenizer_;
  bert_student_options options_;
  bert_fine_tuning<scalar_type> core_;
  Head head_;
  workspace work_;
  inference_workspace<workspace> inference_;
};

/// The MiniLM (or any BERT) sentence classifier: `gpta train --student minilm`.
using bert_student = basic_bert_student<>;

}  // namespace gpta
