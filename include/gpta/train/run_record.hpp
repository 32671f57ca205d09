// run.json: the machine-readable record of a run, rewritten atomically after every round so a
// crash leaves the last complete round on disk. JSON mapping of the records in core/records.hpp.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include <gpta/core/records.hpp>
#include <gpta/detail/atomic_file.hpp>
#include <gpta/version.hpp>

namespace gpta {

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const token_usage& u) {
  v = {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}, {"total_tokens", u.total_tokens}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const class_report& c) {
  v = {{"label", c.label}, {"precision", c.precision}, {"recall", c.recall}, {"f1", c.f1}, {"support", c.support}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const eval_diagnostic& d) {
  v = {{"name", d.name}, {"value", d.value}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const eval_result& e) {
  v = {{"metric", e.metric},
       {"score", e.score},
       {"accuracy", e.accuracy},
       {"macro_f1", e.macro_f1},
       {"loss", e.loss},
       {"count", e.count},
       {"per_class", boost::json::value_from(e.per_class)},
       {"breakdown", e.breakdown},
       {"diagnostics", boost::json::value_from(e.diagnostics)},
       {"per_example", boost::json::value_from(e.per_example)}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const candidate_record& c) {
  v = {{"prefix", c.prefix},           {"probe_score", c.probe_score}, {"beat_incumbent", c.beat_incumbent},
       {"accepted", c.accepted},       {"probe_loss", c.probe_loss},   {"paired_gain", c.paired_gain},
       {"paired_se", c.paired_se},     {"margin", c.margin}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const ta_round_stats& t) {
  v = {{"answers", t.answers},
       {"answers_usable", t.answers_usable},
       {"schema_answers", t.schema_answers},
       {"fallback_answers", t.fallback_answers},
       {"new_candidates", t.new_candidates},
       {"duplicates", t.duplicates},
       {"unusable", t.unusable},
       {"over_budget", t.over_budget},
       {"repaired", t.repaired},
       {"corrections", t.corrections},
       {"exhausted", t.exhausted},
       {"latency_seconds", boost::json::value_from(t.latency_seconds)},
       {"latency_mean_seconds", t.latency_mean()},
       {"latency_p95_seconds", t.latency_p95()}};
}

namespace detail {
template <class T>
boost::json::value optional_json(const std::optional<T>& o) {
  return o ? boost::json::value_from(*o) : boost::json::value(nullptr);
}
}  // namespace detail

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const round_record& r) {
  v = {{"round", r.round},
       {"prefix", r.prefix},
       {"train_loss", r.train_loss},
       {"dev", boost::json::value_from(r.dev)},
       {"steps", r.steps},
       {"incumbent_probe_score", detail::optional_json(r.incumbent_probe_score)},
       {"incumbent_probe_loss", detail::optional_json(r.incumbent_probe_loss)},
       {"candidates", boost::json::value_from(r.candidates)},
       {"ta_accuracy", detail::optional_json(r.ta_accuracy)},
       {"ta_tokens", boost::json::value_from(r.ta_tokens)},
       {"ta_requests", r.ta_requests},
       {"ta_error", r.ta_error},
       {"ta_stats", boost::json::value_from(r.ta_stats)},
       {"ta_wait_seconds", r.ta_wait_seconds},
       {"candidates_from_round", detail::optional_json(r.candidates_from_round)},
       {"seconds", r.seconds},
       {"next_prefix", r.next_prefix}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const run_result& r) {
  v = {{"strategy", r.strategy},
       {"status", to_string(r.status)},
       {"rounds", boost::json::value_from(r.rounds)},
       {"best_round", r.best_round},
       {"best_prefix", r.best_prefix},
       {"best_dev", boost::json::value_from(r.best_dev)},
       {"test", detail::optional_json(r.test)},
       {"ta_tokens", boost::json::value_from(r.ta_tokens)},
       {"ta_requests", r.ta_requests},
       {"ta_accuracy", detail::optional_json(r.ta_accuracy)},
       {"ta_stats", boost::json::value_from(r.ta_stats)},
       {"ta_model", r.ta_model},
       {"empty_prefix_reason", r.empty_prefix_reason},
       {"best_weights", r.best_weights},
       {"seconds", r.seconds}};
}

// Reading records back (resume). Numbers here are for reporting; the doubles that steer the loop
// come from the exact trainer state (train/trainer_state.hpp).
namespace detail {
inline double num(const boost::json::value& v) { return v.to_number<double>(); }
template <class T>
std::optional<T> opt(const boost::json::value& v, T (*read)(const boost::json::value&)) {
  if (v.is_null()) return std::nullopt;
  return read(v);
}
inline token_usage usage_from(const boost::json::value& v) {
  return {v.at("prompt_tokens").to_number<std::int64_t>(), v.at("completion_tokens").to_number<std::int64_t>(),
          v.at("total_tokens").to_number<std::int64_t>()};
}
inline eval_result eval_from(const boost::json::value& v) {
  eval_result e;
  e.metric = v.at("metric").as_string().c_str();
  e.score = num(v.at("score"));
  e.accuracy = num(v.at("accuracy"));
  e.macro_f1 = num(v.at("macro_f1"));
  e.loss = num(v.at("loss"));
  e.count = v.at("count").to_number<std::size_t>();
  for (const auto& c : v.at("per_class").as_array())
    e.per_class.push_back({c.at("label").as_string().c_str(), num(c.at("precision")), num(c.at("recall")),
                           num(c.at("f1")), c.at("support").to_number<std::size_t>()});
  // Records written before breakdown/diagnostics existed read as a classifier's.
  if (const auto* b = v.as_object().if_contains("breakdown")) e.breakdown = b->as_string().c_str();
  if (const auto* ds = v.as_object().if_contains("diagnostics"))
    for (const auto& d : ds->as_array()) e.diagnostics.push_back({d.at("name").as_string().c_str(), num(d.at("value"))});
  if (const auto* pe = v.as_object().if_contains("per_example"))
    for (const auto& x : pe->as_array()) e.per_example.push_back(num(x));
  return e;
}
inline std::size_t count_or_zero(const boost::json::object& o, std::string_view key) {
  const auto* x = o.if_contains(key);
  return x ? x->to_number<std::size_t>() : 0;
}
inline double num_or_zero(const boost::json::object& o, std::string_view key) {
  const auto* x = o.if_contains(key);
  return x ? num(*x) : 0.0;
}
inline ta_round_stats ta_stats_from(const boost::json::value* v) {
  ta_round_stats t;
  if (!v || !v->is_object()) return t;
  const auto& o = v->as_object();
  t.answers = count_or_zero(o, "answers");
  t.answers_usable = count_or_zero(o, "answers_usable");
  t.schema_answers = count_or_zero(o, "schema_answers");
  t.fallback_answers = count_or_zero(o, "fallback_answers");
  t.new_candidates = count_or_zero(o, "new_candidates");
  t.duplicates = count_or_zero(o, "duplicates");
  t.unusable = count_or_zero(o, "unusable");
  t.over_budget = count_or_zero(o, "over_budget");
  t.repaired = count_or_zero(o, "repaired");
  t.corrections = count_or_zero(o, "corrections");
  t.exhausted = count_or_zero(o, "exhausted");
  if (const auto* l = o.if_contains("latency_seconds"))
    for (const auto& x : l->as_array()) t.latency_seconds.push_back(num(x));
  return t;
}
inline round_record round_from(const boost::json::value& v) {
  round_record r;
  r.round = static_cast<int>(v.at("round").to_number<std::int64_t>());
  r.prefix = v.at("prefix").as_string().c_str();
  r.train_loss = num(v.at("train_loss"));
  r.dev = eval_from(v.at("dev"));
  r.steps = v.at("steps").to_number<std::size_t>();
  r.incumbent_probe_score = opt<double>(v.at("incumbent_probe_score"), num);
  if (const auto* l = v.as_object().if_contains("incumbent_probe_loss")) r.incumbent_probe_loss = opt<double>(*l, num);
  for (const auto& c : v.at("candidates").as_array()) {
    const auto& o = c.as_object();
    r.candidates.push_back({c.at("prefix").as_string().c_str(), num(c.at("probe_score")),
                            c.at("beat_incumbent").as_bool(), c.at("accepted").as_bool(), num_or_zero(o, "probe_loss"),
                            num_or_zero(o, "paired_gain"), num_or_zero(o, "paired_se"), num_or_zero(o, "margin")});
  }
  r.ta_accuracy = opt<double>(v.at("ta_accuracy"), num);
  r.ta_tokens = usage_from(v.at("ta_tokens"));
  r.ta_requests = v.at("ta_requests").to_number<std::size_t>();
  r.ta_error = v.at("ta_error").as_string().c_str();
  r.ta_stats = ta_stats_from(v.as_object().if_contains("ta_stats"));
  r.ta_wait_seconds = num(v.at("ta_wait_seconds"));
  r.candidates_from_round = opt<int>(v.at("candidates_from_round"), [](const boost::json::value& x) {
    return static_cast<int>(x.to_number<std::int64_t>());
  });
  r.seconds = num(v.at("seconds"));
  r.next_prefix = v.at("next_prefix").as_string().c_str();
  return r;
}
}  // namespace detail

/// The `result` of a run.json written by run_writer, read back: rounds, best round, the test
/// evaluation (when the run finished), TA usage and accuracy (for resume, `gpta eval`, and
/// `gpta compare --resume` reusing finished runs). Doubles are as Boost.JSON parses them (for
/// reporting; the loop's own state is exact in trainer.json).
[[nodiscard]] inline run_result run_result_from_json(const boost::json::value& result) {
  run_result r;
  r.strategy = result.at("strategy").as_string().c_str();
  const std::string status = result.at("status").as_string().c_str();
  for (auto st : {run_status::running, run_status::complete, run_status::stopped_patience, run_status::stopped_budget})
    if (status == to_string(st)) r.status = st;
  for (const auto& rr : result.at("rounds").as_array()) r.rounds.push_back(detail::round_from(rr));
  r.best_round = static_cast<int>(result.at("best_round").to_number<std::int64_t>());
  r.best_prefix = result.at("best_prefix").as_string().c_str();
  r.best_dev = detail::eval_from(result.at("best_dev"));
  if (const auto* t = result.as_object().if_contains("test"); t && !t->is_null()) r.test = detail::eval_from(*t);
  if (const auto* a = result.as_object().if_contains("ta_accuracy")) r.ta_accuracy = detail::opt<double>(*a, detail::num);
  if (const auto* s = result.as_object().if_contains("seconds")) r.seconds = detail::num(*s);
  r.ta_tokens = detail::usage_from(result.at("ta_tokens"));
  r.ta_requests = result.at("ta_requests").to_number<std::size_t>();
  r.ta_stats = detail::ta_stats_from(result.as_object().if_contains("ta_stats"));
  if (const auto* m = result.as_object().if_contains("ta_model")) r.ta_model = m->as_string().c_str();
  if (const auto* e = result.as_object().if_contains("empty_prefix_reason")) r.empty_prefix_reason = e->as_string().c_str();
  if (const auto* w = result.as_object().if_contains("best_weights")) r.best_weights = w->as_string().c_str();
  return r;
}

/// Pretty-ish JSON: one top-level key per line, so diffs of run.json stay readable.
[[nodiscard]] inline std::string to_json_text(const boost::json::object& o) {
  std::string out = "{\n";
  bool first = true;
  for (const auto& kv : o) {
    if (!first) out += ",\n";
    first = false;
    out += "  " + boost::json::serialize(boost::json::value(kv.key())) + ": " + boost::json::serialize(kv.value());
  }
  out += "\n}\n";
  return out;
}

/// Owns `<dir>/run.json`: the run's configuration plus its result so far.
class run_writer {
 public:
  run_writer() = default;
  run_writer(std::filesystem::path dir, boost::json::object config)
      : dir_(std::move(dir)), config_(std::move(config)) {}

  [[nodiscard]] bool enabled() const noexcept { return !dir_.empty(); }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] std::filesystem::path path() const { return dir_ / "run.json"; }
  [[nodiscard]] const boost::json::object& config() const noexcept { return config_; }

  void write(const run_result& r) const {
    if (!enabled()) return;
    boost::json::object doc;
    doc["format"] = "gpta.run/1";
    doc["gpta_version"] = GPTA_VERSION_STRING_OR_UNKNOWN;
    doc["config"] = config_;
    doc["result"] = boost::json::value_from(r);
    detail::write_file_atomic(path(), to_json_text(doc));
  }

 private:
  std::filesystem::path dir_;
  boost::json::object config_;
};

}  // namespace gpta
