// The gpta tool's TA transport stack (HTTP -> cache -> audit): the one translation unit of the
// tool that compiles the HTTP client, so the others only see ta.hpp's declarations.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gpta/llm.hpp>

#include "ta.hpp"

namespace gpta::cli {

struct ta_stack::impl {
  std::unique_ptr<openai_transport> http;
  std::unique_ptr<caching_transport<openai_transport&>> cache;
  std::unique_ptr<audited_transport<any_transport>> audited;
};

ta_stack::ta_stack(const ta_config& c, const std::vector<std::string>& training_texts,
                   const std::filesystem::path& run_dir)
    : impl_(std::make_unique<impl>()) {
  openai_options o;
  o.base_url = c.base_url;
  o.api_key = c.api_key;
  o.request_timeout = std::chrono::milliseconds(static_cast<long long>(c.timeout_s * 1000));
  o.retry.max_retries = c.max_retries;
  impl_->http = std::make_unique<openai_transport>(o);
  audit_options a;
  if (!run_dir.empty()) {
    std::filesystem::create_directories(run_dir);
    a.log_path = run_dir / "exposure.jsonl";
    std::filesystem::remove(a.log_path);
  }
  a.exemplar_budget = 0;
  if (!c.cache_dir.empty()) {
    impl_->cache = std::make_unique<caching_transport<openai_transport&>>(
        *impl_->http, cache_options{c.cache_dir, c.replay_only ? cache_mode::replay_only : cache_mode::read_write});
    impl_->audited = std::make_unique<audited_transport<any_transport>>(any_transport(std::ref(*impl_->cache)),
                                                                        training_texts, a);
  } else {
    impl_->audited = std::make_unique<audited_transport<any_transport>>(any_transport(std::ref(*impl_->http)),
                                                                        training_texts, a);
  }
}

ta_stack::~ta_stack() = default;

any_transport ta_stack::transport() { return any_transport(std::ref(*impl_->audited)); }
audit_summary ta_stack::summary() const { return impl_->audited->summary(); }
std::size_t ta_stack::cache_hits() const { return impl_->cache ? impl_->cache->hits() : 0; }

}  // namespace gpta::cli
