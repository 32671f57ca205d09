// MiniLM (any BERT) span-extraction student for SQuAD: `[CLS] prefix question [SEP] context [SEP]`
// over overlapping context windows, word pieces mapped back to exact byte ranges of the context.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <numeric>
#include <optional>
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
#include <gpta/text/unicode.hpp>
#include <gpta/text/wordpiece.hpp>

namespace gpta {

/// Hyper-parameters of the span student; lengths are in word pieces.
struct bert_span_student_options : bert_fine_tuning_options {
  std::size_t max_length = 384;          ///< one window: specials, prefix, question and context
  std::size_t doc_stride = 128;          ///< pieces between the starts of consecutive windows (BERT's run_squad meaning)
  std::size_t prefix_budget = 32;        ///< most prefix pieces kept
  std::size_t max_question_length = 64;  ///< most question pieces kept (cut from the end)
  std::size_t max_answer_length = 30;    ///< longest predicted answer
  /// true (BERT's run_squad, HF): every window trains, one without the answer towards [CLS];
  /// false: only the answer's training window does (see bert_span_student).
  bool train_windows_without_answer = true;

  /// std::invalid_argument unless every window keeps at least one context piece.
  void validate() const {
    const std::string who = "gpta::bert_span_student";
    validate_fine_tuning(who);
    if (doc_stride == 0) throw std::invalid_argument(who + ": doc_stride must be > 0");
    if (max_answer_length == 0) throw std::invalid_argument(who + ": max_answer_length must be > 0");
    if (max_length < prefix_budget + max_question_length + 4)
      throw std::invalid_argument(who + ": max_length " + std::to_string(max_length) +
                                  " leaves no context piece after prefix_budget + max_question_length + 3 specials (" +
                                  std::to_string(prefix_budget + max_question_length + 3) + ")");
  }
};

/// Context word pieces [first, last] (inclusive).
struct span_piece_range {
  std::size_t first = 0;
  std::size_t last = 0;
  friend bool operator==(const span_piece_range&, const span_piece_range&) = default;
};

/// One encoded window: `[CLS] prefix question [SEP] pieces[first_piece, first_piece + piece_count) [SEP]`,
/// token types 0 up to the first [SEP], 1 after it.
struct span_window {
  nn::token_sequence sequence;
  std::size_t context_position = 0;  ///< sequence position of the window's first context piece
  std::size_t first_piece = 0;       ///< index of that piece in span_encoding::pieces
  std::size_t piece_count = 0;

  [[nodiscard]] bool holds(const span_piece_range& r) const noexcept {
    return r.first >= first_piece && r.last < first_piece + piece_count;
  }
  [[nodiscard]] std::size_t position_of(std::size_t piece) const noexcept { return context_position + piece - first_piece; }
  [[nodiscard]] std::size_t piece_at(std::size_t position) const noexcept { return position - context_position + first_piece; }
};

/// Every window of one example. Windows cover every context piece in order; consecutive ones
/// overlap by piece_count - doc_stride pieces when the context is long.
struct span_encoding {
  std::vector<text::token_offset> pieces;  ///< byte range in the context of each context word piece
  std::vector<span_window> windows;        ///< at least one (with no piece for an empty context)
  std::size_t prefix_tokens = 0;
  std::size_t question_tokens = 0;
  std::optional<span_piece_range> answer;    ///< pieces covered by the first gold answer that covers any
  std::optional<std::size_t> answer_window;  ///< the training window: holds `answer`, most context around it

  /// Sequence positions of the answer's first and last piece in window `k`; the [CLS] position
  /// (0, 0) when the window does not hold the answer.
  [[nodiscard]] std::pair<int, int> target(std::size_t k) const noexcept {
    const span_window& w = windows[k];
    if (!answer || !w.holds(*answer)) return {0, 0};
    return {static_cast<int>(w.position_of(answer->first)), static_cast<int>(w.position_of(answer->last))};
  }
  /// The windows that train (and that the example's loss averages over): all of them with
  /// `every_window`, else the answer window alone, or the first window (towards [CLS]) when no
  /// window holds the answer - that one for the loss only.
  [[nodiscard]] std::vector<std::size_t> loss_windows(bool every_window) const {
    std::vector<std::size_t> out;
    if (every_window) {
      for (std::size_t k = 0; k < windows.size(); ++k) out.push_back(k);
    } else {
      out.push_back(answer_window.value_or(0));
    }
    return out;
  }
};

/// The pieces that cover bytes [begin, end) of the context: from the first piece ending after
/// `begin` to the last starting before `end`; nullopt when none lies in between (an answer of
/// whitespace, or of characters the tokenizer drops). `pieces` are in text order.
[[nodiscard]] inline std::optional<span_piece_range> pieces_covering(std::span<const text::token_offset> pieces,
                                                                     std::size_t begin, std::size_t end) {
  if (begin >= end) return std::nullopt;
  const auto first = std::partition_point(pieces.begin(), pieces.end(),
                                          [&](const text::token_offset& o) { return o.end <= begin; });
  const auto stop = std::partition_point(pieces.begin(), pieces.end(),
                                         [&](const text::token_offset& o) { return o.begin < end; });
  if (first >= stop) return std::nullopt;
  return span_piece_range{static_cast<std::size_t>(first - pieces.begin()),
                          static_cast<std::size_t>(stop - pieces.begin()) - 1};
}

/// One past the last byte of an answer whose last piece ends at `end`: extended over the
/// characters BERT's normaliser drops (combining accents of decomposed text, zero-width and
/// control characters) up to `limit`, so "cafe\u0301" comes back whole.
[[nodiscard]] inline std::size_t span_text_end(std::string_view context, std::size_t end, std::size_t limit) {
  limit = std::min(limit, context.size());
  char32_t out[3];
  while (end < limit) {
    const auto d = text::detail::decode_utf8(context, end);
    if (text::bert_normalize(d.cp, out) != 0) break;
    end += d.length;
  }
  return end;
}

/// The context bytes of pieces [first, last] (see span_text_end).
[[nodiscard]] inline std::pair<std::size_t, std::size_t> span_byte_range(std::string_view context,
                                                                         std::span<const text::token_offset> pieces,
                                                                         const span_piece_range& r) {
  const std::size_t limit = r.last + 1 < pieces.size() ? pieces[r.last + 1].begin : context.size();
  return {pieces[r.first].begin, span_text_end(context, pieces[r.last].end, limit)};
}

/// The windows of `e` after `prefix` (pieces, already cut to the budget). The question is cut to
/// max_question_length pieces; the context is never cut: windows of max_length - 3 - prefix -
/// question pieces start every doc_stride pieces (the last one ends at the last piece). The
/// training window is the one holding the answer with the most pieces on its shorter side
/// (BERT's "max context" rule; the earliest on ties). Windows of L context pieces hold every
/// answer of up to L - doc_stride + 1 pieces; a longer one may straddle every window edge.
[[nodiscard]] inline span_encoding encode_span_example(const text::wordpiece_tokenizer& tokenizer,
                                                       std::span<const int> prefix, const span_example& e,
                                                       const bert_span_student_options& o) {
  span_encoding enc;
  std::vector<int> question = tokenizer.encode(e.question);
  if (question.size() > o.max_question_length) question.resize(o.max_question_length);
  std::vector<int> context;
  tokenizer.encode_into(e.context, context, &enc.pieces);
  enc.prefix_tokens = prefix.size();
  enc.question_tokens = question.size();
  const std::size_t head = 2 + prefix.size() + question.size();  // [CLS] prefix question [SEP]
  if (o.max_length < head + 2)
    throw std::invalid_argument("gpta::encode_span_example: max_length " + std::to_string(o.max_length) +
                                " leaves no context piece after the prefix and question");
  const std::size_t room = o.max_length - head - 1;
  const std::size_t n = context.size();
  for (std::size_t start = 0;;) {
    const std::size_t len = std::min(n - start, room);
    span_window w;
    w.first_piece = start;
    w.piece_count = len;
    w.context_position = head;
    auto& ids = w.sequence.input_ids;
    auto& types = w.sequence.token_type_ids;
    ids.reserve(head + len + 1);
    ids.push_back(tokenizer.cls_id());
    ids.insert(ids.end(), prefix.begin(), prefix.end());
    ids.insert(ids.end(), question.begin(), question.end());
    ids.push_back(tokenizer.sep_id());
    ids.insert(ids.end(), context.begin() + static_cast<std::ptrdiff_t>(start),
               context.begin() + static_cast<std::ptrdiff_t>(start + len));
    ids.push_back(tokenizer.sep_id());
    types.assign(ids.size(), 1);
    std::fill_n(types.begin(), head, 0);
    enc.windows.push_back(std::move(w));
    if (start + len >= n) break;
    start += std::min(len, o.doc_stride);
  }
  for (const span_answer& a : e.answers) {
    enc.answer = pieces_covering(enc.pieces, a.start, a.end());
    if (enc.answer) break;
  }
  if (enc.answer) {
    std::size_t best_context = 0;
    for (std::size_t k = 0; k < enc.windows.size(); ++k) {
      const span_window& w = enc.windows[k];
      if (!w.holds(*enc.answer)) continue;
      const std::size_t left = enc.answer->first - w.first_piece;
      const std::size_t right = w.first_piece + w.piece_count - 1 - enc.answer->last;
      const std::size_t context_around = std::min(left, right);
      if (!enc.answer_window || context_around > best_context) {
        enc.answer_window = k;
        best_context = context_around;
      }
    }
  }
  return enc;
}

/// A best span of one window: sequence positions start <= end and its score start + end logit.
struct span_choice {
  std::size_t start = 0;
  std::size_t end = 0;
  double score = -std::numeric_limits<double>::infinity();
};

/// The highest start_logits[s] + end_logits[e] with first <= s <= e < first + count and
/// e - s < max_answer_length (the earliest, then shortest, on ties); nullopt when count is 0.
[[nodiscard]] inline std::optional<span_choice> best_span(std::span<const float> start_logits,
                                                          std::span<const float> end_logits, std::size_t first,
                                                          std::size_t count, std::size_t max_answer_length) {
  if (count == 0) return std::nullopt;
  if (first + count > start_logits.size() || first + count > end_logits.size())
    throw std::invalid_argument("gpta::best_span: positions past the logits");
  span_choice best;
  for (std::size_t s = first; s < first + count; ++s) {
    const std::size_t stop = std::min(first + count, s + max_answer_length);
    for (std::size_t e = s; e < stop; ++e) {
      const double v = static_cast<double>(start_logits[s]) + static_cast<double>(end_logits[e]);
      if (v > best.score) best = {s, e, v};
    }
  }
  return best;
}

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
    const std::vector<int> p = prefix_pieces(tokenizer_, prefix, options_.prefix_budget);
    std::vector<nn::token_sequence> seqs;
    std::vector<int> starts, ends;
    const bool every = options_.train_windows_without_answer;
    for (const auto& e : batch) {
      span_encoding enc = encode_span_example(tokenizer_, p, e, options_);
      if (!enc.answer_window) {
        ++unanswerable_;
        if (!every) continue;
      }
      for (const std::size_t k : enc.loss_windows(every)) {
        const auto [s, t] = enc.target(k);
        starts.push_back(s);
        ends.push_back(t);
        seqs.push_back(std::move(enc.windows[k].sequence));
      }
    }
    if (seqs.empty()) return 0.0;
    return train_step(nn::make_bert_batch(seqs, tokenizer_.pad_id()), starts, ends);
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

  [[nodiscard]] std::vector<span_prediction> predict(std::span<const span_example> batch, std::string_view prefix) const {
    return predict_with_loss(batch, prefix).first;
  }

  /// Predictions and mean loss from one forward pass over every window.
  [[nodiscard]] std::pair<std::vector<span_prediction>, double> predict_with_loss(std::span<const span_example> batch,
                                                                                 std::string_view prefix) const {
    std::vector<span_encoding> encs = encode_all(batch, prefix);
    std::vector<span_prediction> out(batch.size());
    std::vector<std::optional<span_choice>> best(batch.size());
    std::vector<std::size_t> best_window(batch.size(), 0);
    std::vector<double> losses(batch.size(), 0.0);
    std::vector<std::vector<std::size_t>> loss_windows(batch.size());
    std::vector<window_ref> refs;
    for (std::size_t i = 0; i < encs.size(); ++i) {
      loss_windows[i] = encs[i].loss_windows(options_.train_windows_without_answer);
      for (std::size_t w = 0; w < encs[i].windows.size(); ++w) refs.push_back({i, w});
    }
    run_windows(encs, refs, [&](const window_ref& r, std::span<const float> s, std::span<const float> t) {
      const span_encoding& enc = encs[r.example];
      const span_window& w = enc.windows[r.window];
      if (auto c = best_span(s, t, w.context_position, w.piece_count, options_.max_answer_length);
          c && (!best[r.example] || c->score > best[r.example]->score)) {
        best[r.example] = c;
        best_window[r.example] = r.window;
      }
      const auto& lw = loss_windows[r.example];
      if (std::find(lw.begin(), lw.end(), r.window) != lw.end())
        losses[r.example] += window_loss(enc, r.window, s, t) / static_cast<double>(lw.size());
    });
    double total = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      total += losses[i];
      if (!best[i]) continue;
      const span_window& w = encs[i].windows[best_window[i]];
      const span_piece_range r{w.piece_at(best[i]->start), w.piece_at(best[i]->end)};
      const auto [b, e] = span_byte_range(batch[i].context, encs[i].pieces, r);
      out[i] = {batch[i].context.substr(b, e - b), b, e, best[i]->score};
    }
    return {std::move(out), batch.empty() ? 0.0 : total / static_cast<double>(batch.size())};
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
    std::vector<span_encoding> encs = encode_all(batch, prefix);
    std::vector<double> out(batch.size(), 0.0);
    std::vector<std::size_t> count(batch.size(), 0);
    std::vector<window_ref> refs;
    for (std::size_t i = 0; i < encs.size(); ++i) {
      const auto windows = encs[i].loss_windows(options_.train_windows_without_answer);
      count[i] = windows.size();
      for (const std::size_t k : windows) refs.push_back({i, k});
    }
    run_windows(encs, refs, [&](const window_ref& r, std::span<const float> s, std::span<const float> t) {
      out[r.example] += window_loss(encs[r.example], r.window, s, t) / static_cast<double>(count[r.example]);
    });
    return out;
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
  struct window_ref {
    std::size_t example;
    std::size_t window;
  };

  std::vector<span_encoding> encode_all(std::span<const span_example> batch, std::string_view prefix) const {
    const std::vector<int> p = prefix_pieces(tokenizer_, prefix, options_.prefix_budget);
    std::vector<span_encoding> encs;
    encs.reserve(batch.size());
    for (const auto& e : batch) encs.push_back(encode_span_example(tokenizer_, p, e, options_));
    return encs;
  }

  // (CE(start) + CE(end)) / 2 of window k over its real positions.
  static double window_loss(const span_encoding& enc, std::size_t k, std::span<const float> start,
                            std::span<const float> end) {
    const auto [s, t] = enc.target(k);
    auto ce = [](std::span<const float> z, int target) {
      const float mx = *std::max_element(z.begin(), z.end());
      double sum = 0;
      for (const float v : z) sum += std::exp(static_cast<double>(v - mx));
      return static_cast<double>(mx) + std::log(sum) - static_cast<double>(z[static_cast<std::size_t>(target)]);
    };
    return 0.5 * (ce(start, s) + ce(end, t));
  }

  // Forward passes over the windows `refs` in chunks of eval_batch_size sequences sorted by
  // length; visit(ref, start logits, end logits) over the window's real positions.
  template <class Visit>
  void run_windows(const std::vector<span_encoding>& encs, std::vector<window_ref>& refs, Visit&& visit) const {
    auto length = [&](const window_ref& r) { return encs[r.example].windows[r.window].sequence.input_ids.size(); };
    std::stable_sort(refs.begin(), refs.end(), [&](const window_ref& a, const window_ref& b) { return length(a) < length(b); });
    const nn::dropout_context no_dropout{};
    inference_.use([&](workspace& ws) {
      std::vector<nn::token_sequence> seqs;
      for (std::size_t first = 0; first < refs.size(); first += options_.eval_batch_size) {
        const std::size_t n = std::min(options_.eval_batch_size, refs.size() - first);
        seqs.clear();
        for (std::size_t k = 0; k < n; ++k)
          seqs.push_back(encs[refs[first + k].example].windows[refs[first + k].window].sequence);
        const nn::bert_batch b = nn::make_bert_batch(seqs, tokenizer_.pad_id());
        core_.encoder().forward(b, core_.parameters(), no_dropout, ws.encoder, false);
        head_.forward(ws.encoder.output(), b, core_.parameters(), ws.head);
        for (std::size_t k = 0; k < n; ++k) {
          // Row-major: a sequence's logits are contiguous.
          const auto row = static_cast<Eigen::Index>(k);
          const auto len = static_cast<std::size_t>(b.lengths[k]);
          visit(refs[first + k], std::span<const float>(ws.head.start_logits.row(row).data(), len),
                std::span<const float>(ws.head.end_logits.row(row).data(), len));
        }
      }
    });
  }

  text::wordpiece_tokenizer tokenizer_;
  bert_span_student_options options_;
  bert_fine_tuning<scalar_type> core_;
  head_type head_;
  workspace work_;
  inference_workspace<workspace> inference_;
  std::size_t unanswerable_ = 0;
};

}  // namespace gpta
