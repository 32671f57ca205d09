// What a crashed run needs to resume: the loop's own state after its last complete round, in
// `<run>/state/trainer.json`. Doubles that steer the loop are stored exactly (hex floats), since
// Boost.JSON 1.81 may parse a decimal back one ulp off and flip a best-by-dev comparison.
#pragma once

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <gpta/core/feedback.hpp>
#include <gpta/core/records.hpp>
#include <gpta/detail/atomic_file.hpp>
#include <gpta/detail/error.hpp>

namespace gpta {

namespace detail {
[[nodiscard]] inline std::string exact(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

[[nodiscard]] inline double exact_from(const boost::json::value& v, const std::filesystem::path& file,
                                       const char* field) {
  const auto* s = v.if_string();
  if (!s) throw data_error(errc::bad_record, file, 0, std::string("field '") + field + "' must be a hex-float string");
  char* end = nullptr;
  const std::string text(s->c_str());
  const double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size())
    throw data_error(errc::bad_record, file, 0, std::string("field '") + field + "' is not a number: " + text);
  return d;
}

[[nodiscard]] inline std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw data_error(errc::file_not_found, p, 0, "cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

[[nodiscard]] inline boost::json::object parse_object_file(const std::filesystem::path& p) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(read_text_file(p), ec);
  if (ec) throw data_error(errc::parse_error, p, 0, "invalid JSON: " + ec.message());
  if (!v.is_object()) throw data_error(errc::bad_record, p, 0, "top level must be a JSON object");
  return std::move(v.as_object());
}

/// Field access naming the file and the field on error.
[[nodiscard]] inline const boost::json::value& field(const boost::json::object& o, const char* name,
                                                     const std::filesystem::path& file) {
  const auto* v = o.if_contains(name);
  if (!v) throw data_error(errc::bad_record, file, 0, std::string("missing field '") + name + "'");
  return *v;
}
}  // namespace detail

/// The loop's state after `completed_rounds` rounds.
struct trainer_state {
  int completed_rounds = 0;
  std::string incumbent;
  std::string batch_rng;  ///< std::mt19937_64 in its standard text form
  int best_round = -1;
  double best_score = 0.0;
  int rounds_without_gain = 0;
  bool stopped = false;      ///< patience or budget ended the loop
  std::string student_file;  ///< weights after the last complete round (relative to state/)
  std::string best_file;     ///< weights of the best round so far
  std::vector<scored_prefix> history;
  std::vector<round_feedback> feedbacks;  ///< every feedback given to the strategy, for replay
  boost::json::object config;             ///< the run's configuration, checked on resume
};

inline boost::json::object feedback_to_json(const round_feedback& f) {
  boost::json::array per_class, history;
  for (const auto& c : f.per_class) per_class.push_back({{"label", c.label}, {"score", detail::exact(c.score)}});
  for (const auto& h : f.history)
    history.push_back({{"prefix", h.prefix}, {"score", detail::exact(h.score)}, {"round", h.round}});
  boost::json::array diagnostics;
  for (const auto& d : f.diagnostics)
    diagnostics.push_back({{"name", d.name},
                           {"value", detail::exact(d.value)},
                           {"previous", d.previous ? boost::json::value(detail::exact(*d.previous)) : boost::json::value()}});
  return {{"round", f.round},
          {"incumbent", f.incumbent},
          {"dev_score", detail::exact(f.dev_score)},
          {"previous_dev_score",
           f.previous_dev_score ? boost::json::value(detail::exact(*f.previous_dev_score)) : boost::json::value()},
          {"train_loss", detail::exact(f.train_loss)},
          {"dev_loss", detail::exact(f.dev_loss)},
          {"metric_name", f.metric_name},
          {"per_class", per_class},
          {"breakdown", f.breakdown},
          {"diagnostics", diagnostics},
          {"history", history},
          {"candidates_wanted", f.candidates_wanted},
          {"prefix_token_budget", f.prefix_token_budget}};
}

inline round_feedback feedback_from_json(const boost::json::object& o, const std::filesystem::path& file) {
  using detail::exact_from;
  using detail::field;
  round_feedback f;
  f.round = static_cast<int>(field(o, "round", file).to_number<std::int64_t>());
  f.incumbent = field(o, "incumbent", file).as_string().c_str();
  f.dev_score = exact_from(field(o, "dev_score", file), file, "dev_score");
  if (const auto& p = field(o, "previous_dev_score", file); !p.is_null())
    f.previous_dev_score = exact_from(p, file, "previous_dev_score");
  f.train_loss = exact_from(field(o, "train_loss", file), file, "train_loss");
  f.dev_loss = exact_from(field(o, "dev_loss", file), file, "dev_loss");
  f.metric_name = field(o, "metric_name", file).as_string().c_str();
  for (const auto& c : field(o, "per_class", file).as_array())
    f.per_class.push_back({c.at("label").as_string().c_str(), exact_from(c.at("score"), file, "per_class.score")});
  // breakdown and diagnostics came later: state files without them read as a classifier's.
  if (const auto* b = o.if_contains("breakdown")) f.breakdown = b->as_string().c_str();
  if (const auto* ds = o.if_contains("diagnostics"))
    for (const auto& d : ds->as_array()) {
      feedback_diagnostic x{d.at("name").as_string().c_str(), exact_from(d.at("value"), file, "diagnostics.value"),
                            std::nullopt};
      if (!d.at("previous").is_null()) x.previous = exact_from(d.at("previous"), file, "diagnostics.previous");
      f.diagnostics.push_back(std::move(x));
    }
  for (const auto& h : field(o, "history", file).as_array())
    f.history.push_back({h.at("prefix").as_string().c_str(), exact_from(h.at("score"), file, "history.score"),
                         static_cast<int>(h.at("round").to_number<std::int64_t>())});
  f.candidates_wanted = field(o, "candidates_wanted", file).to_number<std::size_t>();
  f.prefix_token_budget = field(o, "prefix_token_budget", file).to_number<std::size_t>();
  return f;
}

inline void save_trainer_state(const std::filesystem::path& file, const trainer_state& s) {
  boost::json::array history, feedbacks;
  for (const auto& h : s.history)
    history.push_back({{"prefix", h.prefix}, {"score", detail::exact(h.score)}, {"round", h.round}});
  for (const auto& f : s.feedbacks) feedbacks.push_back(feedback_to_json(f));
  boost::json::object o{{"format", "gpta.trainer_state/1"},
                        {"completed_rounds", s.completed_rounds},
                        {"incumbent", s.incumbent},
                        {"batch_rng", s.batch_rng},
                        {"best_round", s.best_round},
                        {"best_score", detail::exact(s.best_score)},
                        {"rounds_without_gain", s.rounds_without_gain},
                        {"stopped", s.stopped},
                        {"student_file", s.student_file},
                        {"best_file", s.best_file},
                        {"history", history},
                        {"feedbacks", feedbacks},
                        {"config", s.config}};
  detail::write_file_atomic(file, boost::json::serialize(o) + "\n");
}

inline trainer_state load_trainer_state(const std::filesystem::path& file) {
  using detail::field;
  const boost::json::object o = detail::parse_object_file(file);
  if (const auto* f = o.if_contains("format"); !f || !f->is_string() || f->as_string() != "gpta.trainer_state/1")
    throw data_error(errc::unsupported_version, file, 0, "not a gpta.trainer_state/1 file");
  trainer_state s;
  try {
    s.completed_rounds = static_cast<int>(field(o, "completed_rounds", file).to_number<std::int64_t>());
    s.incumbent = field(o, "incumbent", file).as_string().c_str();
    s.batch_rng = field(o, "batch_rng", file).as_string().c_str();
    s.best_round = static_cast<int>(field(o, "best_round", file).to_number<std::int64_t>());
    s.best_score = detail::exact_from(field(o, "best_score", file), file, "best_score");
    s.rounds_without_gain = static_cast<int>(field(o, "rounds_without_gain", file).to_number<std::int64_t>());
    s.stopped = field(o, "stopped", file).as_bool();
    s.student_file = field(o, "student_file", file).as_string().c_str();
    s.best_file = field(o, "best_file", file).as_string().c_str();
    for (const auto& h : field(o, "history", file).as_array())
      s.history.push_back({h.at("prefix").as_string().c_str(), detail::exact_from(h.at("score"), file, "history"),
                           static_cast<int>(h.at("round").to_number<std::int64_t>())});
    for (const auto& f : field(o, "feedbacks", file).as_array()) s.feedbacks.push_back(feedback_from_json(f.as_object(), file));
    s.config = field(o, "config", file).as_object();
  } catch (const data_error&) {
    throw;
  } catch (const std::exception& e) {
    throw data_error(errc::bad_record, file, 0, std::string("malformed trainer state: ") + e.what());
  }
  return s;
}

}  // namespace gpta
