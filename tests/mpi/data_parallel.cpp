// gpta-test-labels: integration mpi
// Data-parallel training on MPI, run by ctest as `mpirun -np 2` on this machine (shared memory):
// two ranks with global batch B give the losses and scores of one process with batch B (to
// float tolerance) and end with identical weights; only rank 0 talks to the TA, every rank reads
// its answer; a rank that fails ends the whole job with its message (rank_death, run on its own).
#include <gpta/mpi/communicator.hpp>
#include <gpta/mpi/data_parallel.hpp>
#include <gpta/mpi/rank0_transport.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <gpta/backend/thrust_bert_student.hpp>
#include <gpta/data/registry.hpp>
#include <gpta/data/sampling.hpp>
#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/student/bert_student.hpp>
#include <gpta/student/bow_classifier.hpp>
#include <gpta/student/lm_classifier.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "support/qwen2_tiny_gguf.hpp"

namespace {

namespace tt = boost::test_tools;

struct mpi_fixture {
  gpta::mpi::environment env;
};

struct sst2_split {
  gpta::text_dataset train, dev, test;
  gpta::task_info task = gpta::data::default_task_info("sst2");
};

const sst2_split& sst2() {
  static const sst2_split d = [] {
    const gpta::text_dataset all = gpta::data::load_task("sst2", GPTA_TEST_SHARED_DATA_DIR);
    const auto rows = gpta::data::low_resource_split(all, 16, 32, 200, 1, 1);
    sst2_split s;
    s.train = gpta::subset(all, rows.train);
    s.dev = gpta::subset(all, rows.dev);
    s.test = gpta::subset(all, rows.test);
    return s;
  }();
  return d;
}

gpta::student::bow_classifier bow(const gpta::text_dataset& train) {
  gpta::student::bow_options o;
  o.seed = 3;
  return {gpta::student::bow_classifier::fit_vocabulary(train.examples, 1), train.num_classes(), o};
}

gpta::trainer_options options(std::size_t batch) {
  gpta::trainer_options o;
  o.rounds = 3;
  o.epochs_per_round = 2;
  o.batch_size = batch;
  o.probe_steps = 4;
  o.candidates = 2;
  o.progress = false;
  return o;
}

/// The TA rank 0 reaches: the first request of a conversation gets one prefix, later turns two.
/// Counts its calls, so the test sees that no other rank used it.
struct counting_ta {
  int calls = 0;
  gpta::chat_response complete(const gpta::chat_request& r) {
    ++calls;
    gpta::chat_response out;
    out.model = "scripted";
    out.usage = {20, 10, 30};
    static const std::vector<std::string> words{"film", "critic", "opinion", "verdict", "story", "tone", "mood"};
    const std::string fresh = "<prefix>a " + words[static_cast<std::size_t>(calls) % words.size()] +
                              " review</prefix>\n<prefix>great or awful " +
                              words[static_cast<std::size_t>(calls + 3) % words.size()] + "</prefix>";
    out.choices.push_back(
        {r.messages.size() <= 2 ? "<prefix>is this movie review positive or negative</prefix>" : fresh, "stop"});
    return out;
  }
};

void check_same_rounds(const gpta::run_result& a, const gpta::run_result& b, double tolerance) {
  BOOST_REQUIRE(a.rounds.size() == b.rounds.size());
  for (std::size_t r = 0; r < a.rounds.size(); ++r) {
    BOOST_TEST(a.rounds[r].prefix == b.rounds[r].prefix);
    BOOST_TEST(a.rounds[r].steps == b.rounds[r].steps);
    BOOST_TEST(a.rounds[r].train_loss == b.rounds[r].train_loss, tt::tolerance(tolerance));
    BOOST_TEST(a.rounds[r].dev.loss == b.rounds[r].dev.loss, tt::tolerance(tolerance));
    BOOST_TEST(a.rounds[r].dev.score == b.rounds[r].dev.score);
  }
  BOOST_TEST(a.best_prefix == b.best_prefix);
  BOOST_REQUIRE(a.test.has_value());
  BOOST_REQUIRE(b.test.has_value());
  BOOST_TEST(a.test->accuracy == b.test->accuracy);
  BOOST_TEST(a.test->loss == b.test->loss, tt::tolerance(tolerance));
}

/// The same string on every rank? (a digest compared by min/max all-reduce)
bool same_on_all_ranks(const gpta::mpi::communicator& comm, const std::string& s) {
  const std::uint64_t h = gpta::detail::fnv1a64(s);
  return comm.min(h) == comm.max(h);
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(mpi_fixture);

BOOST_AUTO_TEST_CASE(the_job_has_two_ranks) {
  const gpta::mpi::communicator comm;
  BOOST_TEST_REQUIRE(comm.size() == 2);  // ctest starts this file with mpirun -np 2
  std::vector<double> v{1.0 + comm.rank(), 10.0};
  comm.sum(std::span<double>(v));
  BOOST_TEST(v[0] == 3.0);
  BOOST_TEST(v[1] == 20.0);
  const std::vector<int> mine(static_cast<std::size_t>(comm.rank() + 1), comm.rank());
  BOOST_TEST(comm.gather(std::span<const int>(mine)) == (std::vector<int>{0, 1, 1}));
  std::string bytes = comm.rank() == 0 ? "from rank 0" : "";
  comm.broadcast(bytes);
  BOOST_TEST(bytes == "from rank 0");
}

BOOST_AUTO_TEST_CASE(two_ranks_train_bow_as_one_process_with_the_same_global_batch) {
  const auto& d = sst2();
  // One process, global batch 8 (every rank runs it alone, identically).
  gpta::basic_trainer single(bow(d.train), gpta::fixed_prefix{"movie review:"}, gpta::null_transport{}, options(8));
  const gpta::run_result one = single.fit(d.train, d.dev, d.test, d.task);
  // Two ranks, each computing 4 of every 8.
  using parallel_t = gpta::mpi::data_parallel<gpta::student::bow_classifier>;
  gpta::basic_trainer dp(parallel_t(bow(d.train)), gpta::fixed_prefix{"movie review:"}, gpta::null_transport{},
                         options(8));
  const gpta::run_result two = dp.fit(d.train, d.dev, d.test, d.task,
                                      gpta::mpi::in_sync_check<parallel_t>{&dp.student()});
  check_same_rounds(one, two, 1e-4);
  BOOST_TEST(dp.student().steps() == one.rounds.size() * 8u);  // 32 sentences / 8, 2 epochs a round
  BOOST_TEST(dp.student().reduce_seconds() > 0.0);
  // The weights match the single process's to float tolerance.
  const auto& a = single.student().embedding();
  const auto& b = dp.student().local().embedding();
  BOOST_TEST((a - b).cwiseAbs().maxCoeff() < 1e-4f);
  BOOST_TEST(std::abs(a.sum()) > 0.0f);
}

BOOST_AUTO_TEST_CASE(two_ranks_train_a_bert_student_as_one_process_host_and_thrust) {
  // A tiny random BERT (no dropout: each rank's shard would draw different masks than one process).
  const auto tokenizer = gpta::text::wordpiece_tokenizer::from_tokens(
      {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "movie", "film", "is", "was", "good", "great", "bad",
       "awful", "plot", "acting", "."});
  gpta::bert_config c;
  c.vocab_size = 18;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 32;
  c.type_vocab_size = 2;
  gpta::bert_student_options o;
  o.max_length = 16;
  o.prefix_budget = 4;
  o.learning_rate = 3e-3;
  o.dropout = false;
  o.seed = 5;
  std::vector<gpta::text_example> data;
  for (const std::string s : {"the movie", "a film", "the plot", "the acting"})
    for (const auto& [w, y] : std::vector<std::pair<std::string, int>>{{"good", 1}, {"great", 1}, {"bad", 0},
                                                                        {"awful", 0}})
      data.push_back({s + " was " + w + " .", y});
  gpta::bert_student single(c, tokenizer, o);
  gpta::mpi::data_parallel<gpta::bert_student> dp(gpta::bert_student(c, tokenizer, o));
  const std::span<const gpta::text_example> all(data);
  for (int step = 0; step < 4; ++step) {
    const auto batch = all.subspan(static_cast<std::size_t>(step % 2) * 8, 7);  // 7: shards of 3 and 4
    const double l1 = single.train_step(batch, "rate");
    const double l2 = dp.train_step(batch, "rate");
    BOOST_TEST(l1 == l2, tt::tolerance(1e-5));
  }
  BOOST_TEST(single.loss(all, "rate") == dp.loss(all, "rate"), tt::tolerance(1e-5));
  BOOST_TEST((single.predict(all, "rate") == dp.predict(all, "rate")));
  const auto la = single.example_losses(all, "rate"), lb = dp.example_losses(all, "rate");
  BOOST_REQUIRE(la.size() == lb.size());
  for (std::size_t i = 0; i < la.size(); ++i) BOOST_TEST(la[i] == lb[i], tt::tolerance(1e-5));
  BOOST_CHECK_NO_THROW(dp.check_in_sync("after four steps"));

  // The same network on the Thrust backend (OMP system): data-parallel as well.
  using thrust_student = gpta::backend::thrust_bert_student<gpta::backend::thrust_backend<thrust::system::omp::tag>>;
  const gpta::bert_student host(c, tokenizer, o);
  thrust_student alone(host);
  gpta::mpi::data_parallel<thrust_student> spread{thrust_student(host)};
  for (int step = 0; step < 4; ++step) {
    const auto batch = all.subspan(static_cast<std::size_t>(step % 2) * 8, 7);
    BOOST_TEST(alone.train_step(batch, "rate") == spread.train_step(batch, "rate"), tt::tolerance(1e-5));
  }
  BOOST_TEST((alone.predict(all, "rate") == spread.predict(all, "rate")));
  BOOST_TEST(alone.loss(all, "rate") == spread.loss(all, "rate"), tt::tolerance(1e-5));
  BOOST_CHECK_NO_THROW(spread.check_in_sync("after four Thrust steps"));
}

BOOST_AUTO_TEST_CASE(two_ranks_train_the_causal_lm_classifier_as_one_process) {
  // A tiny random Qwen2 GGUF (each rank writes its own copy, same seed, same bytes) with LoRA.
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("gpta_mpi_lm_" + std::to_string(::getpid()) + ".gguf");
  gpta::test::write_tiny_qwen2_gguf(file, 3);
  gpta::lm_classifier_options o;
  o.labels = {"bad", "good"};
  o.prompt.system = "You classify.";
  o.prompt.max_length = 96;
  o.prompt.prefix_budget = 8;
  o.tuning.lora.rank = 4;
  o.tuning.lora.modules = gpta::nn::lora_all_modules;
  o.tuning.learning_rate = 3e-2;
  o.tuning.seed = 5;
  const std::vector<gpta::text_example> reviews{
      {"a fine film", 1}, {"dull and long", 0}, {"loved it", 1}, {"a mess", 0}, {"great fun", 1}};
  auto single = gpta::lm_classifier::from_gguf(file, o);
  gpta::mpi::data_parallel<gpta::lm_classifier> dp(gpta::lm_classifier::from_gguf(file, o));
  std::filesystem::remove(file);
  const std::span<const gpta::text_example> all(reviews);
  for (int step = 0; step < 3; ++step)  // 5 examples: shards of 2 and 3
    BOOST_TEST(single.train_step(all, "rate it") == dp.train_step(all, "rate it"), tt::tolerance(1e-5));
  BOOST_TEST(single.loss(all, "rate it") == dp.loss(all, "rate it"), tt::tolerance(1e-5));
  BOOST_TEST((single.predict(all, "rate it") == dp.predict(all, "rate it")));
  BOOST_CHECK_NO_THROW(dp.check_in_sync("after three steps"));
}

BOOST_AUTO_TEST_CASE(only_rank_0_talks_to_the_ta_and_every_rank_follows_its_answers) {
  const auto& d = sst2();
  const gpta::mpi::communicator comm;
  for (const bool overlap : {false, true}) {
    counting_ta ta;
    gpta::trainer_options o = options(8);
    o.rounds = 4;
    o.overlap = overlap;
    using parallel_t = gpta::mpi::data_parallel<gpta::student::bow_classifier>;
    gpta::basic_trainer dp(parallel_t(bow(d.train)), gpta::dialogue_gradient{},
                           gpta::mpi::rank0_transport<counting_ta&>(ta), o);
    const gpta::run_result run = dp.fit(d.train, d.dev, d.test, d.task);
    BOOST_TEST((comm.rank() == 0 ? ta.calls > 0 : ta.calls == 0), "rank " << comm.rank() << ": " << ta.calls);
    BOOST_TEST(dp.transport().calls() == static_cast<std::size_t>(comm.max(ta.calls)));
    BOOST_TEST(run.rounds.front().prefix == "is this movie review positive or negative");
    std::string prefixes;
    for (const auto& r : run.rounds) prefixes += r.prefix + "|" + std::to_string(r.candidates.size()) + "\n";
    BOOST_TEST(same_on_all_ranks(comm, prefixes + run.best_prefix), prefixes);
    BOOST_TEST(run.ta_requests == static_cast<std::size_t>(comm.max(ta.calls)));
    BOOST_CHECK_NO_THROW(dp.student().check_in_sync("after the run"));
  }
}

BOOST_AUTO_TEST_CASE(a_ta_failure_on_rank_0_reaches_every_rank) {
  struct failing_ta {
    gpta::chat_response complete(const gpta::chat_request&) { throw std::runtime_error("TA unreachable (test)"); }
  };
  gpta::mpi::rank0_transport<failing_ta> t(failing_ta{});
  try {
    (void)t.complete({});
    BOOST_FAIL("no exception");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) == "teaching assistant (rank 0): TA unreachable (test)");
  }
}

// Run on its own (ctest mpi/rank_death): rank 1's student fails mid-round; run_or_abort prints the
// error and ends the job, so rank 0 does not wait forever in its all-reduce.
BOOST_AUTO_TEST_CASE(rank_death, *boost::unit_test::disabled()) {
  const gpta::mpi::communicator comm;
  using base = gpta::student::bow_classifier;
  struct fragile : base {
    using base::base;
    int rank = 0, steps = 0;
    double compute_gradients(std::span<const gpta::text_example> s, std::string_view p, double w) {
      if (rank == 1 && ++steps == 3) throw std::runtime_error("student failed (test)");
      return base::compute_gradients(s, p, w);
    }
  };
  const auto& d = sst2();
  fragile f(gpta::student::bow_classifier::fit_vocabulary(d.train.examples, 1), 2);
  f.rank = comm.rank();
  gpta::basic_trainer dp(gpta::mpi::data_parallel<fragile>(f), gpta::fixed_prefix{""}, gpta::null_transport{},
                         options(8));
  gpta::mpi::run_or_abort([&] { return dp.fit(d.train, d.dev, d.test, d.task); });
  BOOST_FAIL("the job went on after a rank failed");
}
