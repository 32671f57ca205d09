// A prefix repository: learned prefixes with their scores and provenance, kept in one JSON file,
// so a run on one dataset can start from a prefix learned on another of the same domain.
#pragma once

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/detail/error.hpp>
#include <gpta/train/trainer_state.hpp>

namespace gpta {

struct prefix_entry {
  std::string prefix;
  std::string dataset;   ///< where it was learned, e.g. "sst2"
  std::string domain;    ///< e.g. "sentiment": transfer stays within a domain
  std::string metric;    ///< e.g. "accuracy"
  double score = 0.0;    ///< dev score of the round that used it
  int round = 0;
  std::string strategy;  ///< e.g. "dialogue"
  std::string ta_model;  ///< the TA that wrote it ("" for offline strategies)
  std::string date;      ///< UTC, ISO 8601
};

class prefix_repository {
 public:
  /// Reads `file`; a missing file is an empty repository, a malformed one an error naming it.
  [[nodiscard]] static prefix_repository load(const std::filesystem::path& file) {
    prefix_repository repo;
    if (!std::filesystem::exists(file)) return repo;
    const boost::json::object doc = detail::parse_object_file(file);
    const auto& fmt = detail::field(doc, "format", file);
    if (!fmt.is_string() || fmt.as_string() != "gpta.prefixes/1")
      throw data_error(errc::unsupported_version, file, 0, "not a gpta.prefixes/1 file");
    const auto& entries = detail::field(doc, "entries", file);
    if (!entries.is_array()) throw data_error(errc::bad_record, file, 0, "field 'entries' must be an array");
    std::size_t i = 0;
    for (const auto& v : entries.as_array()) {
      try {
        prefix_entry e;
        e.prefix = v.at("prefix").as_string().c_str();
        e.dataset = v.at("dataset").as_string().c_str();
        e.domain = v.at("domain").as_string().c_str();
        e.metric = v.at("metric").as_string().c_str();
        e.score = v.at("score").to_number<double>();
        e.round = static_cast<int>(v.at("round").to_number<std::int64_t>());
        e.strategy = v.at("strategy").as_string().c_str();
        e.ta_model = v.at("ta_model").as_string().c_str();
        e.date = v.at("date").as_string().c_str();
        repo.entries_.push_back(std::move(e));
      } catch (const std::exception& ex) {
        throw data_error(errc::bad_record, file, 0,
                         "entries[" + std::to_string(i) + "] is malformed (" + ex.what() + ")");
      }
      ++i;
    }
    return repo;
  }

  /// Writes the repository atomically.
  void save(const std::filesystem::path& file) const {
    boost::json::array arr;
    for (const auto& e : entries_)
      arr.push_back({{"prefix", e.prefix}, {"dataset", e.dataset}, {"domain", e.domain}, {"metric", e.metric},
                     {"score", e.score}, {"round", e.round}, {"strategy", e.strategy}, {"ta_model", e.ta_model},
                     {"date", e.date}});
    boost::json::object doc{{"format", "gpta.prefixes/1"}, {"entries", arr}};
    detail::write_file_atomic(file, boost::json::serialize(doc) + "\n");
  }

  /// Adds an entry, stamping the date if it has none. An identical (prefix, dataset) pair keeps
  /// its best score only, so re-running an experiment does not grow the file.
  void add(prefix_entry e) {
    if (e.date.empty()) e.date = utc_now();
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const prefix_entry& x) { return x.prefix == e.prefix && x.dataset == e.dataset; });
    if (it == entries_.end()) entries_.push_back(std::move(e));
    else if (e.score > it->score) *it = std::move(e);
  }

  /// Best-scoring entry of `domain`, optionally excluding one dataset (to test transfer).
  [[nodiscard]] std::optional<prefix_entry> best(std::string_view domain, std::string_view exclude_dataset = {}) const {
    std::optional<prefix_entry> out;
    for (const auto& e : entries_)
      if (e.domain == domain && e.dataset != exclude_dataset && (!out || e.score > out->score)) out = e;
    return out;
  }

  [[nodiscard]] const std::vector<prefix_entry>& entries() const noexcept { return entries_; }

  [[nodiscard]] static std::string utc_now() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }

 private:
  std::vector<prefix_entry> entries_;
};

}  // namespace gpta
