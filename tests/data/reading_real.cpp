// gpta-test-labels: integration
// The reading-comprehension loaders on the real shared files: counts must match
// datasets/SOURCES.md (sections 4 and 5), established independently of this code.
#include <gpta/data/squad.hpp>

#include "data/data_test_support.hpp"

#include <chrono>
#include <map>
#include <set>
#include <unordered_set>

#include <gpta/data/race.hpp>
#include <gpta/data/reading_splits.hpp>
#include <gpta/eval/squad_metric.hpp>

namespace data = gpta::data;
namespace fs = std::filesystem;

namespace {
const fs::path shared = GPTA_TEST_SHARED_DATA_DIR;
const fs::path squad_file = shared / "squad_v1.1" / "dev-v1.1.shared.json";
const fs::path race_train = shared / "race" / "RACE" / "train";

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

const gpta::span_dataset& squad() {
  static const gpta::span_dataset d = [] {
    const auto t = std::chrono::steady_clock::now();
    auto loaded = data::load_squad(squad_file);
    BOOST_TEST_MESSAGE("SQuAD shared dev: " << loaded.size() << " questions in " << seconds_since(t) << " s");
    return loaded;
  }();
  return d;
}
}  // namespace

BOOST_AUTO_TEST_CASE(squad_shared_dev_has_the_documented_counts) {
  const auto& d = squad();
  const auto c = data::count_squad(d);
  BOOST_TEST(c.articles == 39u);
  BOOST_TEST(c.paragraphs == 1628u);
  BOOST_TEST(c.questions == 8595u);
  BOOST_TEST(c.answers == 28020u);
  BOOST_TEST(d.notes.empty());
  BOOST_TEST(d[0].title == "Super_Bowl_50");
  std::unordered_set<std::string> ids;
  for (const auto& e : d.examples) ids.insert(e.id);
  BOOST_TEST(ids.size() == d.size());
}

BOOST_AUTO_TEST_CASE(squad_every_answer_start_points_at_its_text_also_after_non_ascii) {
  std::size_t non_ascii_contexts = 0, shifted_answers = 0;
  std::size_t last_paragraph = static_cast<std::size_t>(-1);
  for (const auto& e : squad().examples) {
    const bool non_ascii = std::any_of(e.context.begin(), e.context.end(), [](char ch) { return (ch & 0x80) != 0; });
    if (e.paragraph != last_paragraph) non_ascii_contexts += non_ascii, last_paragraph = e.paragraph;
    BOOST_TEST_REQUIRE(!e.answers.empty());
    for (const auto& a : e.answers) {
      BOOST_TEST_REQUIRE(e.context.substr(a.start, a.text.size()) == a.text, e.id);
      BOOST_TEST_REQUIRE(data::char_offset_of(e.context, a.start) == a.char_start, e.id);
      shifted_answers += a.start != a.char_start;  // a multi-byte character comes before the answer
    }
  }
  BOOST_TEST_MESSAGE(non_ascii_contexts << " non-ASCII paragraphs, " << shifted_answers
                                        << " answers whose byte offset differs from answer_start");
  BOOST_TEST(non_ascii_contexts == 532u);  // counted with Python's json module
  BOOST_TEST(shifted_answers > 0u);
}

BOOST_AUTO_TEST_CASE(squad_splits_by_article_never_share_a_paragraph) {
  const auto& d = squad();
  for (std::size_t train : {64u, 256u, 1024u}) {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      const auto s = data::squad_split(d, {train, 500, 2000}, 0, seed);
      BOOST_TEST(s.train.size() == train);
      BOOST_TEST(s.dev.size() == 500u);
      BOOST_TEST(s.test.size() == 2000u);
      std::map<std::size_t, int> part_of_paragraph, part_of_article;
      int part = 0;
      for (const auto* rows : {&s.train, &s.dev, &s.test}) {
        for (std::size_t r : *rows) {
          const auto [pit, pnew] = part_of_paragraph.emplace(d[r].paragraph, part);
          BOOST_TEST_REQUIRE(pit->second == part, "paragraph " << d[r].paragraph << " in two splits");
          const auto [ait, anew] = part_of_article.emplace(d[r].article, part);
          BOOST_TEST_REQUIRE(ait->second == part, "article " << d[r].article << " in two splits");
        }
        ++part;
      }
    }
  }
  BOOST_TEST(data::squad_split(d, {64, 500, 2000}, 0, 1).test == data::squad_split(d, {1024, 500, 2000}, 0, 3).test);
}

BOOST_AUTO_TEST_CASE(squad_official_evaluation_of_gold_and_of_nothing) {
  const auto& d = squad();
  std::map<std::string, std::string> first_gold;
  for (const auto& e : d.examples) first_gold[e.id] = e.answers.front().text;
  const auto perfect = gpta::squad_evaluate(d, first_gold);
  BOOST_TEST(perfect.exact_match == 100.0);
  BOOST_TEST(perfect.f1 == 100.0);
  BOOST_TEST(perfect.unanswered.empty());
  const auto none = gpta::squad_evaluate(d, std::map<std::string, std::string>{});
  BOOST_TEST(none.exact_match == 0.0);
  BOOST_TEST(none.unanswered.size() == 8595u);
}

BOOST_AUTO_TEST_CASE(race_folders_hold_the_documented_files_and_middle_loads_fully) {
  auto t = std::chrono::steady_clock::now();
  BOOST_TEST(data::race_files(race_train / "high").size() == 15137u);
  const auto files = data::race_files(race_train);
  BOOST_TEST(files.size() == 6409u + 15137u);
  BOOST_TEST_MESSAGE("listed " << files.size() << " RACE files in " << seconds_since(t) << " s");

  t = std::chrono::steady_clock::now();
  const auto d = data::load_race(race_train / "middle");
  BOOST_TEST_MESSAGE("RACE-M: " << d.size() << " questions in " << seconds_since(t) << " s");
  const auto c = data::count_race(d);
  BOOST_TEST(c.middle_passages == 6409u);
  BOOST_TEST(c.middle_questions == 25421u);
  BOOST_TEST(c.high_passages == 0u);
  BOOST_TEST(d.notes.empty());
  std::set<std::string> passages;
  std::size_t cloze = 0;
  for (const auto& e : d.examples) {
    BOOST_TEST_REQUIRE(e.options.size() == 4u);
    BOOST_TEST_REQUIRE((e.label >= 0 && e.label < 4));
    passages.insert(e.passage_id);
    cloze += gpta::is_cloze(e.question);
  }
  BOOST_TEST(passages.size() == 6409u);
  BOOST_TEST(cloze == 14178u);  // counted with Python's json module
  BOOST_TEST(d[0].passage_id == "middle2.txt");  // natural order: 2.txt (there is no 1.txt) before 10.txt

  const auto s = data::race_split(d, {1024, 500, 2000}, 0, 1);
  std::map<std::size_t, int> part_of;
  int part = 0;
  for (const auto* rows : {&s.train, &s.dev, &s.test}) {
    for (std::size_t r : *rows) BOOST_TEST_REQUIRE(part_of.emplace(d[r].passage, part).first->second == part);
    ++part;
  }
}

BOOST_AUTO_TEST_CASE(race_high_passage_files_parse_with_their_level) {
  // Loading all 15,137 RACE-H files takes seconds on a cold cache; one in 50 keeps the test fast.
  const auto files = data::race_files(race_train / "high");
  gpta::choice_dataset d;
  for (std::size_t i = 0; i < files.size(); i += 50) (void)data::parse_race_passage(data::detail::read_file_bytes(files[i]), files[i], i, d);
  // The two passages RACE-H ships without questions parse to nothing.
  for (const char* name : {"15946.txt", "16528.txt"})
    BOOST_TEST(data::parse_race_passage(data::detail::read_file_bytes(race_train / "high" / name), race_train / "high" / name, 0, d) == 0u);
  BOOST_TEST(!d.empty());
  for (const auto& e : d.examples) BOOST_TEST_REQUIRE((e.level == gpta::choice_level::high));
}
