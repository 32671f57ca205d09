// A transport decorator that answers repeated requests from an on-disk cache, so reruns with the
// same seed cost nothing and a replay-only mode can prove a run never talked to the live TA.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/json.hpp>

#include <gpta/concepts/llm_transport.hpp>
#include <gpta/llm/chat_json.hpp>
#include <gpta/llm/error.hpp>

namespace gpta {

enum class cache_mode {
  read_write,   ///< hit: stored reply; miss: call through and store
  replay_only,  ///< hit: stored reply; miss: cache_miss error, the inner transport is never called
  refresh,      ///< always call through and overwrite (re-record a run)
};

struct cache_options {
  std::filesystem::path directory;  ///< created if missing; one JSON file per request
  cache_mode mode = cache_mode::read_write;
};

namespace detail {
/// 128-bit FNV-1a (two 64-bit lanes with different offsets), hex. Not cryptographic: each entry
/// stores its canonical request and is checked on load, so a collision is a miss, never a
/// wrong answer.
inline std::string hash128_hex(std::string_view s) {
  std::uint64_t a = 14695981039346656037ull, b = 0x6c62272e07bb0142ull;
  for (unsigned char c : s) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ (c + 0x9dull)) * 0x100000001b3ull;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[static_cast<std::size_t>(15 - i)] = hex[(a >> (4 * i)) & 0xf];
    out[static_cast<std::size_t>(31 - i)] = hex[(b >> (4 * i)) & 0xf];
  }
  return out;
}

/// Parse a JSON file; errors name the file and the line.
inline boost::json::value read_json_file(const std::filesystem::path& p, std::string_view component) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error(std::string(component) + ": cannot open '" + p.string() + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(std::min(used, text.size())), '\n'));
    throw std::runtime_error(std::string(component) + ": '" + p.string() + "' line " + std::to_string(line) +
                             ": not valid JSON: " + ec.message());
  }
  return parser.release();
}
}  // namespace detail

template <class Transport>
class caching_transport {
  static_assert(detail::check_llm_transport<std::remove_reference_t<Transport>>());

 public:
  caching_transport(Transport inner, cache_options opts) : inner_(std::forward<Transport>(inner)), opts_(std::move(opts)) {
    if (opts_.directory.empty()) throw std::invalid_argument("gpta::caching_transport: cache directory is empty");
    std::error_code ec;
    std::filesystem::create_directories(opts_.directory, ec);
    if (ec || !std::filesystem::is_directory(opts_.directory))
      throw std::runtime_error("gpta::caching_transport: cannot create cache directory '" + opts_.directory.string() +
                               "': " + (ec ? ec.message() : std::string("not a directory")));
    std::random_device rd;
    instance_tag_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }

  /// The cache key of a request: hash of its canonical JSON (model, messages, sampling, seed, n).
  [[nodiscard]] static std::string key(const chat_request& r) { return detail::hash128_hex(canonical_json(r)); }
  [[nodiscard]] std::filesystem::path entry_path(const chat_request& r) const {
    return opts_.directory / (key(r) + ".json");
  }

  chat_response complete(const chat_request& req) {
    const std::string canonical = canonical_json(req);
    const std::filesystem::path path = opts_.directory / (detail::hash128_hex(canonical) + ".json");
    if (opts_.mode != cache_mode::refresh) {
      if (auto hit = load(path, canonical)) {
        ++counters_->hits;
        return std::move(*hit);
      }
    }
    ++counters_->misses;
    if (opts_.mode == cache_mode::replay_only)
      throw llm_error(llm_errc::cache_miss, "no entry '" + path.filename().string() + "' in cache '" +
                                                opts_.directory.string() +
                                                "' for this request (replay_only never calls the teaching assistant)");
    chat_response r = inner_.complete(req);
    store(path, canonical, r);
    return r;
  }

  [[nodiscard]] std::uint64_t hits() const noexcept { return counters_->hits.load(); }
  [[nodiscard]] std::uint64_t misses() const noexcept { return counters_->misses.load(); }
  [[nodiscard]] std::uint64_t writes() const noexcept { return counters_->writes.load(); }
  [[nodiscard]] const cache_options& options() const noexcept { return opts_; }
  [[nodiscard]] std::remove_reference_t<Transport>& inner() noexcept { return inner_; }

 private:
  std::optional<chat_response> load(const std::filesystem::path& path, const std::string& canonical) const {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    const boost::json::value v = detail::read_json_file(path, "gpta::caching_transport");
    const auto* o = v.if_object();
    const boost::json::value* req = o ? o->if_contains("request") : nullptr;
    const boost::json::value* res = o ? o->if_contains("response") : nullptr;
    if (!req || !res)
      throw std::runtime_error("gpta::caching_transport: '" + path.string() +
                               "': field 'request' or 'response' missing (not a cache entry?)");
    if (boost::json::serialize(*req) != canonical) return std::nullopt;  // a hash collision
    try {
      return response_from_json(*res);
    } catch (const llm_error& e) {
      throw std::runtime_error("gpta::caching_transport: '" + path.string() + "': field 'response': " + e.detail());
    }
  }

  void store(const std::filesystem::path& path, const std::string& canonical, const chat_response& r) {
    boost::json::object entry;
    entry["format"] = "gpta-llm-cache/1";
    entry["request"] = boost::json::parse(canonical);
    entry["response"] = to_json(r);
    // Write-then-rename: readers (and concurrent runs sharing the cache) see the old entry or
    // the new one, never half a file. The tag keeps temp names of processes and threads apart.
    std::ostringstream tmp_name;
    tmp_name << path.filename().string() << ".tmp." << std::hex << instance_tag_ << '.' << std::this_thread::get_id()
             << '.' << std::dec << counters_->tmp_counter++;
    const std::filesystem::path tmp = path.parent_path() / tmp_name.str();
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << boost::json::serialize(entry) << '\n';
      out.flush();
      if (!out) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw std::runtime_error("gpta::caching_transport: cannot write '" + tmp.string() + "'");
      }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw std::runtime_error("gpta::caching_transport: cannot rename '" + tmp.string() + "' to '" + path.string() +
                               "': " + ec.message());
    }
    ++counters_->writes;
  }

  Transport inner_;
  cache_options opts_;
  std::uint64_t instance_tag_ = 0;
  // Atomics are not movable; behind a pointer the decorator moves like the transport it wraps.
  struct counters {
    std::atomic<std::uint64_t> tmp_counter{0}, hits{0}, misses{0}, writes{0};
  };
  std::unique_ptr<counters> counters_ = std::make_unique<counters>();
};

template <class Transport>
caching_transport(Transport, cache_options) -> caching_transport<Transport>;

}  // namespace gpta
