// Entry header for talking to a teaching-assistant LLM: the Beast/Asio/OpenSSL client and the
// transport decorators. The only gpta header that pulls in the network stack.
#pragma once

#include <gpta/concepts/llm_transport.hpp>
#include <gpta/core/chat.hpp>
#include <gpta/llm/any_transport.hpp>
#include <gpta/llm/audited_transport.hpp>
#include <gpta/llm/base_url.hpp>
#include <gpta/llm/caching_transport.hpp>
#include <gpta/llm/chat_json.hpp>
#include <gpta/llm/error.hpp>
#include <gpta/llm/exposure_index.hpp>
#include <gpta/llm/openai_options.hpp>
#include <gpta/llm/openai_transport.hpp>
#include <gpta/llm/retry_policy.hpp>
#include <gpta/llm/scripted_transport.hpp>
