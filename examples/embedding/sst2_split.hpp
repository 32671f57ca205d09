// The low-resource SST-2 split the embedding examples train on: 16 sentences per class to train,
// 32 per class for dev, 200 held out, from the shared GLUE file (path given on the command line),
// and the small student and loop settings they share.
#pragma once

#include <filesystem>
#include <iostream>

#include <gpta/data/registry.hpp>
#include <gpta/data/sampling.hpp>
#include <gpta/student/bow_classifier.hpp>
#include <gpta/train/trainer_options.hpp>

namespace example {

struct sst2_split {
  gpta::text_dataset train, dev, test;
  gpta::task_info task;
};

inline sst2_split load_sst2(const std::filesystem::path& data_dir, std::uint64_t seed = 1) {
  const gpta::text_dataset all = gpta::data::load_task("sst2", data_dir);
  const auto rows = gpta::data::low_resource_split(all, 16, 32, 200, /*split_seed=*/1, seed);
  return {gpta::subset(all, rows.train), gpta::subset(all, rows.dev), gpta::subset(all, rows.test),
          gpta::data::default_task_info("sst2")};
}

/// A bag-of-words student for `train` (seed 1) - the examples' stand-in for any student.
inline gpta::student::bow_classifier bow_student(const gpta::text_dataset& train) {
  gpta::student::bow_options bo;
  bo.seed = 1;
  return {gpta::student::bow_classifier::fit_vocabulary(train.examples, 1), train.num_classes(), bo};
}

/// Small, quiet loop settings: `rounds` rounds of two epochs in batches of 8.
inline gpta::trainer_options quick_options(int rounds) {
  gpta::trainer_options o;
  o.rounds = rounds;
  o.epochs_per_round = 2;
  o.batch_size = 8;
  o.progress = false;
  return o;
}

/// argv[1] or, without it, the shared datasets folder the build knows.
inline std::filesystem::path data_dir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  return gpta::data::default_data_dir();
}

}  // namespace example
