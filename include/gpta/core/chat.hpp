// Chat-completion request and response as plain C++ values (no Boost, no network).
// Strategies produce requests and read responses; transports move them over the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpta {

struct chat_message {
  std::string role;  ///< "system", "user" or "assistant"
  std::string content;

  friend bool operator==(const chat_message&, const chat_message&) = default;
};

/// OpenAI `response_format`: "text", "json_object", or "json_schema" with a schema given as JSON text.
struct response_format {
  std::string type = "text";
  std::string schema_name;  ///< json_schema only
  std::string schema_json;  ///< json_schema only: the schema itself, serialised JSON
  bool strict = true;

  friend bool operator==(const response_format&, const response_format&) = default;
};

struct chat_request {
  std::string model;
  std::vector<chat_message> messages;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;
  int n = 1;  ///< candidates wanted; transports fall back to n calls where a server caps it
  std::optional<std::int64_t> seed;
  std::vector<std::string> stop;
  std::optional<response_format> format;

  friend bool operator==(const chat_request&, const chat_request&) = default;
};

struct chat_choice {
  std::string content;
  std::string finish_reason;  ///< "stop", "length", ...

  friend bool operator==(const chat_choice&, const chat_choice&) = default;
};

struct token_usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;

  token_usage& operator+=(const token_usage& o) noexcept {
    prompt_tokens += o.prompt_tokens;
    completion_tokens += o.completion_tokens;
    total_tokens += o.total_tokens;
    return *this;
  }
  friend bool operator==(const token_usage&, const token_usage&) = default;
};

struct chat_response {
  std::string id;
  std::string model;
  std::vector<chat_choice> choices;
  token_usage usage;

  friend bool operator==(const chat_response&, const chat_response&) = default;
};

}  // namespace gpta
