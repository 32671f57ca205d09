// Decoding from the Qwen2 decoder with its KV cache: greedy and beam search, length limits, stop
// tokens and a repetition guard. Students that write text (summaries, generative answers) use this.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gpta/nn/qwen2/decoder.hpp>

namespace gpta::nn {

struct generation_options {
  std::size_t max_new_tokens = 64;
  std::size_t min_new_tokens = 0;   ///< stop tokens are masked until this many tokens exist
  std::vector<std::int32_t> stop;   ///< a continuation ends after (and includes) the first of these
  std::size_t beams = 1;            ///< 1: greedy; more: beam search
  double length_penalty = 1.0;      ///< beam score = sum log p / length^length_penalty (transformers' rule)
  /// Repetition guard: no n-gram of this size occurs twice in the continuation (0 = off). Only the
  /// continuation is checked, so a summary may still copy phrases of its document.
  std::size_t no_repeat_ngram = 0;
  /// CTRL's penalty on tokens already in the continuation (1 = off): positive logits are divided
  /// by it, negative ones multiplied, as transformers' repetition_penalty.
  double repetition_penalty = 1.0;

  void validate() const {
    auto bad = [](const std::string& w) { throw std::invalid_argument("gpta::nn::generation_options: " + w); };
    if (beams == 0) bad("beams must be >= 1");
    if (min_new_tokens > max_new_tokens) bad("min_new_tokens exceeds max_new_tokens");
    if (!(repetition_penalty > 0)) bad("repetition_penalty must be > 0");
  }

  [[nodiscard]] bool is_stop(std::int32_t id) const { return std::find(stop.begin(), stop.end(), id) != stop.end(); }
};

namespace detail {

/// Applies the guard and the stop mask to one row of logits, given the continuation so far.
template <class Row>
void shape_logits(Row&& z, const std::vector<std::int32_t>& out, const generation_options& o) {
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  if (o.repetition_penalty != 1.0) {
    const auto p = static_cast<float>(o.repetition_penalty);
    std::vector<std::int32_t> seen(out);
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (const auto id : seen) z(id) = z(id) > 0 ? static_cast<float>(z(id)) / p : static_cast<float>(z(id)) * p;
  }
  const std::size_t n = o.no_repeat_ngram;
  if (n > 0 && out.size() + 1 >= n) {
    // Every earlier n-gram whose first n-1 tokens equal the last n-1 generated bans its last token.
    const std::size_t tail = out.size() - (n - 1);
    for (std::size_t i = 0; i + n <= out.size(); ++i)
      if (std::equal(out.begin() + static_cast<std::ptrdiff_t>(i),
                     out.begin() + static_cast<std::ptrdiff_t>(i + n - 1),
                     out.begin() + static_cast<std::ptrdiff_t>(tail)))
        z(out[i + n - 1]) = ninf;
  }
  if (out.size() < o.min_new_tokens)
    for (const auto id : o.stop) z(id) = ninf;
}

}  // namespace detail

/// The continuation of `prompt` (stop token included when one ends it). Greedy takes the first
/// maximum on ties, as torch.argmax; beam search keeps `beams` hypotheses and returns the best
/// finished one by length-normalised log-probability (live ones count as finished at the limit).
template <class Scalar>
[[nodiscard]] std::vector<std::int32_t> generate(qwen2_decoder<Scalar>& model, const std::vector<std::int32_t>& prompt,
                                                 const generation_options& o,
                                                 const basic_lora_adapters<Scalar>* lora = nullptr) {
  o.validate();
  if (o.max_new_tokens == 0) return {};
  if (o.beams == 1) {
    std::vector<std::int32_t> out;
    qwen2_kv_cache<Scalar> cache;
    auto z = model.extend(cache, prompt, lora);
    for (;;) {
      detail::shape_logits(z.row(0), out, o);
      Eigen::Index arg = 0;
      z.row(0).maxCoeff(&arg);
      const auto id = static_cast<std::int32_t>(arg);
      out.push_back(id);
      if (out.size() >= o.max_new_tokens || o.is_stop(id)) return out;
      z = model.extend(cache, std::span<const std::int32_t>(&out.back(), 1), lora);
    }
  }
  struct beam {
    std::vector<std::int32_t> ids;
    double logp = 0;
    qwen2_kv_cache<Scalar> cache;
    row_matrix<Scalar> next;  ///< logits after the last token
  };
  struct finished {
    std::vector<std::int32_t> ids;
    double score;
  };
  auto normalised = [&](double logp, std::size_t len) {
    return logp / std::pow(static_cast<double>(std::max<std::size_t>(len, 1)), o.length_penalty);
  };
  std::vector<beam> live(1);
  live[0].next = model.extend(live[0].cache, prompt, lora);
  std::vector<finished> done;
  auto worst_done = [&] {
    double w = std::numeric_limits<double>::infinity();
    for (const auto& f : done) w = std::min(w, f.score);
    return w;
  };
  auto add_done = [&](std::vector<std::int32_t> ids, double logp) {
    const double s = normalised(logp, ids.size());
    if (done.size() < o.beams) {
      done.push_back({std::move(ids), s});
    } else {
      auto worst = std::min_element(done.begin(), done.end(), [](const finished& a, const finished& b) { return a.score < b.score; });
      if (s > worst->score) *worst = {std::move(ids), s};
    }
  };
  for (std::size_t len = 1; !live.empty(); ++len) {
    struct cand {
      double logp;
      std::size_t beam;
      std::int32_t id;
    };
    std::vector<cand> cands;
    for (std::size_t b = 0; b < live.size(); ++b) {
      auto z = live[b].next.row(0);
      detail::shape_logits(z, live[b].ids, o);
      const double mx = static_cast<double>(z.maxCoeff());
      if (!std::isfinite(mx)) continue;  // every token banned: the beam dies
      const double lse = mx + std::log((z.array().template cast<double>() - mx).exp().sum());
      // The best 2 * beams tokens of this beam are enough: at most `beams` of them can survive.
      std::vector<std::pair<float, std::int32_t>> top;
      const std::size_t k = std::min<std::size_t>(2 * o.beams, static_cast<std::size_t>(z.size()));
      for (Eigen::Index v = 0; v < z.size(); ++v) {
        const float val = static_cast<float>(z(v));
        if (top.size() < k) {
          top.emplace_back(val, static_cast<std::int32_t>(v));
          std::push_heap(top.begin(), top.end(), std::greater<>{});
        } else if (val > top.front().first) {
          std::pop_heap(top.begin(), top.end(), std::greater<>{});
          top.back() = {val, static_cast<std::int32_t>(v)};
          std::push_heap(top.begin(), top.end(), std::greater<>{});
        }
      }
      for (const auto& [val, id] : top)
        if (std::isfinite(val)) cands.push_back({live[b].logp + static_cast<double>(val) - lse, b, id});
    }
    std::stable_sort(cands.begin(), cands.end(), [](const cand& a, const cand& b) {
      return a.logp != b.logp ? a.logp > b.logp : a.id < b.id;
    });
    std::vector<beam> next;
    for (const auto& c : cands) {
      if (next.size() == o.beams) break;
      std::vector<std::int32_t> ids = live[c.beam].ids;
      ids.push_back(c.id);
      if (o.is_stop(c.id)) {
        add_done(std::move(ids), c.logp);
        continue;
      }
      if (ids.size() >= o.max_new_tokens) {
        add_done(std::move(ids), c.logp);
        continue;
      }
      next.push_back({std::move(ids), c.logp, live[c.beam].cache, {}});
    }
    // One pass for every live beam: the step reads the weights once, not once per beam.
    if (!next.empty()) {
      std::vector<qwen2_kv_cache<Scalar>*> caches;
      qwen2_sequences last;
      for (auto& b : next) {
        caches.push_back(&b.cache);
        last.push_back({b.ids.back()});
      }
      const auto z = model.extend_many(caches, last, lora);
      for (std::size_t b = 0; b < next.size(); ++b) next[b].next = z.row(static_cast<Eigen::Index>(b));
    }
    live = std::move(next);
    // Done when `beams` hypotheses are finished and the best live one, scored at its current
    // length, does not beat the worst of them: transformers' rule with early_stopping=False.
    if (done.size() >= o.beams) {
      double best_live = -std::numeric_limits<double>::infinity();
      for (const auto& b : live) best_live = std::max(best_live, normalised(b.logp, b.ids.size()));
      if (best_live <= worst_done()) break;
    }
  }
  if (done.empty()) return {};
  const auto best = std::max_element(done.begin(), done.end(), [](const finished& a, const finished& b) { return a.score < b.score; });
  return best->ids;
}

/// The continuations of several prompts, decoded together: every step runs one pass over the
/// sequences still going (the weights are read once per step for the whole batch, which is what
/// makes decoding a test split fast). Prompts are read `prefill_batch` at a time. Greedy results
/// equal generate() on each prompt alone; with beams > 1 each prompt is searched by generate()
/// (its beams are batched there).
template <class Scalar>
[[nodiscard]] std::vector<std::vector<std::int32_t>> generate_batch(qwen2_decoder<Scalar>& model,
                                                                    const std::vector<std::vector<std::int32_t>>& prompts,
                                                                    const generation_options& o,
                                                                    std::type_identity_t<const basic_lora_adapters<Scalar>*> lora = nullptr,
                                                                    std::size_t prefill_batch = 4) {
  o.validate();
  std::vector<std::vector<std::int32_t>> out(prompts.size());
  if (o.max_new_tokens == 0 || prompts.empty()) return out;
  if (o.beams > 1) {
    for (std::size_t i = 0; i < prompts.size(); ++i) out[i] = generate(model, prompts[i], o, lora);
    return out;
  }
  for (std::size_t i = 0; i < prompts.size(); ++i)
    if (prompts[i].empty()) throw std::invalid_argument("gpta::nn::generate_batch: prompt " + std::to_string(i) + " is empty");
  std::vector<qwen2_kv_cache<Scalar>> caches(prompts.size());
  row_matrix<Scalar> z(static_cast<Eigen::Index>(prompts.size()), model.config().vocab_size);
  const std::size_t chunk = std::max<std::size_t>(prefill_batch, 1);
  for (std::size_t first = 0; first < prompts.size(); first += chunk) {
    std::vector<qwen2_kv_cache<Scalar>*> cs;
    qwen2_sequences seqs;
    for (std::size_t i = first; i < std::min(prompts.size(), first + chunk); ++i) {
      cs.push_back(&caches[i]);
      seqs.push_back(prompts[i]);
    }
    z.middleRows(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(cs.size())) = model.extend_many(cs, seqs, lora);
  }
  std::vector<std::size_t> going(prompts.size());
  for (std::size_t i = 0; i < going.size(); ++i) going[i] = i;
  std::vector<Eigen::Index> row_of(prompts.size());
  for (std::size_t i = 0; i < row_of.size(); ++i) row_of[i] = static_cast<Eigen::Index>(i);
  while (!going.empty()) {
    std::vector<std::size_t> still;
    for (const std::size_t i : going) {
      auto row = z.row(row_of[i]);
      detail::shape_logits(row, out[i], o);
      Eigen::Index arg = 0;
      row.maxCoeff(&arg);
      const auto id = static_cast<std::int32_t>(arg);
      out[i].push_back(id);
      if (out[i].size() < o.max_new_tokens && !o.is_stop(id))
        still.push_back(i);
      else
        caches[i] = {};  // finished: its keys and values are not needed any more
    }
    going = std::move(still);
    if (going.empty()) break;
    std::vector<qwen2_kv_cache<Scalar>*> cs;
    qwen2_sequences last;
    for (std::size_t k = 0; k < going.size(); ++k) {
      cs.push_back(&caches[going[k]]);
      last.push_back({out[going[k]].back()});
      row_of[going[k]] = static_cast<Eigen::Index>(k);
    }
    z = model.extend_many(cs, last, lora);
  }
  return out;
}

}  // namespace gpta::nn
