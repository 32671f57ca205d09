// basic_trainer: the synergistic loop - student phase, dev evaluation, strategy feedback,
// candidate probes, best-by-dev selection, final test - composed from compile-time policies.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <random>
#include <sstream>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gpta/concepts/callback.hpp>
#include <gpta/concepts/llm_transport.hpp>
#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/concepts/student_model.hpp>
#include <gpta/core/records.hpp>
#include <gpta/core/task_info.hpp>
#include <gpta/data/example.hpp>
#include <gpta/detail/progress.hpp>
#include <gpta/detail/random.hpp>
#include <gpta/eval/classification_metrics.hpp>
#include <gpta/prompt/sanitize.hpp>
#include <gpta/train/paired_probe.hpp>
#include <gpta/train/prefix_tuner.hpp>
#include <gpta/train/run_record.hpp>
#include <gpta/train/ta_tally.hpp>
#include <gpta/train/trainer_options.hpp>
#include <gpta/train/trainer_state.hpp>

namespace gpta {

template <student_model Student, prompt_strategy Strategy, llm_transport Transport = null_transport,
          class Metric = classification_metric>
class basic_trainer {
  static_assert(detail::check_student_model<Student>());
  static_assert(detail::check_prompt_strategy<Strategy>());
  static_assert(detail::check_llm_transport<Transport>());

 public:
  using example_type = typename Student::example_type;
  using dataset_type = dataset<example_type>;

  basic_trainer(Student student, Strategy strategy, Transport transport = {}, trainer_options options = {},
                Metric metric = {})
      : student_(std::move(student)),
        tuner_(std::move(strategy), std::forward<Transport>(transport), tuner_options_of(options)),
        options_(options),
        metric_(std::move(metric)) {
    if (options_.rounds < 1) throw std::invalid_argument("gpta::basic_trainer: rounds must be >= 1");
    if (options_.batch_size == 0) throw std::invalid_argument("gpta::basic_trainer: batch_size must be >= 1");
    if (options_.epochs_per_round < 0)
      throw std::invalid_argument("gpta::basic_trainer: epochs_per_round must be >= 0 (0: a frozen student)");
  }

  /// Record the run in `dir`/run.json (atomically, after every round) with `config` stored verbatim.
  /// Checkpointable students are also saved after every round under `dir`/state/, so that
  /// resume() can continue a crashed run from its last complete round.
  /// A fresh record: saved state of an earlier run in `dir` is removed, so it cannot be resumed by mistake.
  void record_to(std::filesystem::path dir, boost::json::object config = {}) {
    std::filesystem::remove_all(dir / "state");
    writer_ = run_writer(std::move(dir), std::move(config));
  }

  /// Continue the run recorded in `dir` (with the same `config`) from its last complete round.
  /// Returns false, and starts afresh at the next fit(), when `dir` holds no saved state. The
  /// strategy's conversation is rebuilt by replaying its feedback: with a caching transport the
  /// resumed run matches an uninterrupted one exactly.
  bool resume(std::filesystem::path dir, boost::json::object config = {}) {
    static_assert(checkpointable_student<Student>,
                  "gpta::basic_trainer::resume: Student must provide save(path) and static load(path) - see "
                  "docs/concepts.md#student_model");
    writer_ = run_writer(std::move(dir), std::move(config));
    const auto state_file = writer_.dir() / "state" / "trainer.json";
    if (!std::filesystem::exists(state_file)) return false;
    trainer_state st = load_trainer_state(state_file);
    if (st.config != writer_.config()) {
      std::string key = "(config)";
      for (const auto& kv : writer_.config())
        if (!st.config.contains(kv.key()) || st.config.at(kv.key()) != kv.value()) key = std::string(kv.key());
      throw std::invalid_argument("gpta::basic_trainer::resume: " + state_file.string() +
                                  " was recorded with a different configuration (field '" + key + "')");
    }
    resume_state_ = std::move(st);
    return true;
  }

  /// Runs the loop. `test` is evaluated once, at the end, with the best (prefix, weights) by dev score.
  template <class... Callbacks>
  run_result fit(const dataset_type& train, const dataset_type& dev, const dataset_type& test, const task_info& task,
                 Callbacks&&... callbacks) {
    (static_cast<void>(detail::check_callback<std::remove_cvref_t<Callbacks>>()), ...);
    if (train.empty()) throw std::invalid_argument("gpta::basic_trainer: empty training set");
    if (dev.empty()) throw std::invalid_argument("gpta::basic_trainer: empty dev set");
    const auto t0 = std::chrono::steady_clock::now();
    batch_rng_.seed(detail::mix_seed(options_.seed, 101));

    run_result run;
    run.strategy = std::string(tuner_.strategy().name());
    loop_state loop;
    loop.best_state = student_.snapshot();

    // An exchange left in flight by an earlier fit() that threw is waited for and dropped.
    tuner_.discard_pending();
    if (resume_state_) {
      if (auto in_flight = restore_from(*resume_state_, run, loop, task)) tuner_.ask_async(std::move(*in_flight));
      resume_state_.reset();
    } else {
      (detail::call_on_run_begin(callbacks, run_context{run}), ...);
      writer_.write(run);
      tuner_.reset_rounds();
      tuner_answer start = tuner_.start(task);
      const ta_tally& tally = start.tally;
      std::vector<std::string>& first = start.candidates;
      run.ta_requests += tally.requests;
      run.ta_tokens += tally.tokens;
      run.ta_stats += tally.stats;
      if (!tally.model.empty()) run.ta_model = tally.model;
      if (first.empty()) {
        if (tally.requests > 0) {
          // The strategy consulted the TA and got nothing usable: say so, never silently.
          run.empty_prefix_reason = "the teaching assistant gave no usable prefix in round 0 (" +
                                    std::to_string(tally.stats.answers) + " answers, " +
                                    std::to_string(tally.stats.unusable) + " unusable items, " +
                                    std::to_string(tally.stats.over_budget) + " over budget); training with the "
                                    "empty prefix";
          if (options_.progress) std::fprintf(stderr, "gpta: %s\n", run.empty_prefix_reason.c_str());
        }
        first.push_back("");
      }
      for (const auto& p : options_.initial_prefixes) first.push_back(sanitize_prefix(p));
      loop.incumbent = first.front();
      if (first.size() > 1) loop.incumbent = pick_by_probe(first, loop.incumbent, train, dev, nullptr).first;
    }

    for (int r = static_cast<int>(run.rounds.size()); r < options_.rounds && !loop.stopped; ++r) {
      const auto r0 = std::chrono::steady_clock::now();
      round_record rec;
      rec.round = r;
      rec.prefix = loop.incumbent;
      std::tie(rec.train_loss, rec.steps) = student_phase(train, loop.incumbent, r, callbacks...);
      rec.dev = evaluate(dev, loop.incumbent);
      tuner_.record_round(rec);

      const bool improved = run.best_round < 0 || rec.dev.score > run.best_dev.score;
      if (improved) {
        run.best_round = r;
        run.best_prefix = loop.incumbent;
        run.best_dev = rec.dev;
        loop.best_state = student_.snapshot();
        loop.rounds_without_gain = 0;
      } else {
        ++loop.rounds_without_gain;
      }

      // Overlap: the candidates asked for after the previous round arrive now (the wait is what
      // training did not hide).
      std::optional<tuner_answer> arrived;
      if (tuner_.in_flight()) {
        const auto w0 = std::chrono::steady_clock::now();
        arrived = tuner_.wait();
        rec.ta_wait_seconds = seconds_since(w0);
        apply_exchange(*arrived, rec, run, r - 1);
      }

      const bool last = r + 1 == options_.rounds;
      const bool out_of_patience = options_.patience > 0 && loop.rounds_without_gain >= options_.patience;
      const bool out_of_tokens = options_.ta_token_budget > 0 && run.ta_tokens.total_tokens >= options_.ta_token_budget;
      const bool stopping = last || out_of_patience || out_of_tokens;
      // A round must remain to train what the TA sends back: with overlap, two.
      const bool ask = !stopping && (!options_.overlap || r + 2 < options_.rounds);
      std::vector<std::string> cands;
      if (ask) {
        if (options_.overlap) {
          tuner_.ask_async();
        } else {
          const auto w0 = std::chrono::steady_clock::now();
          tuner_answer x = tuner_.ask();
          rec.ta_wait_seconds = seconds_since(w0);
          apply_exchange(x, rec, run, r);
          cands = std::move(x.candidates);
        }
      }
      if (arrived && !stopping) cands = std::move(arrived->candidates);
      if (!cands.empty()) loop.incumbent = pick_by_probe(cands, loop.incumbent, train, dev, &rec).first;
      rec.next_prefix = loop.incumbent;
      rec.seconds = seconds_since(r0);
      run.rounds.push_back(rec);
      if (out_of_patience) run.status = run_status::stopped_patience;
      if (out_of_tokens) run.status = run_status::stopped_budget;
      loop.stopped = out_of_patience || out_of_tokens;
      writer_.write(run);
      checkpoint(run, loop, improved);
      (detail::call_on_round_end(callbacks, round_context{run.rounds.back(), run}), ...);
    }

    std::size_t wins = 0, proposed = 0;
    for (const auto& rr : run.rounds)
      for (const auto& c : rr.candidates) proposed += 1, wins += c.beat_incumbent ? 1 : 0;
    if (proposed) run.ta_accuracy = static_cast<double>(wins) / static_cast<double>(proposed);
    student_.restore(loop.best_state);
    save_best_weights(run);
    if (!test.empty()) run.test = evaluate(test, run.best_prefix);
    if (run.status == run_status::running) run.status = run_status::complete;
    run.seconds += seconds_since(t0);
    writer_.write(run);
    (detail::call_on_run_end(callbacks, run_context{run}), ...);
    return run;
  }

  /// Predictions and scores of the current weights with `prefix` on `data`.
  eval_result evaluate(const dataset_type& data, const std::string& prefix) const {
    std::vector<typename Student::prediction_type> predictions;
    predictions.reserve(data.size());
    double loss_sum = 0.0;
    const std::span<const example_type> all(data.examples);
    for (std::size_t i = 0; i < all.size(); i += eval_batch_size) {
      const auto batch = all.subspan(i, std::min(eval_batch_size, all.size() - i));
      if constexpr (has_predict_with_loss<Student>) {
        auto [p, loss] = student_.predict_with_loss(batch, prefix);
        predictions.insert(predictions.end(), p.begin(), p.end());
        loss_sum += loss * static_cast<double>(batch.size());
      } else {
        auto p = student_.predict(batch, prefix);
        predictions.insert(predictions.end(), p.begin(), p.end());
        loss_sum += student_.loss(batch, prefix) * static_cast<double>(batch.size());
      }
    }
    eval_result r = metric_(std::span<const typename Student::prediction_type>(predictions), all, data.label_names);
    r.loss = loss_sum / static_cast<double>(all.size());
    return r;
  }

  [[nodiscard]] Student& student() noexcept { return student_; }
  [[nodiscard]] const Student& student() const noexcept { return student_; }
  [[nodiscard]] Strategy& strategy() noexcept { return tuner_.strategy(); }
  [[nodiscard]] std::remove_reference_t<Transport>& transport() noexcept { return tuner_.transport(); }
  /// The strategy/TA side of the loop (history, feedbacks sent, TA totals).
  [[nodiscard]] const prefix_tuner<Strategy, Transport>& tuner() const noexcept { return tuner_; }
  [[nodiscard]] const trainer_options& options() const noexcept { return options_; }

 private:
  static constexpr std::size_t eval_batch_size = 256;

  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  static prefix_tuner_options tuner_options_of(const trainer_options& o) {
    prefix_tuner_options t;
    t.candidates = o.candidates;
    t.prefix_token_budget = o.prefix_token_budget;
    t.max_ta_turns = o.max_ta_turns;
    return t;
  }

  /// Counts an exchange in `rec` and the run; a failure ends the run or, if the options say so, is
  /// recorded and the incumbent kept. `asked_after` is the round whose feedback it answered.
  void apply_exchange(const tuner_answer& x, round_record& rec, run_result& run, int asked_after) {
    if (x.tally.requests > 0 || !x.candidates.empty()) rec.candidates_from_round = asked_after;
    rec.ta_requests += x.tally.requests;
    rec.ta_tokens += x.tally.tokens;
    rec.ta_stats += x.tally.stats;
    run.ta_requests += x.tally.requests;
    run.ta_tokens += x.tally.tokens;
    run.ta_stats += x.tally.stats;
    if (!x.tally.model.empty()) run.ta_model = x.tally.model;
    if (!x.failure) return;
    if (!options_.keep_incumbent_on_ta_error) std::rethrow_exception(x.failure);
    try {
      std::rethrow_exception(x.failure);
    } catch (const std::exception& e) {
      rec.ta_error = e.what();
    } catch (...) {
      rec.ta_error = "unknown error";
    }
    if (options_.progress)
      std::fprintf(stderr, "gpta: round %d: TA failed, keeping the incumbent: %s\n", asked_after, rec.ta_error.c_str());
  }

  /// Next batch order: a fresh permutation of the training rows per epoch, from the run's seed.
  std::vector<std::size_t> epoch_order(std::size_t n) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    detail::shuffle(order, batch_rng_);
    return order;
  }

  double train_steps(const dataset_type& train, const std::string& prefix, std::size_t steps,
                     std::vector<std::size_t>& order, std::size_t& cursor) {
    double loss_sum = 0.0;
    std::vector<example_type> batch;
    for (std::size_t s = 0; s < steps; ++s) {
      batch.clear();
      while (batch.size() < options_.batch_size) {
        if (cursor >= order.size()) {
          order = epoch_order(train.size());
          cursor = 0;
          if (!batch.empty()) break;  // an epoch boundary ends the batch
        }
        batch.push_back(train.examples[order[cursor++]]);
      }
      loss_sum += student_.train_step(std::span<const example_type>(batch), prefix);
    }
    return steps ? loss_sum / static_cast<double>(steps) : 0.0;
  }

  template <class... Callbacks>
  std::pair<double, std::size_t> student_phase(const dataset_type& train, const std::string& prefix, int round,
                                               Callbacks&... callbacks) {
    const std::size_t per_epoch = (train.size() + options_.batch_size - 1) / options_.batch_size;
    // epochs 0 with no step cap: the student is frozen (zero-shot; only the prefix can change).
    const int epochs = options_.max_steps_per_round ? std::max(1, options_.epochs_per_round) : options_.epochs_per_round;
    std::size_t budget = options_.max_steps_per_round ? options_.max_steps_per_round
                                                      : per_epoch * static_cast<std::size_t>(epochs);
    detail::progress_bar bar("round " + std::to_string(round), budget, options_.progress);
    double loss_sum = 0.0;
    std::size_t steps = 0;
    for (int e = 0; budget > 0 && e < epochs; ++e) {
      std::vector<std::size_t> order = epoch_order(train.size());
      std::size_t cursor = 0;
      const std::size_t n = std::min(per_epoch, budget);
      double epoch_loss = 0.0;
      for (std::size_t s = 0; s < n; ++s) {
        epoch_loss += train_steps(train, prefix, 1, order, cursor);
        bar.update(steps + s + 1, "loss " + std::to_string(epoch_loss / static_cast<double>(s + 1)).substr(0, 6));
      }
      budget -= n;
      steps += n;
      loss_sum += epoch_loss;
      (detail::call_on_epoch_end(callbacks, epoch_context{round, e, epoch_loss / static_cast<double>(n), n, prefix}),
       ...);
    }
    bar.finish();
    return {steps ? loss_sum / static_cast<double>(steps) : 0.0, steps};
  }

  /// A probe: a few steps from the current weights (same batches for every prefix), then the
  /// dev subset's metrics and per-example losses. The caller restores the weights.
  struct probe_outcome {
    eval_result eval;
    std::vector<double> losses;
  };

  probe_outcome probe(const std::string& prefix, const dataset_type& train, const dataset_type& dev_subset) {
    std::mt19937_64 saved = batch_rng_;
    batch_rng_.seed(detail::mix_seed(options_.seed, 202));  // every candidate sees the same batches
    std::vector<std::size_t> order = epoch_order(train.size());
    std::size_t cursor = 0;
    train_steps(train, prefix, options_.probe_steps, order, cursor);
    batch_rng_ = saved;
    probe_outcome out{evaluate(dev_subset, prefix), {}};
    const std::span<const example_type> all(dev_subset.examples);
    if constexpr (has_example_losses<Student>) {
      out.losses = student_.example_losses(all, prefix);
    } else {
      out.losses.reserve(all.size());
      for (std::size_t i = 0; i < all.size(); ++i) out.losses.push_back(student_.loss(all.subspan(i, 1), prefix));
    }
    return out;
  }

  /// The best of `candidates` against `incumbent` by paired probe (see probe_scoring); returns
  /// the winner (the incumbent unless a candidate beat it past the margin) and its probe score.
  std::pair<std::string, double> pick_by_probe(const std::vector<std::string>& candidates,
                                               const std::string& incumbent, const dataset_type& train,
                                               const dataset_type& dev, round_record* rec) {
    dataset_type dev_subset = dev;
    if (dev_subset.examples.size() > options_.probe_dev_size) dev_subset.examples.resize(options_.probe_dev_size);
    const auto state = student_.snapshot();
    const probe_outcome inc = probe(incumbent, train, dev_subset);
    student_.restore(state);
    const bool paired = options_.probe_score == probe_scoring::paired_loss;
    std::size_t best_index = candidates.size();
    double best_key = 0.0;  // the best candidate's gain (paired) or accuracy lead, past its margin
    std::vector<candidate_record> records;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      candidate_record c;
      c.prefix = candidates[i];
      if (candidates[i] == incumbent) {  // cannot beat itself: recorded, not probed again
        c.probe_score = inc.eval.score;
        c.probe_loss = inc.eval.loss;
        records.push_back(c);
        continue;
      }
      const probe_outcome out = probe(candidates[i], train, dev_subset);
      student_.restore(state);
      const paired_difference d = paired_gain(inc.losses, out.losses);
      c.probe_score = out.eval.score;
      c.probe_loss = out.eval.loss;
      c.paired_gain = d.mean;
      c.paired_se = d.standard_error;
      c.margin = paired ? acceptance_margin(d, options_.probe_z, options_.accept_margin) : options_.accept_margin;
      const double lead = paired ? d.mean : out.eval.score - inc.eval.score;
      c.beat_incumbent = lead > c.margin;
      if (c.beat_incumbent && (best_index == candidates.size() || lead - c.margin > best_key)) {
        best_index = i;
        best_key = lead - c.margin;
      }
      records.push_back(c);
    }
    std::string best = incumbent;
    double best_score = inc.eval.score;
    if (best_index < candidates.size()) {
      best = candidates[best_index];
      best_score = records[best_index].probe_score;
      records[best_index].accepted = true;
    }
    if (rec) {
      rec->incumbent_probe_score = inc.eval.score;
      rec->incumbent_probe_loss = inc.eval.loss;
      const auto wins = std::count_if(records.begin(), records.end(), [](auto& c) { return c.beat_incumbent; });
      rec->ta_accuracy = static_cast<double>(wins) / static_cast<double>(records.size());
      rec->candidates = std::move(records);
    }
    return {best, best_score};
  }

  /// The best round's weights to `dir`/best/student.ckpt (students that can write them), so the
  /// run can be scored on other files later (`gpta eval --run DIR`).
  void save_best_weights([[maybe_unused]] run_result& run) {
    if constexpr (weight_file_student<Student>) {
      if (!writer_.enabled() || !options_.save_best_weights) return;
      std::filesystem::create_directories(writer_.dir() / "best");
      student_.save(writer_.dir() / "best" / "student.ckpt");
      run.best_weights = "best/student.ckpt";
    }
  }

  /// The loop's variables between rounds: what a checkpoint must carry besides the records.
  struct loop_state {
    std::string incumbent;
    typename Student::state_type best_state;
    int rounds_without_gain = 0;
    bool stopped = false;
  };

  /// After a round: weights to state/student-rN.ckpt, then trainer.json (the commit point), then
  /// old weight files go. The best round's file is kept: it holds the best weights.
  void checkpoint(const run_result& run, const loop_state& loop, bool improved) {
    if constexpr (checkpointable_student<Student>) {
      if (!writer_.enabled()) return;
      namespace fs = std::filesystem;
      const fs::path dir = writer_.dir() / "state";
      fs::create_directories(dir);
      const int r = run.rounds.back().round;
      const std::string name = "student-r" + std::to_string(r) + ".ckpt";
      student_.save(dir / name);
      if (improved) best_file_ = name;
      trainer_state st;
      st.completed_rounds = static_cast<int>(run.rounds.size());
      st.incumbent = loop.incumbent;
      std::ostringstream rng;
      rng << batch_rng_;
      st.batch_rng = rng.str();
      st.best_round = run.best_round;
      st.best_score = run.best_dev.score;
      st.rounds_without_gain = loop.rounds_without_gain;
      st.stopped = loop.stopped;
      st.student_file = name;
      st.best_file = best_file_;
      st.history = tuner_.history();
      st.feedbacks = tuner_.sent();
      st.config = writer_.config();
      save_trainer_state(dir / "trainer.json", st);
      for (const auto& e : fs::directory_iterator(dir)) {
        const std::string f = e.path().filename().string();
        if (f.rfind("student-r", 0) == 0 && f != name && f != best_file_) fs::remove(e.path());
      }
    } else {
      (void)run, (void)loop, (void)improved;
    }
  }

  /// Rebuilds run records, weights, batch order and the strategy's conversation from a checkpoint.
  /// In overlap mode the last feedback may have been in flight at the checkpoint: it is returned,
  /// not replayed, so that fit() sends it again and probes its answer at the end of the next round.
  std::optional<round_feedback> restore_from(const trainer_state& st, run_result& run, loop_state& loop,
                                             const task_info& t) {
    if constexpr (checkpointable_student<Student>) {
      const auto dir = writer_.dir() / "state";
      const auto doc = detail::parse_object_file(writer_.path());
      run = run_result_from_json(detail::field(doc, "result", writer_.path()));
      if (run.rounds.size() < static_cast<std::size_t>(st.completed_rounds))
        throw data_error(errc::bad_record, writer_.path(), 0,
                         "holds fewer rounds than " + (dir / "trainer.json").string());
      run.rounds.resize(static_cast<std::size_t>(st.completed_rounds));  // a round past the checkpoint is redone
      if (!st.stopped) run.status = run_status::running;
      run.best_round = st.best_round;
      run.best_prefix = run.rounds.at(static_cast<std::size_t>(st.best_round)).prefix;
      run.best_dev = run.rounds.at(static_cast<std::size_t>(st.best_round)).dev;
      run.best_dev.score = st.best_score;
      run.ta_requests = 0;
      run.ta_tokens = {};
      for (const auto& rr : run.rounds) run.ta_requests += rr.ta_requests, run.ta_tokens += rr.ta_tokens;
      student_ = Student::load(dir / st.best_file);
      loop.best_state = student_.snapshot();
      student_ = Student::load(dir / st.student_file);
      best_file_ = st.best_file;
      std::istringstream rng(st.batch_rng);
      rng >> batch_rng_;
      loop.incumbent = st.incumbent;
      loop.rounds_without_gain = st.rounds_without_gain;
      loop.stopped = st.stopped;
      // Replay the strategy's side of the conversation; its TA calls are not counted again.
      std::span<const round_feedback> replay(st.feedbacks);
      std::optional<round_feedback> in_flight;
      if (options_.overlap && !replay.empty() && replay.back().round == st.completed_rounds - 1) {
        in_flight = replay.back();
        replay = replay.first(replay.size() - 1);
      }
      std::optional<round_record> last, previous;
      if (!run.rounds.empty()) last = run.rounds.back();
      if (run.rounds.size() > 1) previous = run.rounds[run.rounds.size() - 2];
      tuner_.resume(t, st.history, replay, std::move(last), std::move(previous));
      return in_flight;
    } else {
      (void)st, (void)run, (void)loop, (void)t;
      return std::nullopt;
    }
  }

  Student student_;
  prefix_tuner<Strategy, Transport> tuner_;
  trainer_options options_;
  Metric metric_;
  run_writer writer_;
  std::optional<trainer_state> resume_state_;
  std::string best_file_;
  std::mt19937_64 batch_rng_;
};

/// The common choice: classification students, TA reached through any transport.
template <student_model Student, prompt_strategy Strategy, llm_transport Transport = null_transport>
using trainer = basic_trainer<Student, Strategy, Transport>;

}  // namespace gpta
