// The windows of the span students (bert_span_student, backend::thrust_bert_span_student):
// `[CLS] prefix question [SEP] context [SEP]` over overlapping context windows, word pieces mapped
// back to exact byte ranges of the context, and the inference both students run over the windows
// (best span, per-example loss) given a forward pass that returns start/end logits.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gpta/data/span_example.hpp>
#include <gpta/nn/bert_batch.hpp>
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

/// The windows `batch` trains on (bert_span_student::train_step): each example's loss windows
/// (span_encoding::loss_windows) with their start/end targets, in batch order.
struct span_training_windows {
  std::vector<nn::token_sequence> sequences;
  std::vector<int> starts, ends;
  std::size_t unanswerable = 0;  ///< examples whose answer no window holds
};

[[nodiscard]] inline span_training_windows encode_span_training_windows(const text::wordpiece_tokenizer& tokenizer,
                                                                        std::span<const span_example> batch,
                                                                        std::string_view prefix,
                                                                        const bert_span_student_options& o) {
  const std::vector<int> p = prefix_pieces(tokenizer, prefix, o.prefix_budget);
  span_training_windows out;
  const bool every = o.train_windows_without_answer;
  for (const auto& e : batch) {
    span_encoding enc = encode_span_example(tokenizer, p, e, o);
    if (!enc.answer_window) {
      ++out.unanswerable;
      if (!every) continue;
    }
    for (const std::size_t k : enc.loss_windows(every)) {
      const auto [s, t] = enc.target(k);
      out.starts.push_back(s);
      out.ends.push_back(t);
      out.sequences.push_back(std::move(enc.windows[k].sequence));
    }
  }
  return out;
}

/// Every example of `batch` encoded after `prefix` (cut to the budget once).
[[nodiscard]] inline std::vector<span_encoding> encode_span_examples(const text::wordpiece_tokenizer& tokenizer,
                                                                     std::span<const span_example> batch,
                                                                     std::string_view prefix,
                                                                     const bert_span_student_options& o) {
  const std::vector<int> p = prefix_pieces(tokenizer, prefix, o.prefix_budget);
  std::vector<span_encoding> encs;
  encs.reserve(batch.size());
  for (const auto& e : batch) encs.push_back(encode_span_example(tokenizer, p, e, o));
  return encs;
}

/// (CE(start) + CE(end)) / 2 of window k of `enc` over its real positions (the logits given).
[[nodiscard]] inline double span_window_loss(const span_encoding& enc, std::size_t k, std::span<const float> start,
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

/// Window `window` of example `example`.
struct span_window_ref {
  std::size_t example;
  std::size_t window;
};

/// What a span student's forward pass over a batch of windows leaves: start and end logits,
/// row-major, `stride` floats per sequence (its seq_len). Valid until the next pass.
struct span_logit_rows {
  const float* start = nullptr;
  const float* end = nullptr;
  std::size_t stride = 0;
};

/// Forward passes over the windows `refs` (sorted here by length: little padding) in chunks of
/// o.eval_batch_size sequences; `forward(const nn::bert_batch&)` returns span_logit_rows, and
/// visit(ref, start logits, end logits) sees each window's real positions.
template <class Forward, class Visit>
void for_each_span_window(const std::vector<span_encoding>& encs, std::vector<span_window_ref>& refs,
                          const bert_span_student_options& o, std::int32_t pad_id, Forward&& forward, Visit&& visit) {
  auto length = [&](const span_window_ref& r) { return encs[r.example].windows[r.window].sequence.input_ids.size(); };
  std::stable_sort(refs.begin(), refs.end(),
                   [&](const span_window_ref& a, const span_window_ref& b) { return length(a) < length(b); });
  std::vector<nn::token_sequence> seqs;
  for (std::size_t first = 0; first < refs.size(); first += o.eval_batch_size) {
    const std::size_t n = std::min(o.eval_batch_size, refs.size() - first);
    seqs.clear();
    for (std::size_t k = 0; k < n; ++k)
      seqs.push_back(encs[refs[first + k].example].windows[refs[first + k].window].sequence);
    const nn::bert_batch b = nn::make_bert_batch(seqs, pad_id);
    const span_logit_rows z = forward(b);
    for (std::size_t k = 0; k < n; ++k) {
      const auto len = static_cast<std::size_t>(b.lengths[k]);
      visit(refs[first + k], std::span<const float>(z.start + k * z.stride, len),
            std::span<const float>(z.end + k * z.stride, len));
    }
  }
}

/// Predictions (the best span over every window, bert_span_student's rule) and the mean loss of
/// `batch` (encoded as `encs`) from one pass over every window.
template <class Forward>
[[nodiscard]] std::pair<std::vector<span_prediction>, double> predict_spans(std::span<const span_example> batch,
                                                                          const std::vector<span_encoding>& encs,
                                                                          const bert_span_student_options& o,
                                                                          std::int32_t pad_id, Forward&& forward) {
  std::vector<span_prediction> out(batch.size());
  std::vector<std::optional<span_choice>> best(batch.size());
  std::vector<std::size_t> best_window(batch.size(), 0);
  std::vector<double> losses(batch.size(), 0.0);
  std::vector<std::vector<std::size_t>> loss_windows(batch.size());
  std::vector<span_window_ref> refs;
  for (std::size_t i = 0; i < encs.size(); ++i) {
    loss_windows[i] = encs[i].loss_windows(o.train_windows_without_answer);
    for (std::size_t w = 0; w < encs[i].windows.size(); ++w) refs.push_back({i, w});
  }
  for_each_span_window(encs, refs, o, pad_id, forward,
                       [&](const span_window_ref& r, std::span<const float> s, std::span<const float> t) {
                         const span_encoding& enc = encs[r.example];
                         const span_window& w = enc.windows[r.window];
                         if (auto c = best_span(s, t, w.context_position, w.piece_count, o.max_answer_length);
                             c && (!best[r.example] || c->score > best[r.example]->score)) {
                           best[r.example] = c;
                           best_window[r.example] = r.window;
                         }
                         const auto& lw = loss_windows[r.example];
                         if (std::find(lw.begin(), lw.end(), r.window) != lw.end())
                           losses[r.example] += span_window_loss(enc, r.window, s, t) / static_cast<double>(lw.size());
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

/// Each example's loss (the mean over its loss windows), in the order of `encs`.
template <class Forward>
[[nodiscard]] std::vector<double> span_example_losses(const std::vector<span_encoding>& encs,
                                                      const bert_span_student_options& o, std::int32_t pad_id,
                                                      Forward&& forward) {
  std::vector<double> out(encs.size(), 0.0);
  std::vector<std::size_t> count(encs.size(), 0);
  std::vector<span_window_ref> refs;
  for (std::size_t i = 0; i < encs.size(); ++i) {
    const auto windows = encs[i].loss_windows(o.train_windows_without_answer);
    count[i] = windows.size();
    for (const std::size_t k : windows) refs.push_back({i, k});
  }
  for_each_span_window(encs, refs, o, pad_id, forward,
                       [&](const span_window_ref& r, std::span<const float> s, std::span<const float> t) {
                         out[r.example] +=
                             span_window_loss(encs[r.example], r.window, s, t) / static_cast<double>(count[r.example]);
                       });
  return out;
}

}  // namespace gpta
