// A run folder read back: `gpta eval` scores its best (prefix, weights); `gpta compare --resume`
// reuses a run that finished with the same configuration instead of running it again.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/train/run_record.hpp>

#include "experiment.hpp"

namespace gpta::cli {

struct saved_run {
  std::filesystem::path dir;
  experiment_config config;
  run_result result;
};

/// The run of `dir` from its run.json, already parsed into `doc`.
inline saved_run saved_run_from(const std::filesystem::path& dir, const boost::json::object& doc) {
  const auto file = dir / "run.json";
  const auto* config = doc.if_contains("config");
  const auto* result = doc.if_contains("result");
  if (!config || !config->is_object()) throw data_error(errc::bad_record, file, 0, "no object 'config'");
  if (!result || !result->is_object()) throw data_error(errc::bad_record, file, 0, "no object 'result'");
  saved_run r{dir, experiment_config_from_json(config->as_object(), file), {}};
  try {
    r.result = run_result_from_json(*result);
  } catch (const std::exception& e) {
    throw data_error(errc::bad_record, file, 0, std::string("field 'result': ") + e.what());
  }
  return r;
}

inline saved_run read_saved_run(const std::filesystem::path& dir) {
  const auto file = dir / "run.json";
  if (!std::filesystem::exists(file))
    throw data_error(errc::file_not_found, file, 0, "no run record here (a run folder of gpta train or compare holds one)");
  return saved_run_from(dir, gpta::detail::parse_object_file(file));
}

/// JSON equality where numbers may differ in the last few bits: Boost.JSON 1.81 reads some
/// doubles one ulp off what was written. Returns the first differing key ("" when equal).
inline std::string first_json_difference(const boost::json::object& recorded, const boost::json::object& wanted) {
  const auto same = [](const auto& self, const boost::json::value& a, const boost::json::value& b) -> bool {
    if (a.is_number() && b.is_number()) {
      const double x = a.to_number<double>(), y = b.to_number<double>();
      return x == y || std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y));
    }
    if (a.kind() != b.kind()) return false;
    if (a.is_object()) {
      const auto &o = a.as_object(), &p = b.as_object();
      if (o.size() != p.size()) return false;
      for (const auto& kv : o)
        if (!p.contains(kv.key()) || !self(self, kv.value(), p.at(kv.key()))) return false;
      return true;
    }
    if (a.is_array()) {
      const auto &u = a.as_array(), &v = b.as_array();
      if (u.size() != v.size()) return false;
      for (std::size_t i = 0; i < u.size(); ++i)
        if (!self(self, u[i], v[i])) return false;
      return true;
    }
    return a == b;
  };
  for (const auto& kv : wanted)
    if (!recorded.contains(kv.key()) || !same(same, recorded.at(kv.key()), kv.value())) return std::string(kv.key());
  for (const auto& kv : recorded)
    if (!wanted.contains(kv.key())) return std::string(kv.key());
  return "";
}

/// The run recorded in `c.out` when it finished (status not running, a test evaluation) with the
/// configuration `c`: what `gpta compare --resume` reuses. Nothing when there is no such run;
/// `why` then says what was missing (empty when there was no run.json at all). A run recorded
/// with another configuration is an error naming the field: --resume never overwrites it.
inline std::optional<experiment_result> finished_run(const experiment_config& c, std::string& why) {
  why.clear();
  const auto file = c.out / "run.json";
  if (!std::filesystem::exists(file)) return std::nullopt;
  if (!c.eval_files.empty() || c.score_train) {
    why = "--eval-file and training-split scores are not recorded for reuse";
    return std::nullopt;
  }
  const boost::json::object doc = gpta::detail::parse_object_file(file);
  saved_run saved = saved_run_from(c.out, doc);  // checks 'config' and 'result' are there
  if (const std::string key = first_json_difference(doc.at("config").as_object(), c.to_json()); !key.empty()) {
    throw usage_error("flag --resume: " + file.string() + " was recorded with a different configuration (field '" +
                      key + "'); give another --out, or drop --resume to overwrite it");
  }
  if (saved.result.status == run_status::running || !saved.result.test) {
    why = "it did not finish";
    return std::nullopt;
  }
  experiment_result out;
  out.run = std::move(saved.result);
  if (const auto* e = doc.if_contains("exposure"); e && e->is_object()) {
    const auto& o = e->as_object();
    audit_summary s;
    s.requests = detail::count_or_zero(o, "requests");
    s.refused = detail::count_or_zero(o, "refused");
    s.failed = detail::count_or_zero(o, "failed");
    s.examples_exposed = detail::count_or_zero(o, "examples_exposed");
    out.exposure = s;
  }
  return out;
}

}  // namespace gpta::cli
