// gpta's host entry header: concepts, data, students, strategies, trainer - no network stack.
// For the teaching-assistant client add <gpta/llm.hpp>; CUDA lives only in .cuh headers.
#pragma once

#include <gpta/version.hpp>

#include <gpta/core/chat.hpp>
#include <gpta/core/eval_result.hpp>
#include <gpta/core/feedback.hpp>
#include <gpta/core/records.hpp>
#include <gpta/core/task_info.hpp>

#include <gpta/concepts/callback.hpp>
#include <gpta/concepts/llm_transport.hpp>
#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/concepts/student_model.hpp>

#include <gpta/data/example.hpp>
#include <gpta/data/registry.hpp>
#include <gpta/data/sampling.hpp>

#include <gpta/eval/classification_metrics.hpp>

#include <gpta/prompt/description_prefix.hpp>
#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/prompt/no_prefix.hpp>
#include <gpta/prompt/prefix_parser.hpp>
#include <gpta/prompt/prompt_template.hpp>
#include <gpta/prompt/random_prefix.hpp>
#include <gpta/prompt/sanitize.hpp>
#include <gpta/prompt/score_trajectory.hpp>
#include <gpta/prompt/strategy_registry.hpp>

#include <gpta/train/basic_trainer.hpp>
#include <gpta/train/prefix_repository.hpp>
#include <gpta/train/run_record.hpp>
#include <gpta/train/trainer_state.hpp>
