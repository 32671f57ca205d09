// A transport decorator that records what the teaching assistant saw (JSONL exposure log) and
// enforces the run's exemplar budget: GPTA's privacy claim, measured instead of asserted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include <gpta/concepts/llm_transport.hpp>
#include <gpta/llm/chat_json.hpp>
#include <gpta/llm/error.hpp>
#include <gpta/llm/exposure_index.hpp>

namespace gpta {

struct audit_options {
  std::filesystem::path log_path;  ///< JSONL, appended to; empty: count only, no log
  std::size_t span_words = 8;      ///< a verbatim run this long of a training text exposes it
  std::size_t min_example_words = 4;  ///< shorter training texts are not attributed (too common)
  /// Most distinct training examples the TA may ever see in this run; unset: unlimited. A
  /// request that would go over is refused before it is sent.
  std::optional<std::size_t> exemplar_budget;
};

struct audit_summary {
  std::uint64_t requests = 0;  ///< sent to the inner transport
  std::uint64_t refused = 0;   ///< stopped by the budget, never sent
  std::uint64_t failed = 0;    ///< sent, and the inner transport failed
  token_usage usage;           ///< of the successful requests
  std::size_t examples_exposed = 0;  ///< distinct training examples in any sent request
};

template <class Transport>
class audited_transport {
  static_assert(detail::check_llm_transport<std::remove_reference_t<Transport>>());

 public:
  audited_transport(Transport inner, const std::vector<std::string>& training_texts, audit_options opts = {})
      : inner_(std::forward<Transport>(inner)),
        opts_(std::move(opts)),
        index_(training_texts, opts_.span_words, opts_.min_example_words) {
    if (!opts_.log_path.empty()) {
      st_->log.open(opts_.log_path, std::ios::binary | std::ios::app);
      if (!st_->log)
        throw std::runtime_error("gpta::audited_transport: cannot open exposure log '" + opts_.log_path.string() + "'");
    }
  }

  /// Training examples (indices into the texts given at construction) that `req` contains.
  [[nodiscard]] std::vector<std::size_t> examples_in(const chat_request& req) const {
    std::set<std::size_t> all;
    // Message by message: a span never straddles two messages in what the model reads.
    for (const auto& m : req.messages)
      for (std::size_t e : index_.find(m.content)) all.insert(e);
    return {all.begin(), all.end()};
  }

  chat_response complete(const chat_request& req) {
    const std::vector<std::size_t> found = examples_in(req);
    std::vector<std::size_t> fresh;
    std::uint64_t seq = 0;
    {
      std::lock_guard lock(st_->mutex);
      for (std::size_t e : found)
        if (!st_->exposed.count(e)) fresh.push_back(e);
      seq = ++st_->seq;
      if (opts_.exemplar_budget && st_->exposed.size() + fresh.size() > *opts_.exemplar_budget) {
        ++st_->summary.refused;
        write_log(seq, "refused", req, found, fresh.size(), nullptr, nullptr);
        throw llm_error(llm_errc::exposure_budget_exceeded,
                        "request would show the teaching assistant " + std::to_string(fresh.size()) +
                            " new training example(s) (first: #" + std::to_string(fresh.front()) + ") with " +
                            std::to_string(st_->exposed.size()) + " already exposed; exemplar budget is " +
                            std::to_string(*opts_.exemplar_budget));
      }
      // Counted before sending: a request that fails may still have reached the server.
      st_->exposed.insert(fresh.begin(), fresh.end());
      ++st_->summary.requests;
    }
    try {
      chat_response r = inner_.complete(req);
      std::lock_guard lock(st_->mutex);
      st_->summary.usage += r.usage;
      write_log(seq, "sent", req, found, fresh.size(), &r, nullptr);
      return r;
    } catch (const std::exception& e) {
      std::lock_guard lock(st_->mutex);
      ++st_->summary.failed;
      write_log(seq, "failed", req, found, fresh.size(), nullptr, e.what());
      throw;
    }
  }

  [[nodiscard]] audit_summary summary() const {
    std::lock_guard lock(st_->mutex);
    audit_summary s = st_->summary;
    s.examples_exposed = st_->exposed.size();
    return s;
  }
  /// Indices of every training example exposed so far, ascending.
  [[nodiscard]] std::vector<std::size_t> exposed() const {
    std::lock_guard lock(st_->mutex);
    return {st_->exposed.begin(), st_->exposed.end()};
  }
  [[nodiscard]] std::remove_reference_t<Transport>& inner() noexcept { return inner_; }

 private:
  // One line per request. Refused requests are logged without their text: the TA never saw it.
  void write_log(std::uint64_t seq, const char* event, const chat_request& req, const std::vector<std::size_t>& found,
                 std::size_t fresh, const chat_response* res, const char* error) {
    if (!st_->log.is_open()) return;
    boost::json::object line;
    line["seq"] = seq;
    line["time_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    line["event"] = event;
    boost::json::array ids;
    for (std::size_t e : found) ids.emplace_back(e);
    line["examples"] = std::move(ids);
    line["new_examples"] = fresh;
    line["examples_exposed"] = st_->exposed.size();
    if (std::string(event) != "refused") line["request"] = to_json(req);
    if (res) line["response"] = to_json(*res);
    if (error) line["error"] = error;
    st_->log << boost::json::serialize(line) << '\n';
    st_->log.flush();
    if (!st_->log)
      throw std::runtime_error("gpta::audited_transport: cannot write exposure log '" + opts_.log_path.string() + "'");
  }

  Transport inner_;
  audit_options opts_;
  exposure_index index_;
  // Mutable run state behind a pointer so the decorator can be moved (into any_transport).
  struct state {
    mutable std::mutex mutex;
    std::set<std::size_t> exposed;
    audit_summary summary;
    std::uint64_t seq = 0;
    std::ofstream log;
  };
  std::unique_ptr<state> st_ = std::make_unique<state>();
};

template <class Transport>
audited_transport(Transport, const std::vector<std::string>&, audit_options) -> audited_transport<Transport>;

}  // namespace gpta
