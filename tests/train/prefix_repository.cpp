#include <gpta/train/prefix_repository.hpp>

#include <filesystem>

#include <boost/test/unit_test.hpp>

#include <gpta/prompt/no_prefix.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "support/archetypes.hpp"

namespace {
std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("gpta_prefixes_" + name + "_" + std::to_string(::getpid()) + ".json");
}
}  // namespace

BOOST_AUTO_TEST_CASE(round_trips_and_picks_the_best_of_a_domain) {
  const auto file = temp_file("rt");
  std::filesystem::remove(file);
  auto repo = gpta::prefix_repository::load(file);
  BOOST_TEST(repo.entries().empty());
  repo.add({"movie sentiment", "sst2", "sentiment", "accuracy", 0.81, 2, "dialogue", "smollm2", ""});
  repo.add({"tweet mood", "tweeteval", "sentiment", "accuracy", 0.74, 1, "dialogue", "smollm2", ""});
  repo.add({"answer span", "squad", "reading", "f1", 0.90, 1, "dialogue", "smollm2", ""});
  repo.add({"movie sentiment", "sst2", "sentiment", "accuracy", 0.79, 3, "dialogue", "smollm2", ""});  // worse dup
  BOOST_TEST(repo.entries().size() == 3u);
  repo.save(file);

  const auto back = gpta::prefix_repository::load(file);
  BOOST_TEST_REQUIRE(back.entries().size() == 3u);
  BOOST_TEST(back.entries()[0].score == 0.81);
  BOOST_TEST(back.entries()[0].round == 2);
  BOOST_TEST(back.entries()[0].date.size() == 20u);  // 2026-11-25T14:37:00Z
  BOOST_TEST(back.best("sentiment")->prefix == "movie sentiment");
  // Transfer: the best prefix learned on another dataset of the domain.
  BOOST_TEST(back.best("sentiment", "sst2")->prefix == "tweet mood");
  BOOST_TEST(!back.best("summarisation").has_value());
  std::filesystem::remove(file);
}

BOOST_AUTO_TEST_CASE(a_malformed_repository_is_an_error_naming_file_and_entry) {
  const auto file = temp_file("bad");
  gpta::detail::write_file_atomic(file, R"({"format":"gpta.prefixes/1","entries":[{"prefix":"x"}]})");
  try {
    (void)gpta::prefix_repository::load(file);
    BOOST_FAIL("malformed repository accepted");
  } catch (const gpta::data_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find(file.filename().string()) != std::string::npos);
    BOOST_TEST(what.find("entries[0]") != std::string::npos);
  }
  gpta::detail::write_file_atomic(file, R"({"format":"something else","entries":[]})");
  BOOST_CHECK_THROW((void)gpta::prefix_repository::load(file), gpta::data_error);
  std::filesystem::remove(file);
}

BOOST_AUTO_TEST_CASE(a_stored_prefix_competes_in_round_zero_and_wins_when_better) {
  auto train = gpta::test::make_binary_dataset(40, "train"), dev = gpta::test::make_binary_dataset(100, "dev");
  gpta::trainer_options o;
  o.rounds = 1;
  o.batch_size = 10;
  o.progress = false;
  o.initial_prefixes = {"transferred sentiment sentiment"};
  gpta::basic_trainer<gpta::test::oracle_student, gpta::no_prefix> t(gpta::test::oracle_student{}, {}, {}, o);
  auto run = t.fit(train, dev, {}, gpta::task_info{});
  BOOST_TEST(run.rounds.at(0).prefix == "transferred sentiment sentiment");
}
