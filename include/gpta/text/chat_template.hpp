// Prompt rendering for chat-tuned causal LMs: Qwen2/Qwen2.5's ChatML template, or plain text.
// Mirrors the Jinja template in Qwen2.5's GGUF (`tokenizer.chat_template`) for conversations without tools.
#pragma once

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include <gpta/core/chat.hpp>

namespace gpta::text {

enum class chat_format {
  chatml,  ///< <|im_start|>role\ncontent<|im_end|>\n per message (Qwen2, Qwen2.5)
  plain    ///< the contents only, joined by `separator`: for base models or a raw prompt
};

/// The system message Qwen2.5's template inserts when a conversation has none.
inline constexpr std::string_view qwen2_default_system = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

struct chat_template_options {
  chat_format format = chat_format::chatml;
  /// chatml: the system turn written when messages[0] is not a system message; nullopt writes
  /// none (other ChatML models; Qwen2.5 itself always has one).
  std::optional<std::string> default_system = std::string(qwen2_default_system);
  /// chatml: end with "<|im_start|>assistant\n" so the model writes the next turn.
  bool add_generation_prompt = true;
  /// plain: between message contents.
  std::string separator = "\n";
};

/// The prompt text for `messages`. Encode it with parse_special on so the ChatML markers become
/// their control tokens - which also means a marker typed inside a message's content becomes one;
/// strip or encode untrusted content separately where that matters.
///
/// chatml follows the reference template: a leading system message is written first (or the
/// default one), user/assistant/system turns as `<|im_start|>role\ncontent<|im_end|>\n`, and a run
/// of "tool" messages as one user turn of `<tool_response>` blocks. Roles the template does not
/// know would be dropped silently by the reference; here they are std::invalid_argument.
[[nodiscard]] inline std::string render_chat(std::span<const gpta::chat_message> messages,
                                             const chat_template_options& o = {}) {
  std::string out;
  if (o.format == chat_format::plain) {
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (i > 0) out += o.separator;
      out += messages[i].content;
    }
    return out;
  }
  const auto turn = [&](std::string_view role, std::string_view content) {
    out += "<|im_start|>";
    out += role;
    out += '\n';
    out += content;
    out += "<|im_end|>\n";
  };
  const bool leading_system = !messages.empty() && messages.front().role == "system";
  if (leading_system) {
    turn("system", messages.front().content);
  } else if (o.default_system) {
    turn("system", *o.default_system);
  }
  for (std::size_t i = leading_system ? 1 : 0; i < messages.size(); ++i) {
    const gpta::chat_message& m = messages[i];
    if (m.role == "user" || m.role == "assistant" || m.role == "system") {
      turn(m.role, m.content);
    } else if (m.role == "tool") {
      if (i == 0 || messages[i - 1].role != "tool") out += "<|im_start|>user";
      out += "\n<tool_response>\n";
      out += m.content;
      out += "\n</tool_response>";
      if (i + 1 == messages.size() || messages[i + 1].role != "tool") out += "<|im_end|>\n";
    } else {
      throw std::invalid_argument("gpta::text::render_chat: message " + std::to_string(i) + " has role '" + m.role +
                                  "'; ChatML knows system, user, assistant and tool");
    }
  }
  if (o.add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace gpta::text
