// A recorded run keeps its best round's weights (best/student.ckpt) so that it can be scored on
// other files later: the file holds the best round's weights (not the last round's), reads back
// into a student built alike, and is absent when the student cannot write weights or the option
// is off.
#include <gpta/train/basic_trainer.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <unistd.h>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/prompt/no_prefix.hpp>
#include <gpta/student/bow_classifier.hpp>

#include "support/archetypes.hpp"

namespace {

using gpta::student::bow_classifier;

static_assert(gpta::weight_file_student<bow_classifier>);
static_assert(!gpta::weight_file_student<gpta::test::oracle_student>);

gpta::text_dataset words(std::size_t n, std::uint64_t salt) {
  gpta::text_dataset d;
  d.name = "words";
  d.label_names = {"negative", "positive"};
  const std::vector<std::string> pos{"great", "moving", "funny", "warm"}, neg{"dull", "boring", "mess", "long"};
  for (std::size_t i = 0; i < n; ++i) {
    const int y = static_cast<int>((i + salt) % 2);
    const auto& w = y ? pos : neg;
    d.examples.push_back({w[i % 4] + " and " + w[(i / 4 + salt) % 4] + " film " + std::to_string(i % 7), y});
  }
  return d;
}

bow_classifier make_bow(const gpta::text_dataset& train) {
  gpta::student::bow_options o;
  o.dim = 8;
  o.seed = 3;
  o.learning_rate = 0.5f;
  return bow_classifier(bow_classifier::fit_vocabulary(train.examples, 1), 2, o);
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

gpta::trainer_options options(int rounds) {
  gpta::trainer_options o;
  o.rounds = rounds;
  o.epochs_per_round = 2;
  o.batch_size = 8;
  o.progress = false;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_recorded_run_keeps_its_best_rounds_weights_and_they_read_back) {
  const auto train = words(64, 0), dev = words(32, 1), test = words(40, 0);
  const auto dir = fresh_dir("gpta_best_weights");
  gpta::basic_trainer<bow_classifier, gpta::fixed_prefix> t(make_bow(train), gpta::fixed_prefix{"film"}, {}, options(3));
  t.record_to(dir);
  const auto run = t.fit(train, dev, test, gpta::task_info{});
  BOOST_TEST(run.best_weights == "best/student.ckpt");
  BOOST_REQUIRE(std::filesystem::exists(dir / "best" / "student.ckpt"));
  const auto doc = gpta::detail::parse_object_file(dir / "run.json");
  BOOST_TEST(doc.at("result").at("best_weights").as_string() == "best/student.ckpt");

  // The trainer ends on the best round's weights: the saved ones are those, to the bit.
  bow_classifier loaded = make_bow(words(4, 1));  // a different vocabulary: load_weights replaces it
  loaded.load_weights(dir / "best" / "student.ckpt");
  const std::span<const gpta::text_example> all(test.examples);
  BOOST_TEST(loaded.predict(all, run.best_prefix) == t.student().predict(all, run.best_prefix));
  BOOST_TEST(loaded.loss(all, run.best_prefix) == t.student().loss(all, run.best_prefix));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(the_saved_weights_are_the_best_rounds_not_the_last_rounds) {
  // Each round's test loss is noted as the round ends; the saved weights must give the best
  // round's (and the final test's) figures, whichever round that was.
  const auto train = words(64, 0), dev = words(32, 1), test = words(40, 0);
  const auto dir = fresh_dir("gpta_best_weights_peak");
  using trainer_t = gpta::basic_trainer<bow_classifier, gpta::no_prefix>;
  trainer_t t(make_bow(train), gpta::no_prefix{}, {}, options(4));
  t.record_to(dir);
  struct note_losses {
    const trainer_t* trainer;
    const gpta::text_dataset* data;
    std::vector<double> losses;
    void on_round_end(const gpta::round_context&) {
      losses.push_back(trainer->student().loss(std::span<const gpta::text_example>(data->examples), ""));
    }
  } cb{&t, &test, {}};
  const auto run = t.fit(train, dev, test, gpta::task_info{}, cb);
  BOOST_REQUIRE_EQUAL(cb.losses.size(), 4u);
  bow_classifier loaded = make_bow(train);
  loaded.load_weights(dir / "best" / "student.ckpt");
  BOOST_TEST(loaded.loss(std::span<const gpta::text_example>(test.examples), "") ==
             cb.losses.at(static_cast<std::size_t>(run.best_round)));
  trainer_t scorer(std::move(loaded), gpta::no_prefix{}, {}, options(1));
  const auto again = scorer.evaluate(test, run.best_prefix);
  BOOST_TEST(again.accuracy == run.test->accuracy);
  BOOST_TEST(again.loss == run.test->loss);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(no_weights_without_a_record_the_option_or_a_student_that_writes_them) {
  const auto train = words(32, 0), dev = words(16, 1);
  {
    gpta::basic_trainer<bow_classifier, gpta::no_prefix> t(make_bow(train), gpta::no_prefix{}, {}, options(1));
    BOOST_TEST(t.fit(train, dev, {}, gpta::task_info{}).best_weights.empty());  // not recorded
  }
  {
    const auto dir = fresh_dir("gpta_best_weights_off");
    auto o = options(1);
    o.save_best_weights = false;
    gpta::basic_trainer<bow_classifier, gpta::no_prefix> t(make_bow(train), gpta::no_prefix{}, {}, o);
    t.record_to(dir);
    BOOST_TEST(t.fit(train, dev, {}, gpta::task_info{}).best_weights.empty());
    BOOST_TEST(!std::filesystem::exists(dir / "best"));
    std::filesystem::remove_all(dir);
  }
  {
    const auto dir = fresh_dir("gpta_best_weights_oracle");
    auto b = gpta::test::make_binary_dataset(20, "train"), d = gpta::test::make_binary_dataset(20, "dev");
    gpta::basic_trainer<gpta::test::oracle_student, gpta::no_prefix> t(gpta::test::oracle_student{}, gpta::no_prefix{},
                                                                      {}, options(1));
    t.record_to(dir);
    BOOST_TEST(t.fit(b, d, {}, gpta::task_info{}).best_weights.empty());
    BOOST_TEST(!std::filesystem::exists(dir / "best"));
    std::filesystem::remove_all(dir);
  }
}
