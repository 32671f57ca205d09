// Strategy `fixed`: one user-given prefix for every round (the "generic prefix" baseline).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <gpta/core/task_info.hpp>
#include <gpta/prompt/offline_strategy.hpp>

namespace gpta {

class fixed_prefix : public offline_strategy {
 public:
  explicit fixed_prefix(std::string prefix) : prefix_(std::move(prefix)) {}

  prefix_proposal start(const task_info&) { return prefix_proposal::ready({prefix_}); }
  static constexpr std::string_view id = "fixed";
  static constexpr bool consults_ta = false;
  static constexpr std::string_view summary = "the user's fixed prefix (--prefix), never revised";
  [[nodiscard]] std::string_view name() const noexcept { return id; }
  [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }

 private:
  std::string prefix_;
};

}  // namespace gpta
