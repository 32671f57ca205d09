// `gpta chat`: send one message to an OpenAI-compatible server and print the reply; the quickest
// check that a teaching assistant is reachable with the settings a training run would use.
#include <gpta/llm.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli.hpp"

namespace gpta::cli {

namespace {
std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

std::string one_line(std::string s) {
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return s;
}
}  // namespace

int cmd_chat(const std::vector<std::string>& args) {
  arg_parser p("chat");
  p.option("base-url", "server base URL, e.g. http://127.0.0.1:8080/v1 (default: $OPENAI_BASE_URL)")
      .option("api-key", "key sent as a Bearer token (default: $OPENAI_API_KEY)")
      .option("model", "model name (default: $GPTA_MODEL)")
      .option("timeout-s", "deadline for the whole call, retries included, in seconds", "60")
      .option("max-retries", "retries on connection errors, timeouts, 408/409/429/5xx", "2")
      .option("temperature", "sampling temperature in [0, 2]")
      .option("seed", "sampling seed (integer)")
      .option("max-tokens", "longest reply, in tokens")
      .positional("[MESSAGE...]  (read from standard input when omitted)");
  p.parse(args);
  if (p.help_requested()) {
    std::cout << p.usage();
    return 0;
  }

  openai_options opts;
  opts.base_url = p.get("base-url").value_or(env_or("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1"));
  try {
    (void)parse_base_url(opts.base_url);
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("flag --base-url: ") + e.what());
  }
  // Read after parsing, never declared as a parser default: usage() would print it.
  opts.api_key = p.get("api-key").value_or(env_or("OPENAI_API_KEY", ""));
  const std::string model = p.get("model").value_or(env_or("GPTA_MODEL", ""));
  if (model.empty()) throw usage_error("no model: pass --model or set GPTA_MODEL");

  const double timeout_s = p.real("timeout-s", 0.001, 86400.0);
  const auto timeout = std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(timeout_s * 1000.0))};
  opts.total_timeout = timeout;
  opts.request_timeout = timeout;
  opts.connect_timeout = std::min(timeout, std::chrono::milliseconds{10'000});
  opts.retry.max_retries = p.integer<int>("max-retries", 0, 100);

  chat_request req;
  req.model = model;
  if (p.has("temperature")) req.temperature = p.real("temperature", 0.0, 2.0);
  if (p.has("seed")) req.seed = p.integer<std::int64_t>("seed");
  if (p.has("max-tokens")) req.max_tokens = p.integer<int>("max-tokens", 1, 1'000'000);

  std::string message;
  if (!p.positional().empty()) {
    for (const auto& part : p.positional()) message += (message.empty() ? "" : " ") + part;
  } else {
    message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (message.find_first_not_of(" \t\r\n") == std::string::npos)
    throw usage_error("empty message: give MESSAGE or pipe it on standard input");
  req.messages.push_back({"user", message});

  try {
    openai_transport transport(std::move(opts));
    const chat_response r = transport.complete(req);
    const std::string& content = r.choices.front().content;
    std::cout << content;
    if (content.empty() || content.back() != '\n') std::cout << '\n';
    std::cout.flush();
    return 0;
  } catch (const llm_error& e) {
    std::cerr << "error: " << to_string(e.errc()) << ": " << one_line(e.detail()) << '\n';
    return 1;
  } catch (const std::invalid_argument& e) {
    // Settings the transport refused (an unreadable CA file, say): one line, as for failures.
    std::cerr << "error: " << one_line(e.what()) << '\n';
    return 1;
  }
}

}  // namespace gpta::cli
