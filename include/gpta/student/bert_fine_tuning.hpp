// What the BERT students (classification, span extraction, multiple choice) share: an encoder's
// parameters fine-tuned by AdamW with warm-up/decay and clipping, snapshots, an inference workspace.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <gpta/nn/adamw.hpp>
#include <gpta/nn/bert_checkpoint.hpp>
#include <gpta/nn/bert_config.hpp>
#include <gpta/nn/bert_encoder.hpp>
#include <gpta/nn/bert_parameters.hpp>
#include <gpta/nn/grad_clip.hpp>
#include <gpta/nn/lr_schedule.hpp>
#include <gpta/text/wordpiece.hpp>

namespace gpta {

/// The optimisation fields every BERT student reads. The span and choice students' options
/// derive from it; bert_student_options spells the same fields out (bert_fine_tuning reads them
/// by name, so either works).
struct bert_fine_tuning_options {
  double learning_rate = 5e-5;  ///< peak of the warm-up/decay schedule
  double weight_decay = 0.01;   ///< not on biases and LayerNorm
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 0;  ///< 0: no decay after warm-up
  double max_grad_norm = 1.0;    ///< 0: no clipping
  bool dropout = true;           ///< false: no dropout anywhere (deterministic training forward)
  std::uint64_t seed = 0;        ///< head initialisation and dropout masks
  std::size_t eval_batch_size = 16;  ///< sequences per inference forward pass

  /// std::invalid_argument naming `who` for values no optimiser step can use.
  void validate_fine_tuning(const std::string& who) const {
    if (eval_batch_size == 0) throw std::invalid_argument(who + ": eval_batch_size must be > 0");
    if (!(max_grad_norm >= 0)) throw std::invalid_argument(who + ": max_grad_norm must be >= 0");
    nn::linear_warmup_decay{learning_rate, warmup_steps, total_steps}.validate();
  }
};

/// Everything a probe needs to go back: parameters, AdamW moments and the step counter.
template <class Scalar>
struct bert_student_state {
  nn::column_vector<Scalar> parameters;
  nn::basic_adamw_state<Scalar> optimizer;
  std::int64_t step = 0;
};

/// An encoder, its parameter store (heads add their tensors to it) and the optimiser over all of
/// them. Construction order: bert_fine_tuning(config, ...), the head's constructor on
/// parameters(), then finish(options, ...). A training step is zero_grad(), forward and backward
/// of encoder and head, then step(options).
template <class Scalar>
class bert_fine_tuning {
 public:
  using state_type = bert_student_state<Scalar>;

  bert_fine_tuning() = default;

  /// `who` names the student in errors. Without `dropout` the config's dropout rates become 0.
  bert_fine_tuning(bert_config config, std::size_t max_length, bool dropout, const std::string& who)
      : config_(std::move(config)) {
    if (max_length > config_.max_position_embeddings)
      throw std::invalid_argument(who + ": max_length " + std::to_string(max_length) +
                                  " exceeds the model's max_position_embeddings " +
                                  std::to_string(config_.max_position_embeddings));
    if (!dropout) config_.hidden_dropout_prob = config_.attention_probs_dropout_prob = 0.0;
    encoder_ = nn::bert_encoder<Scalar>(config_, params_);
  }

  /// After the head registered its tensors: BERT's N(0, 0.02) init of everything (`initialise`;
  /// pretrained students load and initialise the head themselves) and AdamW over every slot.
  template <class Options>
  void finish(const Options& o, bool initialise) {
    if (initialise) params_.init_bert_style(o.seed);
    optimizer_ = nn::basic_adamw<Scalar>(
        nn::adamw_options{o.learning_rate, o.adam_beta1, o.adam_beta2, o.adam_epsilon, o.weight_decay});
    for (const auto& s : params_.slots()) optimizer_.add_parameter(s.rows, s.cols, s.decay);
  }

  /// Loads `checkpoint` (encoder tensors required) and gives what it lacks (the new head)
  /// BERT's N(0, 0.02) init with `seed`.
  void load_pretrained(const std::filesystem::path& checkpoint, std::uint64_t seed) {
    const auto report = nn::load_parameters(params_, checkpoint);
    params_.init_bert_style(seed, 0.02, report.missing);
  }

  /// The dropout masks of the next training step.
  template <class Options>
  [[nodiscard]] nn::dropout_context training_dropout(const Options& o) const noexcept {
    return {o.seed, static_cast<std::uint64_t>(step_), o.dropout};
  }

  /// After backward: clips the global gradient norm, advances the schedule and applies AdamW.
  template <class Options>
  void step(const Options& o) {
    auto grads = params_.grads();
    last_grad_norm_ = o.max_grad_norm > 0 ? nn::clip_global_norm(grads, o.max_grad_norm)
                                          : std::sqrt(grads.template cast<double>().squaredNorm());
    ++step_;
    optimizer_.set_learning_rate(nn::linear_warmup_decay{o.learning_rate, o.warmup_steps, o.total_steps}(step_));
    optimizer_.begin_step();
    const auto& slots = params_.slots();
    const auto count = static_cast<std::ptrdiff_t>(slots.size());
    // Slots are independent: spread them over threads (the word embedding table alone is half
    // the parameters, so its slot is taken first).
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (std::ptrdiff_t i = 0; i < count; ++i) {
      const auto id = static_cast<std::size_t>(i);
      auto value = params_.value(id);
      const auto grad = std::as_const(params_).grad(id);
      optimizer_.update(id, value, grad);
    }
  }

  [[nodiscard]] state_type snapshot() const { return {params_.values(), optimizer_.state(), step_}; }

  void restore(const state_type& s, const std::string& who) {
    if (s.parameters.size() != params_.values().size())
      throw std::invalid_argument(who + "::restore: snapshot of a differently shaped model");
    optimizer_.set_state(s.optimizer);
    params_.values() = s.parameters;
    step_ = s.step;
  }

  /// Weights (encoder and head) as safetensors, atomically, with `metadata` plus gpta.step.
  void save(const std::filesystem::path& path, std::map<std::string, std::string> metadata) const {
    metadata.emplace("format", "pt");
    metadata["gpta.step"] = std::to_string(step_);
    nn::save_parameters(params_, path, metadata);
  }

  /// Weights written by save() (or any checkpoint holding every tensor, head included).
  void load(const std::filesystem::path& path) { (void)nn::load_parameters(params_, path, {""}); }

  [[nodiscard]] const bert_config& config() const noexcept { return config_; }
  [[nodiscard]] nn::parameter_store<Scalar>& parameters() noexcept { return params_; }
  [[nodiscard]] const nn::parameter_store<Scalar>& parameters() const noexcept { return params_; }
  [[nodiscard]] const nn::bert_encoder<Scalar>& encoder() const noexcept { return encoder_; }
  [[nodiscard]] std::int64_t steps() const noexcept { return step_; }
  [[nodiscard]] double last_grad_norm() const noexcept { return last_grad_norm_; }

 private:
  bert_config config_;
  nn::parameter_store<Scalar> params_;
  nn::bert_encoder<Scalar> encoder_;
  nn::basic_adamw<Scalar> optimizer_;
  std::int64_t step_ = 0;
  double last_grad_norm_ = 0;
};

/// The word pieces of `prefix` cut to `budget` (what every sequence of a batch starts with).
[[nodiscard]] inline std::vector<int> prefix_pieces(const text::wordpiece_tokenizer& tokenizer, std::string_view prefix,
                                                    std::size_t budget) {
  std::vector<int> ids = tokenizer.encode(prefix);
  if (ids.size() > budget) ids.resize(budget);
  return ids;
}

/// Inference buffers kept between const calls (fresh ones cost page faults on every call); a
/// concurrent caller that finds them busy uses its own. Copies start empty.
template <class Workspace>
class inference_workspace {
 public:
  inference_workspace() = default;
  inference_workspace(const inference_workspace&) {}
  inference_workspace& operator=(const inference_workspace&) { return *this; }

  template <class Body>
  decltype(auto) use(Body&& body) const {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) return body(work_);
    Workspace local;
    return body(local);
  }

 private:
  mutable std::mutex mutex_;
  mutable Workspace work_;
};

}  // namespace gpta
