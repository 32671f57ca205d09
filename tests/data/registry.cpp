#include <gpta/data/registry.hpp>

#include "data/data_test_support.hpp"

#include <cstdlib>
#include <optional>

namespace data = gpta::data;
using gpta_test::contains;

namespace {
// A miniature of the shared datasets folder, with the real file names and layouts.
void write_mini_data_dir(const gpta_test::temp_dir& dir) {
  dir.write("sst2/train.tsv", "text\tlabel\ngood film \t1\nbad film \t0\nok \t1\n");
  dir.write("tweeteval_sentiment/mapping.txt", "0\tnegative\n1\tneutral\n2\tpositive\n");
  dir.write("tweeteval_sentiment/val_text.txt", "ugh\nhmm\nyay\n");
  dir.write("tweeteval_sentiment/val_labels.txt", "0\n1\n2\n");
  dir.write("yelp_polarity/yelp", "1 tasty .\n0 \"cold \"\"fresh\"\" fries .\"\n");
  dir.write("sentiment140/testdata.manual.2009.06.14.csv", "4,yes\n2,meh\n0,no\n0,\"no, no\"\n");
}

// Sets or clears an environment variable for one test and puts the old value back.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;
  ~scoped_env() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};
}  // namespace

BOOST_AUTO_TEST_CASE(load_task_finds_every_benchmark_under_the_data_dir_as_binary) {
  gpta_test::temp_dir dir;
  write_mini_data_dir(dir);
  const std::vector<std::size_t> sizes{3, 2, 2, 3};  // sst2, tweeteval (neutral dropped), yelp, sentiment140
  for (std::size_t i = 0; i < data::known_tasks.size(); ++i) {
    const auto d = data::load_task(data::known_tasks[i], dir.path());
    BOOST_TEST(d.size() == sizes[i], data::known_tasks[i]);
    BOOST_TEST(d.label_names == (std::vector<std::string>{"negative", "positive"}), boost::test_tools::per_element());
    BOOST_TEST(d.name == std::string(data::known_tasks[i]));
  }
  BOOST_TEST(data::load_task("yelp", dir.path())[1].text == "cold \"fresh\" fries .");
  BOOST_TEST(data::task_path("sst2", dir.path()) == dir.path() / "sst2" / "train.tsv");
  BOOST_TEST(data::task_path("tweeteval", dir.path()) == dir.path() / "tweeteval_sentiment");
}

BOOST_AUTO_TEST_CASE(unknown_tasks_list_the_valid_names) {
  for (auto call : {+[] { (void)data::load_task("imdb", "."); }, +[] { (void)data::default_task_info("imdb"); },
                    +[] { (void)data::task_path("imdb", "."); }}) {
    try {
      call();
      BOOST_FAIL("unknown task accepted");
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      BOOST_TEST(contains(what, "gpta::data::"));
      BOOST_TEST(contains(what, "\"imdb\""));
      for (std::string_view name : data::known_tasks) BOOST_TEST(contains(what, name));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_missing_data_dir_names_the_file_that_was_expected) {
  gpta_test::temp_dir dir;
  const auto e = gpta_test::expect_data_error([&] { (void)data::load_task("sst2", dir.path()); });
  gpta_test::check_error(e, gpta::errc::file_not_found, dir.path() / "sst2" / "train.tsv", 0);
}

BOOST_AUTO_TEST_CASE(default_task_info_describes_each_task_for_the_assistant) {
  for (std::string_view name : data::known_tasks) {
    const gpta::task_info info = data::default_task_info(name);
    BOOST_TEST(info.name == std::string(name));
    BOOST_TEST(info.domain == "sentiment");
    BOOST_TEST(info.task_type == "binary sentiment classification");
    BOOST_TEST(info.label_names == (std::vector<std::string>{"negative", "positive"}), boost::test_tools::per_element());
    BOOST_TEST(info.description.size() > 100u, name);
    BOOST_TEST(!info.output_format.empty());
  }
  BOOST_TEST(contains(data::default_task_info("sst2").description, "lowercased"));
  BOOST_TEST(contains(data::default_task_info("tweeteval").description, "@user"));
  // Four different datasets deserve four different descriptions.
  BOOST_TEST(data::default_task_info("tweeteval").description != data::default_task_info("sentiment140").description);
}

BOOST_AUTO_TEST_CASE(default_data_dir_prefers_the_environment) {
  {
    scoped_env env("GPTA_DATA_DIR", "/some/where");
    BOOST_TEST(data::default_data_dir() == std::filesystem::path("/some/where"));
  }
  {
    scoped_env env("GPTA_DATA_DIR", nullptr);
#ifdef GPTA_DEFAULT_DATA_DIR
    BOOST_TEST(data::default_data_dir() == std::filesystem::path(GPTA_DEFAULT_DATA_DIR));
#else
    BOOST_TEST(data::default_data_dir() == std::filesystem::path("../shared/datasets"));
#endif
  }
  {
    scoped_env env("GPTA_DATA_DIR", "");  // set but empty counts as unset
    BOOST_TEST(!data::default_data_dir().empty());
    BOOST_TEST(data::default_data_dir() != std::filesystem::path(""));
  }
}

BOOST_AUTO_TEST_CASE(load_task_file_reads_any_file_in_a_benchmarks_layout) {
  gpta_test::temp_dir dir;
  write_mini_data_dir(dir);
  // An sst2-layout file elsewhere (e.g. an official test file), read by its format's loader.
  const auto other = dir.write("elsewhere/held_out.tsv", "text\tlabel\nawful \t0\nlovely \t1\n");
  const auto d = data::load_task_file("sst2", other);
  BOOST_TEST_REQUIRE(d.size() == 2u);
  BOOST_TEST(d[1].text == "lovely");
  BOOST_TEST(d[1].label == 1);
  BOOST_TEST(data::load_task_file("yelp", dir.path() / "yelp_polarity" / "yelp").size() == 2u);
  BOOST_TEST(data::load_task_file("sentiment140", dir.path() / "sentiment140" / "testdata.manual.2009.06.14.csv").size() ==
             3u);
  // TweetEval: the <split>_text.txt file names its split; the labels and mapping sit beside it.
  BOOST_TEST(data::load_task_file("tweeteval", dir.path() / "tweeteval_sentiment" / "val_text.txt").size() == 2u);
  const auto e = gpta_test::expect_data_error(
      [&] { (void)data::load_task_file("tweeteval", dir.path() / "tweeteval_sentiment" / "mapping.txt"); });
  gpta_test::check_error(e, gpta::errc::file_not_found, dir.path() / "tweeteval_sentiment" / "mapping.txt", 0);
  // A file of the wrong layout fails with the loader's error naming it.
  const auto wrong = gpta_test::expect_data_error([&] { (void)data::load_task_file("sst2", dir.path() / "yelp_polarity" / "yelp"); });
  BOOST_TEST(wrong.file() == dir.path() / "yelp_polarity" / "yelp");
  BOOST_CHECK_THROW((void)data::load_task_file("imdb", other), std::invalid_argument);
}
