// The default teaching-assistant prompts, compiled in so the library works without docs/prompts/.
// docs/prompts/*.txt hold the same text for users to copy and edit (a test keeps them identical).
#pragma once

#include <string_view>

namespace gpta::default_templates {

/// System turn of the description and dialogue strategies.
inline constexpr std::string_view system = R"gpta(You are a teaching assistant for a small neural network, the student. You help it by writing a prefix: a short instruction that is placed in front of every input the student reads. You never see the student's training data. Write each prefix as plain text between <prefix> and </prefix> tags, with nothing else inside the tags, for example: <prefix>Read the text and decide which label fits it best.</prefix>)gpta";

/// Round 0: the TA writes a prefix from the user's description of the task.
inline constexpr std::string_view description = R"gpta(Task: {{task_type}}
Dataset: {{description}}
Labels: {{labels}}
Student output: {{output_format}}
{{exemplars}}Write a prefix that will help the student solve this task on any input. Each prefix must be at most {{prefix_words}} words. {{answer_instruction}})gpta";

/// Dialogue gradient: the feedback turn after each round (aggregate signals only).
inline constexpr std::string_view feedback = R"gpta(Results after round {{round}}, in which the student trained with the prefix "{{incumbent}}":
- dev {{metric}}: {{dev_score}} (change since the previous round: {{score_change}})
- train loss {{train_loss}}, dev loss {{dev_loss}}, over-fitting gap (dev loss minus train loss): {{loss_gap}}
- per-class scores:
{{per_class}}
Prefixes tried so far, best first, with their dev {{metric}}:
{{history}}
Write revised prefixes that should raise the dev {{metric}}: keep what the best prefixes share, help the weakest classes, and prefer general guidance over narrow cues when the over-fitting gap grows. Each prefix must be at most {{prefix_words}} words. {{answer_instruction}})gpta";

/// Corrective turn after an unusable answer.
inline constexpr std::string_view correction = R"gpta(That answer could not be used: {{problems}}. {{answer_instruction}} Each prefix must be plain text of at most {{prefix_words}} words, with nothing else inside the tags.)gpta";

/// OPRO-style meta-prompt: a fresh prompt every round with the scored prefixes, ascending.
inline constexpr std::string_view trajectory = R"gpta(You write prefixes for a small neural network, the student: a prefix is a short instruction placed in front of every input the student reads.
Task: {{task_type}}
Dataset: {{description}}
Labels: {{labels}}
Below are earlier prefixes with their dev {{metric}}, in ascending order (higher is better).
{{trajectory}}
Write new prefixes that differ from all of the above and score higher. Each prefix must be at most {{prefix_words}} words. {{answer_instruction}})gpta";

}  // namespace gpta::default_templates
