// What the teaching assistant may know about a task: the user's description, never the data.
// Strategies build their prompts from this alone (plus at most k exemplars, policed elsewhere).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gpta {

struct task_info {
  std::string name;         ///< dataset name, e.g. "sst2"
  std::string domain;       ///< task domain for transfer, e.g. "sentiment"
  std::string task_type;    ///< e.g. "binary sentiment classification"
  std::string description;  ///< written by the user: where the texts come from, what they look like
  std::vector<std::string> label_names;
  std::string output_format;             ///< what the student outputs, in words
  std::size_t prefix_token_budget = 32;  ///< prefix length limit in student tokens
};

}  // namespace gpta
