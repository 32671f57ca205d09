// Strategy `none`: the baseline student sees its input alone.
#pragma once

#include <string_view>

#include <gpta/data/task_info.hpp>
#include <gpta/prompt/offline_strategy.hpp>

namespace gpta {

struct no_prefix : offline_strategy {
  prefix_proposal start(const task_info&) { return prefix_proposal::ready({""}); }
  [[nodiscard]] std::string_view name() const noexcept { return "none"; }
};

}  // namespace gpta
