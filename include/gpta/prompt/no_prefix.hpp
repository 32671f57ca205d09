// Strategy `none`: the baseline student sees its input alone.
#pragma once

#include <string_view>

#include <gpta/core/task_info.hpp>
#include <gpta/prompt/offline_strategy.hpp>

namespace gpta {

struct no_prefix : offline_strategy {
  prefix_proposal start(const task_info&) { return prefix_proposal::ready({""}); }
  /// The strategy's id in records, tables and flags; with `consults_ta` and `summary` it is what
  /// strategy_registry.hpp lists.
  static constexpr std::string_view id = "none";
  static constexpr bool consults_ta = false;
  static constexpr std::string_view summary = "no prefix: the student sees its input alone (the baseline)";
  [[nodiscard]] std::string_view name() const noexcept { return id; }
};

}  // namespace gpta
