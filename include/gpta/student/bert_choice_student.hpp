// MiniLM (any BERT) multiple-choice student for RACE: one sequence per option,
// `[CLS] prefix question-with-option [SEP] article [SEP]`, a score each, softmax over the options.
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
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <gpta/data/choice_example.hpp>
#include <gpta/nn/bert_batch.hpp>
#include <gpta/nn/bert_config.hpp>
#include <gpta/nn/bert_heads.hpp>
#include <gpta/student/bert_fine_tuning.hpp>
#include <gpta/text/wordpiece.hpp>

namespace gpta {

/// Hyper-parameters of the multiple-choice student; lengths are in word pieces.
struct bert_choice_student_options : bert_fine_tuning_options {
  std::size_t num_options = 4;                         ///< every example must have exactly this many (RACE: 4)
  nn::bert_pooling pooling = nn::bert_pooling::mean;   ///< all-MiniLM-L6-v2 was trained with mean pooling
  std::size_t max_length = 384;                        ///< one option's sequence, specials included
  std::size_t prefix_budget = 32;                      ///< most prefix pieces kept
  double classifier_dropout = 0.1;

  void validate() const {
    const std::string who = "gpta::bert_choice_student";
    validate_fine_tuning(who);
    if (num_options < 2) throw std::invalid_argument(who + ": num_options must be >= 2");
    if (max_length < 4) throw std::invalid_argument(who + ": max_length must be >= 4");
  }
};

/// The question an option is read with: a cloze has each `_` run (a blank) replaced by the
/// option - by the option's `;`-separated parts in order when it has one part per blank (RACE's
/// two-blank questions, "watch TV; do some reading") - and any other question gets the option
/// appended after a space (as HF's RACE processor does).
[[nodiscard]] inline std::string question_with_option(std::string_view question, std::string_view option) {
  std::vector<std::pair<std::size_t, std::size_t>> blanks;  // [begin, end) of each `_` run
  for (std::size_t i = question.find('_'); i != std::string_view::npos; i = question.find('_', i)) {
    const std::size_t end = std::min(question.find_first_not_of('_', i), question.size());
    blanks.emplace_back(i, end);
    i = end;
  }
  if (blanks.empty()) return std::string(question) + " " + std::string(option);
  auto trim = [](std::string_view s) {
    const auto b = s.find_first_not_of(' ');
    return b == std::string_view::npos ? std::string_view() : s.substr(b, s.find_last_not_of(' ') - b + 1);
  };
  std::vector<std::string_view> parts;
  if (blanks.size() > 1) {
    for (std::size_t i = 0;;) {
      const std::size_t semi = option.find(';', i);
      parts.push_back(trim(option.substr(i, semi == std::string_view::npos ? std::string_view::npos : semi - i)));
      if (semi == std::string_view::npos) break;
      i = semi + 1;
    }
  }
  const bool split = parts.size() == blanks.size();
  std::string out;
  std::size_t done = 0;
  for (std::size_t k = 0; k < blanks.size(); ++k) {
    out.append(question.substr(done, blanks[k].first - done));
    out.append(split ? parts[k] : option);
    done = blanks[k].second;
  }
  out.append(question.substr(done));
  return out;
}

/// The sequences of one example, one per option (option c at index c).
struct choice_encoding {
  std::vector<nn::token_sequence> options;
  std::size_t prefix_tokens = 0;             ///< prefix pieces kept (the same in every option's sequence)
  std::size_t article_tokens = 0;            ///< article pieces in the article
  std::vector<std::size_t> kept_article;     ///< article pieces kept, per option
};

/// `[CLS] prefix question-with-option [SEP] article [SEP]` for each option (token types 0 up to
/// the first [SEP], 1 after it). Only the article is cut (from its end) to fit max_length; the
/// prefix keeps up to its budget even then (RACE articles nearly always fill the window, and a
/// prefix that yielded to them would vanish from almost every sequence). Only when the prefix and
/// the question with its option leave no article piece is the prefix cut, and then the question
/// with its option from its start (the option, at its end, is what tells the sequences apart).
[[nodiscard]] inline choice_encoding encode_choice_example(const text::wordpiece_tokenizer& tokenizer,
                                                           std::span<const int> prefix, const choice_example& e,
                                                           std::size_t max_length) {
  if (max_length < 4)
    throw std::invalid_argument("gpta::encode_choice_example: max_length " + std::to_string(max_length) +
                                " leaves no room for [CLS] [SEP] [SEP] and an article piece");
  const std::vector<int> article = tokenizer.encode(e.article);
  choice_encoding enc;
  enc.article_tokens = article.size();
  const std::size_t first_room = max_length - 3 - std::min<std::size_t>(article.size(), 1);
  for (const std::string& option : e.options) {
    const std::vector<int> qo = tokenizer.encode(question_with_option(e.question, option));
    const std::size_t keep_qo = std::min(qo.size(), first_room);
    const std::size_t keep_p = std::min(prefix.size(), first_room - keep_qo);
    const std::size_t keep_a = std::min(article.size(), max_length - 3 - keep_p - keep_qo);
    nn::token_sequence s;
    auto& ids = s.input_ids;
    ids.reserve(3 + keep_p + keep_qo + keep_a);
    ids.push_back(tokenizer.cls_id());
    ids.insert(ids.end(), prefix.begin(), prefix.begin() + static_cast<std::ptrdiff_t>(keep_p));
    ids.insert(ids.end(), qo.end() - static_cast<std::ptrdiff_t>(keep_qo), qo.end());
    ids.push_back(tokenizer.sep_id());
    const std::size_t first_segment = ids.size();
    ids.insert(ids.end(), article.begin(), article.begin() + static_cast<std::ptrdiff_t>(keep_a));
    ids.push_back(tokenizer.sep_id());
    s.token_type_ids.assign(ids.size(), 1);
    std::fill_n(s.token_type_ids.begin(), first_segment, 0);
    enc.options.push_back(std::move(s));
    enc.kept_article.push_back(keep_a);
    enc.prefix_tokens = std::max(enc.prefix_tokens, keep_p);
  }
  return enc;
}

/// The multiple-choice student: a BERT encoder with nn::multiple_choice_head (pooled -> dropout
/// -> linear [1 x hidden], HF's "classifier" name) as a gpta::student_model over choice_example,
/// predicting the option index (what choice_metric scores). Loss: cross-entropy of the softmax
/// over an example's option scores.
class bert_choice_student {
 public:
  using scalar_type = float;
  using head_type = nn::multiple_choice_head<scalar_type>;
  using example_type = choice_example;
  using prediction_type = int;
  using state_type = bert_student_state<scalar_type>;

  /// A randomly initialised model of `config` (BERT's N(0, 0.02) init): tests and from-scratch runs.
  bert_choice_student(const bert_config& config, text::wordpiece_tokenizer tokenizer,
                      bert_choice_student_options options)
      : bert_choice_student(config, std::move(tokenizer), std::move(options), true) {}

  /// Loads `model_dir`/{config.json, vocab.txt, model.safetensors}; the head starts fresh.
  [[nodiscard]] static bert_choice_student from_pretrained(const std::filesystem::path& model_dir,
                                                           bert_choice_student_options options = {}) {
    bert_choice_student s(load_bert_config(model_dir / "config.json"),
                          text::wordpiece_tokenizer::from_vocab_file(model_dir / "vocab.txt"), std::move(options),
                          false);
    s.core_.load_pretrained(model_dir / "model.safetensors", s.options_.seed);
    return s;
  }

 private:
  bert_choice_student(const bert_config& config, text::wordpiece_tokenizer tokenizer,
                      bert_choice_student_options options, bool initialise)
      : tokenizer_(std::move(tokenizer)), options_((options.validate(), std::move(options))),
        core_(config, options_.max_length, options_.dropout, "gpta::bert_choice_student") {
    head_ = head_type(core_.parameters(), core_.encoder().hidden_size(),
                      static_cast<Eigen::Index>(options_.num_options), options_.pooling,
                      options_.dropout ? options_.classifier_dropout : 0.0);
    core_.finish(options_, initialise);
  }

 public:
  /// One AdamW step on `batch` with `prefix` attached; the batch's mean loss before the update.
  double train_step(std::span<const choice_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::bert_choice_student::train_step: empty batch");
    const std::vector<int> labels = labels_of(batch, "train_step");
    const std::vector<int> p = prefix_ids(prefix);
    std::vector<nn::token_sequence> seqs;
    for (const auto& e : batch)
      for (auto& s : encode_choice_example(tokenizer_, p, e, options_.max_length).options) seqs.push_back(std::move(s));
    return train_step(nn::make_bert_batch(seqs, tokenizer_.pad_id(), nn::bert_layout::packed), labels);
  }

  /// The same step on an encoded batch (num_options sequences per example, in option order).
  double train_step(const nn::bert_batch& b, std::span<const int> labels) {
    if (static_cast<Eigen::Index>(labels.size() * options_.num_options) != b.batch_size)
      throw std::invalid_argument("gpta::bert_choice_student::train_step: one label per num_options sequences");
    const nn::dropout_context drop = core_.training_dropout(options_);
    auto& params = core_.parameters();
    params.zero_grad();
    core_.encoder().forward(b, params, drop, work_.encoder, true);
    head_.forward(work_.encoder.output(), b, params, drop, work_.head);
    const double loss = nn::softmax_cross_entropy_rows<scalar_type>(work_.head.scores, labels, &work_.d_scores);
    head_.backward(b, params, drop, work_.head, work_.d_scores, work_.d_hidden);
    core_.encoder().backward(b, params, drop, work_.encoder, work_.d_hidden);
    core_.step(options_);
    return loss;
  }

  /// Option scores [examples x num_options] of an encoded batch (num_options sequences per example,
  /// in option order), no dropout (pre-tokenised data, benchmarks).
  [[nodiscard]] nn::row_matrix<scalar_type> option_scores(const nn::bert_batch& b) const {
    if (b.batch_size % static_cast<Eigen::Index>(options_.num_options) != 0)
      throw std::invalid_argument("gpta::bert_choice_student::option_scores: not num_options sequences per example");
    return inference_.use([&](workspace& ws) {
      const nn::dropout_context no_dropout{};
      core_.encoder().forward(b, core_.parameters(), no_dropout, ws.encoder, false);
      head_.forward(ws.encoder.output(), b, core_.parameters(), no_dropout, ws.head);
      return nn::row_matrix<scalar_type>(ws.head.scores);
    });
  }

  [[nodiscard]] std::vector<int> predict(std::span<const choice_example> batch, std::string_view prefix) const {
    std::vector<int> out(batch.size());
    evaluate(batch, prefix, [&](std::size_t i, std::span<const float> scores) {
      out[i] = static_cast<int>(std::max_element(scores.begin(), scores.end()) - scores.begin());
    });
    return out;
  }

  /// Predictions and mean loss from one forward pass.
  [[nodiscard]] std::pair<std::vector<int>, double> predict_with_loss(std::span<const choice_example> batch,
                                                                     std::string_view prefix) const {
    (void)labels_of(batch, "predict_with_loss");
    std::vector<int> out(batch.size());
    double total = 0;
    evaluate(batch, prefix, [&](std::size_t i, std::span<const float> scores) {
      out[i] = static_cast<int>(std::max_element(scores.begin(), scores.end()) - scores.begin());
      total += cross_entropy(scores, batch[i].label);
    });
    return {std::move(out), batch.empty() ? 0.0 : total / static_cast<double>(batch.size())};
  }

  /// Mean cross-entropy over `batch`, no update, no dropout.
  [[nodiscard]] double loss(std::span<const choice_example> batch, std::string_view prefix) const {
    if (batch.empty()) return 0.0;
    double total = 0;
    for (const double l : example_losses(batch, prefix)) total += l;
    return total / static_cast<double>(batch.size());
  }

  /// Cross-entropy of each example, in batch order.
  [[nodiscard]] std::vector<double> example_losses(std::span<const choice_example> batch, std::string_view prefix) const {
    (void)labels_of(batch, "loss");
    std::vector<double> out(batch.size());
    evaluate(batch, prefix, [&](std::size_t i, std::span<const float> scores) {
      out[i] = cross_entropy(scores, batch[i].label);
    });
    return out;
  }

  /// Softmax over each example's options (rows in batch order), inference mode.
  [[nodiscard]] std::vector<std::vector<double>> probabilities(std::span<const choice_example> batch,
                                                               std::string_view prefix) const {
    std::vector<std::vector<double>> out(batch.size());
    evaluate(batch, prefix, [&](std::size_t i, std::span<const float> scores) {
      const float mx = *std::max_element(scores.begin(), scores.end());
      double sum = 0;
      for (const float v : scores) sum += std::exp(static_cast<double>(v - mx));
      for (const float v : scores) out[i].push_back(std::exp(static_cast<double>(v - mx)) / sum);
    });
    return out;
  }

  /// The sequences the student would read for `e` (inspection, tests).
  [[nodiscard]] choice_encoding encode(const choice_example& e, std::string_view prefix) const {
    check_options(e);
    return encode_choice_example(tokenizer_, prefix_ids(prefix), e, options_.max_length);
  }

  [[nodiscard]] state_type snapshot() const { return core_.snapshot(); }
  void restore(const state_type& s) { core_.restore(s, "gpta::bert_choice_student"); }

  /// Weights (encoder and head) as safetensors, atomically; optimiser moments stay in snapshots.
  void save(const std::filesystem::path& path) const {
    core_.save(path, {{"gpta.kind", "bert_choice_student"}, {"gpta.num_options", std::to_string(options_.num_options)}});
  }
  /// Loads weights written by save().
  void load_weights(const std::filesystem::path& path) { core_.load(path); }

  [[nodiscard]] std::int64_t steps() const noexcept { return core_.steps(); }
  [[nodiscard]] double last_grad_norm() const noexcept { return core_.last_grad_norm(); }
  [[nodiscard]] const bert_choice_student_options& options() const noexcept { return options_; }
  [[nodiscard]] const bert_config& config() const noexcept { return core_.config(); }
  [[nodiscard]] const text::wordpiece_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  [[nodiscard]] const nn::parameter_store<scalar_type>& parameters() const noexcept { return core_.parameters(); }
  [[nodiscard]] nn::parameter_store<scalar_type>& parameters() noexcept { return core_.parameters(); }

 private:
  struct workspace {
    nn::bert_encoder_workspace<scalar_type> encoder;
    head_type::workspace head;
    nn::row_matrix<scalar_type> d_scores, d_hidden;
  };

  std::vector<int> prefix_ids(std::string_view prefix) const {
    return prefix_pieces(tokenizer_, prefix, options_.prefix_budget);
  }

  void check_options(const choice_example& e) const {
    if (e.options.size() != options_.num_options)
      throw std::invalid_argument("gpta::bert_choice_student: question " + e.id + " has " +
                                  std::to_string(e.options.size()) + " options, the student " +
                                  std::to_string(options_.num_options));
  }

  std::vector<int> labels_of(std::span<const choice_example> batch, const char* fn) const {
    std::vector<int> labels;
    labels.reserve(batch.size());
    for (const auto& e : batch) {
      check_options(e);
      if (e.label < 0 || static_cast<std::size_t>(e.label) >= options_.num_options)
        throw std::invalid_argument(std::string("gpta::bert_choice_student::") + fn + ": answer index " +
                                    std::to_string(e.label) + " of question " + e.id + " outside [0, " +
                                    std::to_string(options_.num_options) + ")");
      labels.push_back(e.label);
    }
    return labels;
  }

  static double cross_entropy(std::span<const float> scores, int label) {
    const float mx = *std::max_element(scores.begin(), scores.end());
    double sum = 0;
    for (const float v : scores) sum += std::exp(static_cast<double>(v - mx));
    return static_cast<double>(mx) + std::log(sum) - static_cast<double>(scores[static_cast<std::size_t>(label)]);
  }

  // Inference in chunks of about eval_batch_size sequences (whole examples), sorted by length;
  // visit(example index, its option scores).
  template <class Visit>
  void evaluate(std::span<const choice_example> batch, std::string_view prefix, Visit&& visit) const {
    for (const auto& e : batch) check_options(e);
    const std::vector<int> p = prefix_ids(prefix);
    std::vector<choice_encoding> encs;
    encs.reserve(batch.size());
    std::vector<std::size_t> lengths;
    for (const auto& e : batch) {
      encs.push_back(encode_choice_example(tokenizer_, p, e, options_.max_length));
      std::size_t longest = 0;
      for (const auto& s : encs.back().options) longest = std::max(longest, s.input_ids.size());
      lengths.push_back(longest);
    }
    std::vector<std::size_t> order(batch.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return lengths[a] < lengths[b]; });
    const std::size_t per_chunk = std::max<std::size_t>(1, options_.eval_batch_size / options_.num_options);
    const nn::dropout_context no_dropout{};
    inference_.use([&](workspace& ws) {
      std::vector<nn::token_sequence> seqs;
      for (std::size_t first = 0; first < order.size(); first += per_chunk) {
        const std::size_t n = std::min(per_chunk, order.size() - first);
        seqs.clear();
        for (std::size_t k = 0; k < n; ++k)
          for (const auto& s : encs[order[first + k]].options) seqs.push_back(s);
        const nn::bert_batch b = nn::make_bert_batch(seqs, tokenizer_.pad_id(), nn::bert_layout::packed);
        core_.encoder().forward(b, core_.parameters(), no_dropout, ws.encoder, false);
        head_.forward(ws.encoder.output(), b, core_.parameters(), no_dropout, ws.head);
        for (std::size_t k = 0; k < n; ++k)
          visit(order[first + k],
                std::span<const float>(ws.head.scores.row(static_cast<Eigen::Index>(k)).data(), options_.num_options));
      }
    });
  }

  text::wordpiece_tokenizer tokenizer_;
  bert_choice_student_options options_;
  bert_fine_tuning<scalar_type> core_;
  head_type head_;
  workspace work_;
  inference_workspace<workspace> inference_;
};

}  // namespace gpta
