// fastText-style student: mean of word (+ hashed OOV and bigram) embeddings -> linear -> softmax.
// Trained from scratch with AdamW; the prefix enters as real tokens in front of `[SEP] input`.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <gpta/data/example.hpp>
#include <gpta/detail/fnv1a.hpp>
#include <gpta/nn/adamw.hpp>
#include <gpta/nn/softmax.hpp>
#include <gpta/student/bow_features.hpp>
#include <gpta/student/prefix_budget.hpp>
#include <gpta/text/simple_tokenizer.hpp>
#include <gpta/text/vocabulary.hpp>

namespace gpta::student {

struct bow_options {
  std::size_t dim = 64;
  /// Words outside the vocabulary hash (FNV-1a) into this many extra rows, so prefix words the
  /// training texts never contained still get a trainable embedding. 0: they all share [UNK].
  std::size_t oov_buckets = std::size_t{1} << 16;
  std::size_t bigram_buckets = 0;  ///< 0 = off; else hashed adjacent-token pairs, fastText style
  float learning_rate = 0.05f;
  float weight_decay = 0.0f;  ///< decoupled (AdamW); embeddings and linear weight, never the bias
  std::size_t prefix_token_budget = 32;
  std::size_t max_tokens = 256;  ///< prefix + [SEP] + input
  std::uint64_t seed = 1;
  /// Embedding rows a batch does not touch keep their AdamW moments and skip decay ("lazy"
  /// Adam): a step then costs O(batch tokens), not O(table). false = textbook dense AdamW.
  bool lazy_embedding_updates = true;

  friend bool operator==(const bow_options&, const bow_options&) = default;
};

/// All trainable parameters plus the optimiser state: what snapshot()/restore() move around.
template <std::floating_point Scalar>
struct basic_bow_state {
  using matrix_type = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using vector_type = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  matrix_type embedding;      ///< num_rows x dim: [vocabulary | OOV buckets | bigram buckets]
  matrix_type linear_weight;  ///< num_classes x dim
  vector_type bias;           ///< num_classes
  nn::basic_adamw_state<Scalar> optimizer;
};

/// Mean loss of a batch and its gradient wrt every parameter. The embedding gradient is sparse:
/// row k of `embedding` belongs to table row `embedding_rows[k]` (strictly increasing); every
/// row not listed has a zero gradient.
template <std::floating_point Scalar>
struct basic_bow_gradients {
  using matrix_type = typename basic_bow_state<Scalar>::matrix_type;
  using vector_type = typename basic_bow_state<Scalar>::vector_type;

  double loss = 0.0;
  std::vector<Eigen::Index> embedding_rows;
  matrix_type embedding;
  matrix_type linear_weight;
  vector_type bias;
};

template <std::floating_point Scalar = float>
class basic_bow_classifier {
 public:
  using example_type = text_example;
  using prediction_type = int;
  using scalar_type = Scalar;
  using state_type = basic_bow_state<Scalar>;
  using gradients_type = basic_bow_gradients<Scalar>;
  using matrix_type = typename state_type::matrix_type;
  using vector_type = typename state_type::vector_type;

  /// Batches at least this large are evaluated with OpenMP. Each example's arithmetic is the same
  /// on any thread and per-example results are reduced serially, so results stay bit-identical.
  static constexpr std::size_t parallel_threshold = 256;

  basic_bow_classifier(text::vocabulary vocab, std::size_t num_classes, bow_options options = {})
      : options_(validated(options, num_classes)),
        features_(std::move(vocab), options_.oov_buckets, options_.bigram_buckets,
                  prefix_budget{options_.prefix_token_budget, options_.max_tokens}),
        num_classes_(static_cast<Eigen::Index>(num_classes)),
        optimizer_(nn::adamw_options{options_.learning_rate, 0.9, 0.999, 1e-8, options_.weight_decay}) {
    const Eigen::Index rows = features_.num_rows();
    const auto dim = static_cast<Eigen::Index>(options_.dim);
    embedding_.resize(rows, dim);
    linear_weight_.resize(num_classes_, dim);
    bias_ = vector_type::Zero(num_classes_);
    // mt19937_64 is specified bit for bit; the uniform mapping below is ours, so the initial
    // weights are the same with every standard library (std::uniform_real_distribution is not).
    std::mt19937_64 rng(options_.seed);
    auto uniform = [&rng](double half_width) {
      const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
      return static_cast<Scalar>(half_width * (2.0 * u - 1.0));
    };
    const double emb_range = 1.0 / static_cast<double>(dim);  // fastText's input-vector init
    for (Eigen::Index r = 0; r < rows; ++r)
      for (Eigen::Index c = 0; c < dim; ++c) embedding_(r, c) = uniform(emb_range);
    const double lin_range = 1.0 / std::sqrt(static_cast<double>(dim));
    for (Eigen::Index r = 0; r < num_classes_; ++r)
      for (Eigen::Index c = 0; c < dim; ++c) linear_weight_(r, c) = uniform(lin_range);
    slot_embedding_ = optimizer_.add_parameter(rows, dim, true);
    slot_weight_ = optimizer_.add_parameter(num_classes_, dim, true);
    slot_bias_ = optimizer_.add_parameter(num_classes_, 1, false);
  }

  /// Vocabulary of the training texts as this student tokenizes them.
  [[nodiscard]] static text::vocabulary fit_vocabulary(std::span<const text_example> train, std::size_t min_count = 1,
                                                       std::size_t max_size = text::vocabulary::unlimited) {
    std::vector<std::string_view> texts;
    texts.reserve(train.size());
    for (const auto& e : train) texts.emplace_back(e.text);
    return text::vocabulary::build(texts, text::simple_tokenizer{}, min_count, max_size);
  }

  /// One AdamW step on the batch with `prefix` attached; returns the mean loss before the update.
  double train_step(std::span<const text_example> batch, std::string_view prefix) {
    const gradients_type g = gradients(batch, prefix);
    apply_gradients(g);
    return g.loss;
  }

  /// Loss and gradient of every parameter, without updating anything.
  [[nodiscard]] gradients_type gradients(std::span<const text_example> batch, std::string_view prefix) const {
    if (batch.empty()) throw std::invalid_argument("gpta::student::bow_classifier::gradients: empty batch");
    check_labels(batch, "gradients");
    const auto n = batch.size();
    std::vector<std::vector<Eigen::Index>> rows(n);
    std::vector<vector_type> hidden(n), probs(n);
    std::vector<double> losses(n);
    const auto pre = features_.encode_prefix(prefix);
    run_batch(n, [&](std::size_t i) {
      features_.rows(batch[i].text, *pre, rows[i]);
      vector_type logits;
      forward(rows[i], hidden[i], logits);
      losses[i] = static_cast<double>(nn::softmax_cross_entropy(logits, batch[i].label));
      probs[i] = nn::softmax(logits);
    });

    gradients_type g;
    for (const double l : losses) g.loss += l;
    g.loss /= static_cast<double>(n);
    for (const auto& r : rows) g.embedding_rows.insert(g.embedding_rows.end(), r.begin(), r.end());
    std::sort(g.embedding_rows.begin(), g.embedding_rows.end());
    g.embedding_rows.erase(std::unique(g.embedding_rows.begin(), g.embedding_rows.end()), g.embedding_rows.end());
    const auto dim = embedding_.cols();
    g.embedding = matrix_type::Zero(static_cast<Eigen::Index>(g.embedding_rows.size()), dim);
    g.linear_weight = matrix_type::Zero(num_classes_, dim);
    g.bias = vector_type::Zero(num_classes_);
    const Scalar inv_n = Scalar(1) / static_cast<Scalar>(n);
    vector_type dlogits, dhidden;
    for (std::size_t i = 0; i < n; ++i) {  // serial and in batch order: bit-identical sums
      dlogits = probs[i];
      dlogits(batch[i].label) -= Scalar(1);
      dlogits *= inv_n;
      g.linear_weight.noalias() += dlogits * hidden[i].transpose();
      g.bias += dlogits;
      dhidden.noalias() = linear_weight_.transpose() * dlogits;
      dhidden /= static_cast<Scalar>(rows[i].size());
      for (const Eigen::Index r : rows[i]) {
        const auto k = std::lower_bound(g.embedding_rows.begin(), g.embedding_rows.end(), r) - g.embedding_rows.begin();
        g.embedding.row(k) += dhidden.transpose();
      }
    }
    return g;
  }

  /// One AdamW step with externally computed gradients (e.g. accumulated over micro-batches).
  void apply_gradients(const gradients_type& g) {
    const auto dim = embedding_.cols();
    if (g.embedding.rows() != static_cast<Eigen::Index>(g.embedding_rows.size()) || g.embedding.cols() != dim ||
        g.linear_weight.rows() != num_classes_ || g.linear_weight.cols() != dim || g.bias.size() != num_classes_)
      throw std::invalid_argument("gpta::student::bow_classifier::apply_gradients: gradient shapes do not match");
    optimizer_.begin_step();
    if (options_.lazy_embedding_updates) {
      optimizer_.update_rows(slot_embedding_, embedding_, std::span<const Eigen::Index>(g.embedding_rows), g.embedding);
    } else {
      matrix_type dense = matrix_type::Zero(embedding_.rows(), dim);
      for (std::size_t k = 0; k < g.embedding_rows.size(); ++k)
        dense.row(g.embedding_rows[k]) = g.embedding.row(static_cast<Eigen::Index>(k));
      optimizer_.update(slot_embedding_, embedding_, dense);
    }
    optimizer_.update(slot_weight_, linear_weight_, g.linear_weight);
    optimizer_.update(slot_bias_, bias_, g.bias);
  }

  /// Data parallel (gpta::data_parallel_student). The flat buffer is [touched-row mask | dense
  /// embedding gradient | linear weight | bias]: summed across processes, a row is touched when
  /// any shard touched it, so lazy AdamW updates the rows the global batch touched.
  double compute_gradients(std::span<const text_example> shard, std::string_view prefix, double weight) {
    const Eigen::Index rows = embedding_.rows(), dim = embedding_.cols();
    flat_grad_.assign(static_cast<std::size_t>(rows + rows * dim + num_classes_ * dim + num_classes_), Scalar(0));
    if (shard.empty()) return 0.0;
    const gradients_type g = gradients(shard, prefix);
    const auto w = static_cast<Scalar>(weight);
    Scalar* embedding = flat_grad_.data() + rows;
    for (std::size_t k = 0; k < g.embedding_rows.size(); ++k) {
      const Eigen::Index r = g.embedding_rows[k];
      flat_grad_[static_cast<std::size_t>(r)] = Scalar(1);
      for (Eigen::Index c = 0; c < dim; ++c) embedding[r * dim + c] = w * g.embedding(static_cast<Eigen::Index>(k), c);
    }
    Scalar* linear = embedding + rows * dim;
    for (Eigen::Index k = 0; k < num_classes_; ++k) {
      for (Eigen::Index c = 0; c < dim; ++c) linear[k * dim + c] = w * g.linear_weight(k, c);
      linear[num_classes_ * dim + k] = w * g.bias(k);
    }
    return g.loss;
  }

  [[nodiscard]] std::span<Scalar> gradient_buffer() noexcept { return flat_grad_; }

  void apply_gradients() {
    const Eigen::Index rows = embedding_.rows(), dim = embedding_.cols();
    if (flat_grad_.size() != static_cast<std::size_t>(rows + rows * dim + num_classes_ * dim + num_classes_))
      throw std::logic_error("gpta::student::bow_classifier::apply_gradients: call compute_gradients first");
    gradients_type g;
    const Scalar* embedding = flat_grad_.data() + rows;
    for (Eigen::Index r = 0; r < rows; ++r)
      if (flat_grad_[static_cast<std::size_t>(r)] > Scalar(0)) g.embedding_rows.push_back(r);
    g.embedding = matrix_type(static_cast<Eigen::Index>(g.embedding_rows.size()), dim);
    for (std::size_t k = 0; k < g.embedding_rows.size(); ++k)
      for (Eigen::Index c = 0; c < dim; ++c)
        g.embedding(static_cast<Eigen::Index>(k), c) = embedding[g.embedding_rows[k] * dim + c];
    const Scalar* linear = embedding + rows * dim;
    g.linear_weight = matrix_type(num_classes_, dim);
    g.bias = vector_type(num_classes_);
    for (Eigen::Index k = 0; k < num_classes_; ++k) {
      for (Eigen::Index c = 0; c < dim; ++c) g.linear_weight(k, c) = linear[k * dim + c];
      g.bias(k) = linear[num_classes_ * dim + k];
    }
    apply_gradients(g);
  }

  [[nodiscard]] std::uint64_t parameter_hash() const noexcept {
    const auto values = [](const auto& m) {
      return std::span<const Scalar>(m.data(), static_cast<std::size_t>(m.size()));
    };
    using gpta::detail::fnv1a64_values;
    return fnv1a64_values(values(bias_), fnv1a64_values(values(linear_weight_), fnv1a64_values(values(embedding_))));
  }

  /// Arg-max class per example (ties: the lowest class id).
  [[nodiscard]] std::vector<int> predict(std::span<const text_example> batch, std::string_view prefix) const {
    std::vector<int> out(batch.size());
    const auto pre = features_.encode_prefix(prefix);
    run_batch(batch.size(), [&](std::size_t i) {
      vector_type logits;
      logits_of(batch[i].text, *pre, logits);
      out[i] = argmax(logits);
    });
    return out;
  }

  /// Mean cross-entropy, no update.
  [[nodiscard]] double loss(std::span<const text_example> batch, std::string_view prefix) const {
    return predict_with_loss(batch, prefix).second;
  }

  /// Predictions and mean loss from one forward pass (what evaluation wants).
  [[nodiscard]] std::pair<std::vector<int>, double> predict_with_loss(std::span<const text_example> batch,
                                                                      std::string_view prefix) const {
    auto [pred, losses] = predict_with_losses(batch, prefix);
    double sum = 0.0;
    for (const double l : losses) sum += l;
    return {std::move(pred), sum / static_cast<double>(batch.size())};
  }

  /// Cross-entropy of each example, in batch order (paired probe comparisons need them).
  [[nodiscard]] std::vector<double> example_losses(std::span<const text_example> batch, std::string_view prefix) const {
    return predict_with_losses(batch, prefix).second;
  }

  std::pair<std::vector<int>, std::vector<double>> predict_with_losses(std::span<const text_example> batch,
                                                                      std::string_view prefix) const {
    if (batch.empty()) throw std::invalid_argument("gpta::student::bow_classifier::loss: empty batch");
    check_labels(batch, "loss");
    std::vector<int> pred(batch.size());
    std::vector<double> losses(batch.size());
    const auto pre = features_.encode_prefix(prefix);
    run_batch(batch.size(), [&](std::size_t i) {
      vector_type logits;
      logits_of(batch[i].text, *pre, logits);
      pred[i] = argmax(logits);
      losses[i] = static_cast<double>(nn::softmax_cross_entropy(logits, batch[i].label));
    });
    return {std::move(pred), std::move(losses)};
  }

  /// Class probabilities per example.
  [[nodiscard]] std::vector<vector_type> probabilities(std::span<const text_example> batch,
                                                       std::string_view prefix) const {
    std::vector<vector_type> out(batch.size());
    const auto pre = features_.encode_prefix(prefix);
    run_batch(batch.size(), [&](std::size_t i) {
      vector_type logits;
      logits_of(batch[i].text, *pre, logits);
      out[i] = nn::softmax(logits);
    });
    return out;
  }

  /// Embedding rows the model averages for `text` with `prefix` attached (see bow_featurizer::rows).
  [[nodiscard]] std::vector<Eigen::Index> feature_rows(std::string_view text, std::string_view prefix) const {
    return features_.rows(text, prefix);
  }

  [[nodiscard]] state_type snapshot() const { return {embedding_, linear_weight_, bias_, optimizer_.state()}; }

  /// Strong guarantee: a state of the wrong shape throws and changes nothing.
  void restore(const state_type& s) {
    if (s.embedding.rows() != embedding_.rows() || s.embedding.cols() != embedding_.cols() ||
        s.linear_weight.rows() != linear_weight_.rows() || s.linear_weight.cols() != linear_weight_.cols() ||
        s.bias.size() != bias_.size())
      throw std::invalid_argument("gpta::student::bow_classifier::restore: state shapes do not match this model");
    optimizer_.set_state(s.optimizer);
    embedding_ = s.embedding;
    linear_weight_ = s.linear_weight;
    bias_ = s.bias;
  }

  /// Checkpoint: options, vocabulary, parameters and optimiser state in one file, written
  /// atomically. load() validates everything and names the file (and field) on error.
  void save(const std::filesystem::path& path) const;
  [[nodiscard]] static basic_bow_classifier load(const std::filesystem::path& path);
  /// This classifier becomes the one in `path` (a bow checkpoint carries its vocabulary and shape).
  void load_weights(const std::filesystem::path& path) { *this = load(path); }

  /// For learning-rate schedules; applies from the next step.
  void set_learning_rate(double lr) { optimizer_.set_learning_rate(lr); }
  [[nodiscard]] double learning_rate() const noexcept { return optimizer_.options().learning_rate; }
  [[nodiscard]] std::int64_t steps() const noexcept { return optimizer_.step(); }

  [[nodiscard]] const bow_options& options() const noexcept { return options_; }
  [[nodiscard]] std::size_t num_classes() const noexcept { return static_cast<std::size_t>(num_classes_); }
  [[nodiscard]] const text::vocabulary& vocabulary() const noexcept { return features_.vocabulary(); }
  [[nodiscard]] const bow_featurizer& featurizer() const noexcept { return features_; }
  [[nodiscard]] const matrix_type& embedding() const noexcept { return embedding_; }
  [[nodiscard]] const matrix_type& linear_weight() const noexcept { return linear_weight_; }
  [[nodiscard]] const vector_type& bias() const noexcept { return bias_; }

 private:
  static bow_options validated(const bow_options& o, std::size_t num_classes) {
    auto bad = [](const std::string& what) {
      throw std::invalid_argument("gpta::student::bow_classifier: " + what);
    };
    if (num_classes < 2) bad("num_classes must be at least 2");
    if (num_classes > (std::size_t{1} << 20)) bad("num_classes is unreasonably large");
    if (o.dim == 0 || o.dim > (std::size_t{1} << 16)) bad("dim must be in [1, 65536]");
    if (!(o.learning_rate > 0.0f) || !std::isfinite(o.learning_rate)) bad("learning_rate must be finite and > 0");
    if (!(o.weight_decay >= 0.0f) || !std::isfinite(o.weight_decay)) bad("weight_decay must be finite and >= 0");
    prefix_budget{o.prefix_token_budget, o.max_tokens}.validate("gpta::student::bow_classifier");
    return o;
  }

  void check_labels(std::span<const text_example> batch, const char* fn) const {
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (batch[i].label < 0 || batch[i].label >= num_classes_)
        throw std::invalid_argument(std::string("gpta::student::bow_classifier::") + fn + ": example " +
                                    std::to_string(i) + " has label " + std::to_string(batch[i].label) +
                                    ", expected 0.." + std::to_string(num_classes_ - 1));
  }

  /// Calls body(i) for i in [0, n), in parallel for large n. `body` must write only slot i.
  template <class Body>
  static void run_batch(std::size_t n, Body&& body) {
    const auto count = static_cast<std::ptrdiff_t>(n);
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (n >= parallel_threshold)
#endif
    for (std::ptrdiff_t i = 0; i < count; ++i) body(static_cast<std::size_t>(i));
  }

  void forward(const std::vector<Eigen::Index>& rows, vector_type& hidden, vector_type& logits) const {
    hidden = vector_type::Zero(embedding_.cols());
    for (const Eigen::Index r : rows) hidden += embedding_.row(r).transpose();
    hidden /= static_cast<Scalar>(rows.size());  // never empty: [SEP] is always there
    logits = bias_;
    logits.noalias() += linear_weight_ * hidden;
  }

  void logits_of(std::string_view text, std::span<const bow_token> prefix, vector_type& logits) const {
    std::vector<Eigen::Index> rows;
    vector_type hidden;
    features_.rows(text, prefix, rows);
    forward(rows, hidden, logits);
  }

  static int argmax(const vector_type& v) {
    Eigen::Index best = 0;
    for (Eigen::Index k = 1; k < v.size(); ++k)
      if (v(k) > v(best)) best = k;
    return static_cast<int>(best);
  }

  bow_options options_;
  bow_featurizer features_;
  Eigen::Index num_classes_;
  nn::basic_adamw<Scalar> optimizer_;
  std::size_t slot_embedding_ = 0, slot_weight_ = 0, slot_bias_ = 0;
  matrix_type embedding_;
  matrix_type linear_weight_;
  vector_type bias_;
  std::vector<Scalar> flat_grad_;  ///< data parallel: the held gradients (compute_gradients)
};

using bow_classifier = basic_bow_classifier<float>;

}  // namespace gpta::student

#include <gpta/student/impl/bow_checkpoint.hpp>
