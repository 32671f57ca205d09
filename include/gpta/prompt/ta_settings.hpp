// Settings and counters shared by the strategies that consult the teaching assistant: model and
// sampling knobs, how several candidates are asked for, and how many corrective turns are allowed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <gpta/prompt/token_estimate.hpp>

namespace gpta {

/// How n candidates are asked for.
enum class candidate_mode {
  /// request.n = 1 and the prompt asks for n different prefixes, each in its own tags. The default:
  /// local servers cap or ignore `n` (llama-server, llama-cpp-python), one answer that sees its
  /// own earlier lines gives more varied candidates, and it is one assistant turn to keep.
  tagged_list,
  /// request.n = n and the prompt asks for one prefix; every choice is parsed. For hosted APIs
  /// where n choices cost one prompt.
  n_choices
};

struct ta_settings {
  std::string model;  ///< sent as-is; empty lets the transport or server use its default
  std::optional<double> temperature = 0.7;
  std::optional<int> max_tokens = 512;
  /// Request i carries seed + i, so repeated identical prompts still differ while a run stays
  /// reproducible against a deterministic server.
  std::optional<std::int64_t> seed;
  candidate_mode mode = candidate_mode::tagged_list;
  /// Corrective turns per exchange; after that many unusable replies the strategy throws.
  std::size_t max_corrections = 2;
  /// When the corrections are used up, keep the incumbent (return no candidates) instead of
  /// throwing; in round 0 the incumbent is the empty prefix.
  bool keep_incumbent_when_exhausted = false;
  /// Measures prefixes against the budget (e.g. the student tokenizer). Empty: words.
  token_counter count;
  /// Accept a one-line answer without tags as a prefix (see prefix_parse_options): for small
  /// TAs such as SmolLM2-135M that rarely follow the tag format.
  bool accept_bare_line = false;
  /// Ask for `{"prefixes": [...]}` through `response_format` (a JSON schema with the item count
  /// and a length bound). llama-server turns it into a grammar, so every answer parses; a server
  /// that ignores it answers in prose, and the `<prefix>` tag parser reads that (counted as
  /// fallback replies). Off: tags only.
  bool structured_output = true;
  /// Longest item the schema admits, in characters (0: 6 per word of the budget told to the TA,
  /// plus 16: English words average about 5 letters and a space, so the grammar closes an item
  /// near the budget instead of letting a run-on answer through to be refused).
  std::size_t max_prefix_chars = 0;
  /// When a reply holds fewer usable new prefixes than asked (duplicates, echoes), ask again for
  /// the missing ones while corrective turns remain, instead of going on with fewer.
  bool refill_candidates = true;
};

/// What the TA's answers were worth, counted over a session (the trainer records per-round
/// differences). An answer is one choice of a reply.
struct ta_counters {
  std::size_t requests = 0;           ///< requests handed to the trainer, corrections included
  std::size_t replies = 0;            ///< replies received
  std::size_t replies_parsed = 0;     ///< replies that gave at least one usable prefix
  std::size_t corrections_sent = 0;   ///< corrective turns
  std::size_t prefixes_accepted = 0;  ///< distinct new prefixes handed to the trainer
  std::size_t exhausted = 0;          ///< exchanges that ended without a prefix (incumbent kept)
  std::size_t turns_dropped = 0;      ///< conversation turns dropped to stay within the token budget
  std::size_t answers = 0;            ///< answers received (choices of all replies)
  std::size_t answers_usable = 0;     ///< answers that gave at least one usable new prefix (format compliance)
  std::size_t schema_answers = 0;     ///< answers read as the structured {"prefixes": [...]} form
  std::size_t fallback_answers = 0;   ///< answers read by the <prefix> tag parser (schema ignored or off)
  std::size_t duplicates = 0;         ///< items dropped as repeats of each other or of tried prefixes
  std::size_t unusable = 0;           ///< items refused: empty, placeholder, echo of the prompt, bad text
  std::size_t over_budget = 0;        ///< items refused for length
  std::size_t repaired = 0;           ///< over-long items cut to the budget after the corrective turns
};

}  // namespace gpta
