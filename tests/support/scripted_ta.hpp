// A scripted teaching assistant on loopback for end-to-end tests: the first request of a
// conversation gets one prefix, every feedback turn two new ones named by the conversation's
// length (so two runs of the same loop get the same answers, and no turn repeats a prefix).
#pragma once

#include <cstddef>
#include <string>

#include "support/llm_test_server.hpp"

namespace gpta::test {

inline llm_test_server fresh_prefixes_ta() {
  return llm_test_server([](const recorded_request& req, std::size_t) {
    static const char* words[] = {"film", "critic", "opinion", "verdict", "story", "tone", "mood", "plot"};
    const std::size_t turns = req.json().at("messages").as_array().size();
    if (turns <= 2) return server_action::ok("<prefix>great film or awful film</prefix>");
    return server_action::ok(std::string("<prefix>a ") + words[turns % 8] + " review</prefix>\n<prefix>good or bad " +
                             words[(turns + 3) % 8] + "</prefix>");
  });
}

}  // namespace gpta::test
