// How a prefix is attached to a student's input under a length limit: `prefix + [SEP] + input`.
// The prefix is cut to its own budget first; the input only loses tokens the total limit forces.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpta::student {

/// `prefix_tokens`: most prefix tokens kept. `max_tokens`: limit on the whole sequence
/// (prefix + separator + input). The separator always survives and, since the prefix can never
/// take more than `prefix_tokens`, the input keeps at least `max_tokens - prefix_tokens - 1` tokens.
struct prefix_budget {
  std::size_t prefix_tokens = 32;
  std::size_t max_tokens = 256;

  /// Throws std::invalid_argument (naming `component`) unless at least one input token fits
  /// after a full-length prefix and the separator.
  void validate(const char* component) const {
    if (max_tokens < prefix_tokens + 2)
      throw std::invalid_argument(std::string(component) + ": max_tokens (" + std::to_string(max_tokens) +
                                  ") must exceed prefix_token_budget + 1 (" + std::to_string(prefix_tokens + 1) +
                                  ") so the input keeps at least one token");
  }

  /// Input tokens that fit after `prefix_len` prefix tokens (already cut to budget) and the separator.
  [[nodiscard]] std::size_t input_room(std::size_t prefix_len) const noexcept {
    const std::size_t used = std::min(prefix_len, prefix_tokens) + 1;
    return max_tokens > used ? max_tokens - used : 0;
  }
};

/// prefix[:budget] + sep + input[:room], as one sequence.
template <class T>
[[nodiscard]] std::vector<T> attach_prefix(std::span<const T> prefix, const T& sep, std::span<const T> input,
                                           const prefix_budget& budget) {
  const std::size_t np = std::min(prefix.size(), budget.prefix_tokens);
  const std::size_t ni = std::min(input.size(), budget.input_room(np));
  std::vector<T> out;
  out.reserve(np + 1 + ni);
  out.insert(out.end(), prefix.begin(), prefix.begin() + static_cast<std::ptrdiff_t>(np));
  out.push_back(sep);
  out.insert(out.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(ni));
  return out;
}

}  // namespace gpta::student
