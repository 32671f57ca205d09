// run.json: the machine-readable record of a run, rewritten atomically after every round so a
// crash leaves the last complete round on disk. JSON mapping of the records in train/records.hpp.
#pragma once

#include <filesystem>
#include <string>

#include <boost/json.hpp>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/train/records.hpp>
#include <gpta/version.hpp>

namespace gpta {

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const token_usage& u) {
  v = {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}, {"total_tokens", u.total_tokens}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const class_report& c) {
  v = {{"label", c.label}, {"precision", c.precision}, {"recall", c.recall}, {"f1", c.f1}, {"support", c.support}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const eval_result& e) {
  v = {{"metric", e.metric},     {"score", e.score}, {"accuracy", e.accuracy},
       {"macro_f1", e.macro_f1}, {"loss", e.loss},   {"count", e.count},
       {"per_class", boost::json::value_from(e.per_class)}};
}

inline void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const candidate_record& c) {
  v = {{"prefix", c.prefix}, {"probe_score", c.probe_score}, {"beat_incumbent", c.beat_incumbent},
       {"accepted", c.accepted}};
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
       {"candidates", boost::json::value_from(r.candidates)},
       {"ta_accuracy", detail::optional_json(r.ta_accuracy)},
       {"ta_tokens", boost::json::value_from(r.ta_tokens)},
       {"ta_requests", r.ta_requests},
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
       {"seconds", r.seconds}};
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
