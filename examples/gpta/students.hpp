// The one list of student names the gpta tool knows: --student, its --help text and every error
// message are derived from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpta::cli {

struct student_kind {
  std::string name;
  std::string help;
};

inline const std::vector<student_kind> all_students{
    {"bow", "fastText-style bag of words trained from scratch"},
    {"minilm", "pretrained all-MiniLM-L6-v2 fine-tuned whole ($GPTA_MINILM_DIR)"},
    {"qwen0.5b",
     "Qwen2.5-Coder-0.5B-Instruct (GGUF, $GPTA_QWEN05B_GGUF) reading the prefix as an instruction; LoRA, label words"},
};

inline std::vector<std::string> student_names() {
  std::vector<std::string> out;
  for (const auto& s : all_students) out.push_back(s.name);
  return out;
}

/// "bow (...) | minilm (...) | ...": the --student help text.
inline std::string student_help() {
  std::string out;
  for (const auto& s : all_students) out += (out.empty() ? "" : " | ") + s.name + " (" + s.help + ")";
  return out;
}

}  // namespace gpta::cli
