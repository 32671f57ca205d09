// gpta's host entry header: concepts, data, students, strategies, trainer - no network stack.
// For the teaching-assistant client add <gpta/llm.hpp>; CUDA lives only in .cuh headers.
#pragma once

#include <gpta/version.hpp>

#include <gpta/concepts/callback.hpp>
#include <gpta/concepts/llm_transport.hpp>
#include <gpta/concepts/prompt_strategy.hpp>
#include <gpta/concepts/student_model.hpp>

#include <gpta/data/example.hpp>
#include <gpta/data/task_info.hpp>

#include <gpta/eval/classification_metrics.hpp>

#include <gpta/prompt/feedback.hpp>
#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/prompt/no_prefix.hpp>
#include <gpta/prompt/sanitize.hpp>

#include <gpta/train/basic_trainer.hpp>
#include <gpta/train/records.hpp>
#include <gpta/train/run_record.hpp>
