// The gpta tool's teaching assistant: flags, the transport stack (HTTP -> cache -> audit), and
// the strategies that consult it. Every run's requests are audited against its training texts.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gpta/llm/any_transport.hpp>
#include <gpta/llm/audited_transport.hpp>
#include <gpta/prompt/description_prefix.hpp>
#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/prompt/random_prefix.hpp>
#include <gpta/prompt/score_trajectory.hpp>
#include <gpta/prompt/strategy_registry.hpp>

#include "cli.hpp"

namespace gpta::cli {

/// Every strategy the tool knows, in table order, from the one registry (prompt/strategy_registry.hpp):
/// flags, help and errors use these.
inline const std::vector<std::string> all_strategies = builtin_strategies::names();
/// The strategies that consult the teaching assistant.
inline const std::vector<std::string> ta_strategies = builtin_strategies::ta_names();

/// Help text of a strategy flag: `what`, then one line per registered strategy.
inline std::string strategy_help(const std::string& what) {
  return what + ":\n" + builtin_strategies::help("        ");
}

inline std::string joined(const std::vector<std::string>& names, const char* sep = " | ") {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : sep) + n;
  return s;
}

struct ta_config {
  std::string base_url;
  std::string api_key;
  std::string model;
  double temperature = 0.7;
  int max_tokens = 256;
  double timeout_s = 120;
  int max_retries = 2;
  std::size_t context_tokens = 2000;  ///< conversation budget of the dialogue (approximate TA tokens)
  std::filesystem::path cache_dir;  ///< empty: no cache
  bool replay_only = false;
  bool lenient = false;  ///< accept one-line answers without tags (small TAs)
  bool structured = true;  ///< ask for {"prefixes": [...]} by JSON schema (else <prefix> tags)
};

inline std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

inline void declare_ta_flags(arg_parser& p) {
  p.option("candidates", "revised prefixes asked for after each round", "4")
      .option("ta-base-url", "OpenAI-compatible base URL of the TA (default: $OPENAI_BASE_URL)")
      .option("ta-api-key", "API key of the TA (default: $OPENAI_API_KEY)")
      .option("ta-model", "TA model name sent with each request (default: $GPTA_MODEL, else the server's own)")
      .option("ta-format", "how the TA is asked to answer: schema (JSON schema; servers that ignore it fall back "
                           "to tags automatically) | tags (<prefix> tags only)", "schema")
      .option("ta-temperature", "TA sampling temperature", "0.7")
      .option("ta-max-tokens", "TA answer length cap", "256")
      .option("ta-timeout-s", "deadline of one TA request", "120")
      .option("ta-context", "approximate TA tokens the dialogue may keep (fit the server's context)", "2000")
      .option("ta-cache", "cache TA answers in this folder (reruns replay them)")
      .flag("ta-replay-only", "fail on a TA request that is not in --ta-cache (deterministic reruns)")
      .flag("ta-lenient", "accept a one-line answer without <prefix> tags (for small TAs such as SmolLM2-135M)");
}

inline ta_config read_ta_flags(const arg_parser& p) {
  ta_config t;
  t.base_url = p.get("ta-base-url").value_or(env_or("OPENAI_BASE_URL", "http://127.0.0.1:8089/v1"));
  t.api_key = p.get("ta-api-key").value_or(env_or("OPENAI_API_KEY", ""));
  t.model = p.get("ta-model").value_or(env_or("GPTA_MODEL", "local-ta"));
  t.structured = p.choice("ta-format", {"schema", "tags"}) == "schema";
  t.temperature = p.real("ta-temperature", 0.0, 2.0);
  t.max_tokens = p.integer<int>("ta-max-tokens", 16, 1 << 16);
  t.timeout_s = p.real("ta-timeout-s", 0.001, 86400.0);
  t.context_tokens = p.integer<std::size_t>("ta-context", 256, 1 << 20);
  if (p.has("ta-cache")) t.cache_dir = p.str("ta-cache");
  t.replay_only = p.has("ta-replay-only");
  t.lenient = p.has("ta-lenient");
  if (t.replay_only && t.cache_dir.empty()) throw usage_error("flag --ta-replay-only needs --ta-cache");
  return t;
}

/// The transport stack of one run. The audit sees the run's training texts and allows no
/// exemplar: a request quoting a training example is refused before it leaves the process.
/// Built in ta.cpp, the one translation unit of the tool that compiles the HTTP client.
class ta_stack {
 public:
  ta_stack(const ta_config& c, const std::vector<std::string>& training_texts, const std::filesystem::path& run_dir);
  ~ta_stack();
  ta_stack(const ta_stack&) = delete;
  ta_stack& operator=(const ta_stack&) = delete;

  [[nodiscard]] any_transport transport();
  [[nodiscard]] audit_summary summary() const;
  [[nodiscard]] std::size_t cache_hits() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

inline ta_settings make_ta_settings(const ta_config& c, std::uint64_t seed) {
  ta_settings s;
  s.model = c.model;
  s.temperature = c.temperature;
  s.max_tokens = c.max_tokens;
  s.seed = static_cast<std::int64_t>(seed);
  // Small TAs often answer badly after a round; keep the incumbent rather than end the run.
  s.keep_incumbent_when_exhausted = true;
  s.accept_bare_line = c.lenient;
  s.structured_output = c.structured;
  return s;
}

}  // namespace gpta::cli
