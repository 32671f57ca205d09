// The runtime knobs of the synergistic loop (they change no generated code, so they are not
// template parameters of basic_trainer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gpta/train/paired_probe.hpp>

namespace gpta {

/// Runtime knobs of the loop (they change no generated code, so they are not template parameters).
struct trainer_options {
  int rounds = 3;                    ///< T: student phase + feedback cycles
  int epochs_per_round = 1;          ///< E; 0 (and no step cap): the student is never trained (zero-shot)
  std::size_t max_steps_per_round = 0;  ///< S: cap on steps per round (0 = E full epochs)
  std::size_t batch_size = 32;
  std::uint64_t seed = 1;
  std::size_t probe_steps = 20;      ///< steps of a candidate probe from the current weights
  std::size_t probe_dev_size = 256;  ///< dev examples a probe is scored on
  double accept_margin = 0.0;        ///< a candidate replaces the incumbent only if it beats it by more
  probe_scoring probe_score = probe_scoring::paired_loss;  ///< see gpta::probe_scoring
  double probe_z = 1.645;            ///< paired_loss: standard errors the gain must exceed (one-sided 95%)
  int patience = 0;                  ///< stop after this many rounds without a dev improvement (0 = off)
  std::int64_t ta_token_budget = 0;  ///< stop asking the TA once this many tokens are spent (0 = no cap)
  std::size_t candidates = 4;        ///< n revised prefixes asked for after each round
  std::size_t prefix_token_budget = 32;
  int max_ta_turns = 4;              ///< TA requests per proposal, corrective turns included
  /// After a round, a failed TA exchange (transport error, unusable answers) keeps the incumbent
  /// and is recorded in the round, instead of ending the run. Round 0 failures always throw.
  bool keep_incumbent_on_ta_error = false;
  /// Overlap: the TA request after round r is sent asynchronously and the student trains round r+1
  /// with the incumbent meanwhile; the candidates that come back are probed at the end of round
  /// r+1 and, if accepted, train from round r+2 on. TA latency hides behind a round of training at
  /// the cost of one round of lag (so the TA is asked after rounds 0..T-3 only). The strategy and
  /// the transport are used by one thread at a time: the loop's thread never touches them while a
  /// request is in flight.
  bool overlap = false;
  bool progress = true;              ///< progress bar / lines on stderr
  /// A recorded run (record_to) writes its best round's weights to `dir`/best/student.ckpt when
  /// the student can (gpta::weight_file_student).
  bool save_best_weights = true;
  /// Transfer: prefixes learned elsewhere (see prefix_repository) that compete with the strategy's
  /// first prefix by probe before round 0.
  std::vector<std::string> initial_prefixes;
};

}  // namespace gpta
