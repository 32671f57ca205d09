// The default teaching-assistant prompts, compiled in so the library works without docs/prompts/.
// docs/prompts/*.txt hold the same text for users to copy and edit (a test keeps them identical).
#pragma once

#include <string_view>

namespace gpta::default_templates {

/// System turn of the description and dialogue strategies. `answer_guidance` depends on whether
/// the task has label names (prompt_values.hpp); with them the turn reads as it always has.
inline constexpr std::string_view system = R"gpta(You write the instruction that is put in front of every input of a small model being fine-tuned on a task. The model reads your instruction, then one input, and must answer. A good instruction says what the task is, {{answer_guidance}}. Write plain sentences addressed to the model. Never write an example input, a placeholder, or a copy of this message. You never see the training data.)gpta";

/// Round 0: the TA writes a prefix from the user's description of the task.
inline constexpr std::string_view description = R"gpta(Task: {{task_type}}
Dataset: {{description}}
Possible answers: {{labels}}
The model must answer with: {{output_format}}
{{exemplars}}Write {{n}} instruction(s) for this model, each at most {{prefix_words}} words. {{answer_instruction}})gpta";

/// Dialogue gradient: the feedback turn after each round (aggregate signals only).
inline constexpr std::string_view feedback = R"gpta(Results after round {{round}}, in which the model trained with the instruction "{{incumbent}}":
- dev {{metric}}: {{dev_score}} (change since the previous round: {{score_change}})
- train loss {{train_loss}}, dev loss {{dev_loss}}, over-fitting gap (dev loss minus train loss): {{loss_gap}}, {{gap_note}}
- dev scores per {{breakdown}}:
{{per_class}}
{{diagnostics}}The weakest {{breakdown}} is {{weakest_class}}.
Instructions tried so far, best first, with their dev {{metric}}:
{{history}}
Write {{n}} new instruction(s), each different from all of the above and at most {{prefix_words}} words, that should raise the dev {{metric}}: keep what the best ones share and say more about the cues of the weakest {{breakdown}}. {{answer_instruction}})gpta";

/// Corrective turn after an unusable answer.
inline constexpr std::string_view correction = R"gpta(That answer could not be used: {{problems}}. {{answer_instruction}} Each instruction must be plain sentences of at most {{prefix_words}} words.)gpta";

/// OPRO-style meta-prompt: a fresh prompt every round with the scored prefixes, ascending.
inline constexpr std::string_view trajectory = R"gpta(You write the instruction that is put in front of every input of a small model being fine-tuned on a task. A good instruction says what the task is, names the possible answers, and says which cues point to each.
Task: {{task_type}}
Dataset: {{description}}
Possible answers: {{labels}}
Below are earlier instructions with their dev {{metric}}, in ascending order (higher is better).
{{trajectory}}
Write {{n}} new instruction(s) that differ from all of the above and score higher, each at most {{prefix_words}} words. {{answer_instruction}})gpta";

}  // namespace gpta::default_templates
