// prefix_tuner: the strategy/TA side of GPTA without the training loop. A loop gpta did not write
// (or basic_trainer) reports each round's aggregate results, asks for candidate prefixes (at once,
// or asynchronously while it trains), probes them its own way and keeps the winner.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <future>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gpta/concepts/llm_transport.hpp>
#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/core/feedback.hpp>
#include <gpta/core/records.hpp>
#include <gpta/core/task_info.hpp>
#include <gpta/prompt/sanitize.hpp>
#include <gpta/train/round_feedback.hpp>
#include <gpta/train/ta_tally.hpp>

namespace gpta {

struct prefix_tuner_options {
  std::size_t candidates = 4;            ///< revised prefixes asked for after each round
  std::size_t prefix_token_budget = 32;  ///< prefix length limit in student tokens (told to the strategy)
  int max_ta_turns = 4;                  ///< TA requests per proposal, corrective turns included
};

/// What one exchange with the strategy (and through it the TA) gave: sanitised candidate
/// prefixes, what it cost, and the failure if it failed (transport error, no usable prefix).
struct tuner_answer {
  std::vector<std::string> candidates;
  ta_tally tally;
  std::exception_ptr failure;

  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(failure); }
  void rethrow_if_failed() const {
    if (failure) std::rethrow_exception(failure);
  }
};

template <prompt_strategy Strategy, llm_transport Transport = null_transport>
class prefix_tuner {
  static_assert(detail::check_prompt_strategy<Strategy>());
  static_assert(detail::check_llm_transport<std::remove_cvref_t<Transport>>());

 public:
  /// `Transport` may be a reference type (the tuner then uses the caller's transport).
  explicit prefix_tuner(Strategy strategy, Transport transport = {}, prefix_tuner_options options = {})
      : strategy_(std::move(strategy)), transport_(std::forward<Transport>(transport)), options_(options) {
    if (options_.max_ta_turns < 1) throw std::invalid_argument("gpta::prefix_tuner: max_ta_turns must be >= 1");
  }

  /// Movable while no request is in flight (the thread of one uses this object).
  prefix_tuner(prefix_tuner&& o)
      : strategy_((o.require_idle("move"), std::move(o.strategy_))),
        transport_(std::forward<Transport>(o.transport_)),
        options_(o.options_),
        history_(std::move(o.history_)),
        sent_(std::move(o.sent_)),
        last_(std::move(o.last_)),
        previous_(std::move(o.previous_)),
        total_(std::move(o.total_)) {}
  prefix_tuner(const prefix_tuner&) = delete;
  prefix_tuner& operator=(const prefix_tuner&) = delete;
  prefix_tuner& operator=(prefix_tuner&&) = delete;
  ~prefix_tuner() { discard_pending(); }

  /// Round 0: the strategy's first prefixes (asking the TA if it must). The task is told the
  /// options' prefix budget. Failures throw: there is no incumbent to keep yet.
  tuner_answer start(task_info task) {
    require_idle("start");
    task.prefix_token_budget = options_.prefix_token_budget;
    tuner_answer a;
    const auto before = counters_of(strategy_);
    a.candidates = resolve(strategy_.start(task), a.tally);
    a.tally.stats_from(before, counters_of(strategy_));
    add_to_total(a.tally);
    return a;
  }

  /// A round ended: its record's round, prefix, train_loss and dev are read, the prefix and its
  /// dev score join the history. Call it every round, whether or not you then ask.
  void record_round(const round_record& rec) {
    previous_ = std::move(last_);
    last_ = rec;
    history_.push_back({rec.prefix, rec.dev.score, rec.round});
  }

  /// The feedback on the last recorded round: aggregates only (scores, losses, per-class rows,
  /// diagnostics, the scored history best first), never an example.
  [[nodiscard]] round_feedback feedback() const {
    if (!last_) throw std::logic_error("gpta::prefix_tuner::feedback: no round recorded yet (call record_round)");
    round_feedback fb = detail::feedback_for_round(*last_, previous_ ? &*previous_ : nullptr);
    fb.history = history_;
    std::stable_sort(fb.history.begin(), fb.history.end(),
                     [](const scored_prefix& a, const scored_prefix& b) { return a.score > b.score; });
    fb.candidates_wanted = options_.candidates;
    fb.prefix_token_budget = options_.prefix_token_budget;
    return fb;
  }

  /// Sends `fb` to the strategy and returns its candidates (empty: keep the incumbent). A failure
  /// is captured in the answer, not thrown, so the caller decides whether it ends the run.
  tuner_answer ask(const round_feedback& fb) {
    require_idle("ask");
    sent_.push_back(fb);
    return exchange(fb);
  }
  tuner_answer ask() { return ask(feedback()); }

  /// As ask(), on another thread: train meanwhile and collect the answer with wait(). The
  /// strategy and transport must not be touched until then (every other call refuses).
  void ask_async(round_feedback fb) {
    require_idle("ask_async");
    sent_.push_back(fb);
    pending_ = std::async(std::launch::async, [this, fb = std::move(fb)] { return exchange(fb); });
  }
  void ask_async() { ask_async(feedback()); }

  [[nodiscard]] bool in_flight() const noexcept { return pending_.valid(); }

  /// The answer of the request in flight (blocks until it arrives).
  tuner_answer wait() {
    if (!pending_.valid()) throw std::logic_error("gpta::prefix_tuner::wait: no request in flight");
    return pending_.get();
  }

  /// Waits for a request in flight and drops its answer (after an exception in the caller's loop).
  void discard_pending() noexcept {
    if (!pending_.valid()) return;
    try {
      (void)pending_.get();
    } catch (...) {
    }
  }

  /// Resuming: the history and feedbacks of a checkpoint, and the last two round records, are
  /// restored; the strategy's conversation is rebuilt by replaying start() and `sent` (replies are
  /// taken again, from a caching transport exactly, and not counted).
  void resume(const task_info& task, std::vector<scored_prefix> history, std::span<const round_feedback> sent,
              std::optional<round_record> last, std::optional<round_record> previous) {
    require_idle("resume");
    task_info t = task;
    t.prefix_token_budget = options_.prefix_token_budget;
    ta_tally scratch;
    (void)resolve(strategy_.start(t), scratch);
    for (const auto& fb : sent) (void)resolve(strategy_.feedback(fb), scratch);
    history_ = std::move(history);
    sent_.assign(sent.begin(), sent.end());
    last_ = std::move(last);
    previous_ = std::move(previous);
  }

  /// A fresh run with the same strategy: history, feedbacks and round records are forgotten (the
  /// strategy's own state and the cost totals are kept).
  void reset_rounds() {
    require_idle("reset_rounds");
    history_.clear();
    sent_.clear();
    last_.reset();
    previous_.reset();
  }

  /// Every prefix recorded so far with its dev score, in round order.
  [[nodiscard]] const std::vector<scored_prefix>& history() const noexcept { return history_; }
  /// Every feedback sent to the strategy, in order (what resume() replays).
  [[nodiscard]] const std::vector<round_feedback>& sent() const noexcept { return sent_; }
  /// What every exchange so far cost and gave, summed (read it while no request is in flight).
  [[nodiscard]] const ta_tally& total() const noexcept { return total_; }
  [[nodiscard]] const prefix_tuner_options& options() const noexcept { return options_; }

  [[nodiscard]] Strategy& strategy() noexcept { return strategy_; }
  [[nodiscard]] const Strategy& strategy() const noexcept { return strategy_; }
  [[nodiscard]] std::remove_reference_t<Transport>& transport() noexcept { return transport_; }

 private:
  void require_idle(const char* what) const {
    if (pending_.valid())
      throw std::logic_error(std::string("gpta::prefix_tuner::") + what +
                             ": a request is in flight (collect it with wait() first)");
  }

  /// Sends the strategy's requests until it answers with candidates (bounded by max_ta_turns).
  std::vector<std::string> resolve(prefix_proposal p, ta_tally& tally) {
    int turns = 0;
    while (p.request) {
      if (++turns > options_.max_ta_turns)
        throw std::runtime_error("gpta::prefix_tuner: the teaching assistant gave no usable prefix in " +
                                 std::to_string(options_.max_ta_turns) + " turns");
      ++tally.requests;  // counted when sent: a failed request reached the TA too
      const auto t0 = std::chrono::steady_clock::now();
      const chat_response reply = transport_.complete(*p.request);
      tally.stats.latency_seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      tally.tokens += reply.usage;
      if (!reply.model.empty()) tally.model = reply.model;
      p = strategy_.on_reply(reply);
    }
    std::vector<std::string> out;
    out.reserve(p.candidates.size());
    for (auto& c : p.candidates) out.push_back(sanitize_prefix(c));
    return out;
  }

  tuner_answer exchange(const round_feedback& fb) {
    tuner_answer a;
    const auto before = counters_of(strategy_);
    try {
      a.candidates = resolve(strategy_.feedback(fb), a.tally);
    } catch (...) {
      a.failure = std::current_exception();
    }
    a.tally.stats_from(before, counters_of(strategy_));
    add_to_total(a.tally);
    return a;
  }

  void add_to_total(const ta_tally& t) {
    total_.requests += t.requests;
    total_.tokens += t.tokens;
    total_.stats += t.stats;
    if (!t.model.empty()) total_.model = t.model;
  }

  Strategy strategy_;
  Transport transport_;
  prefix_tuner_options options_;
  std::vector<scored_prefix> history_;
  std::vector<round_feedback> sent_;
  std::optional<round_record> last_, previous_;
  ta_tally total_;
  std::future<tuner_answer> pending_;
};

}  // namespace gpta
