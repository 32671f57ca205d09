#include <gpta/llm/any_transport.hpp>
#include <gpta/llm/audited_transport.hpp>
#include <gpta/llm/caching_transport.hpp>
#include <gpta/llm/exposure_index.hpp>
#include <gpta/llm/scripted_transport.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

static_assert(gpta::detail::check_llm_transport<gpta::scripted_transport>());
static_assert(gpta::detail::check_llm_transport<gpta::any_transport>());
static_assert(gpta::detail::check_llm_transport<gpta::caching_transport<gpta::scripted_transport>>());
static_assert(gpta::detail::check_llm_transport<gpta::audited_transport<gpta::scripted_transport&>>());

namespace {

gpta::chat_request ask(std::string text, std::optional<std::int64_t> seed = 1) {
  gpta::chat_request r;
  r.model = "m";
  r.messages = {{"system", "You write prefixes."}, {"user", std::move(text)}};
  r.seed = seed;
  return r;
}

struct temp_dir {
  temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("gpta_llm_test_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::filesystem::path path;
};

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scripted)

BOOST_AUTO_TEST_CASE(replays_in_order_and_records) {
  gpta::scripted_transport t;
  t.push_text("one", {1, 2, 3}).push_error(gpta::llm_errc::rate_limited, "busy", 429).push_text("two");
  BOOST_TEST(t.complete(ask("a")).choices.at(0).content == "one");
  try {
    (void)t.complete(ask("b"));
    BOOST_FAIL("expected the scripted error");
  } catch (const gpta::llm_error& e) {
    BOOST_TEST((e.errc() == gpta::llm_errc::rate_limited));
    BOOST_TEST(e.http_status() == 429);
  }
  BOOST_TEST(t.complete(ask("c")).choices.at(0).content == "two");
  BOOST_TEST(t.request_count() == 3u);
  BOOST_TEST(t.requests().at(1).messages.at(1).content == "b");
  BOOST_CHECK_THROW((void)t.complete(ask("d")), std::logic_error);  // script exhausted
  t.otherwise([](const gpta::chat_request& r) {
    gpta::chat_response res;
    res.choices.push_back({"echo: " + r.messages.back().content, "stop"});
    return res;
  });
  BOOST_TEST(t.complete(ask("e")).choices.at(0).content == "echo: e");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(any)

BOOST_AUTO_TEST_CASE(owns_or_refers) {
  gpta::scripted_transport inner;
  inner.push_text("by reference");
  gpta::any_transport by_ref(std::ref(inner));
  BOOST_TEST(by_ref.complete(ask("x")).choices.at(0).content == "by reference");
  BOOST_TEST(inner.request_count() == 1u);  // the caller's object saw the call

  gpta::scripted_transport owned;
  owned.push_text("owned");
  gpta::any_transport by_value(std::move(owned));
  BOOST_TEST(by_value.complete(ask("x")).choices.at(0).content == "owned");

  gpta::any_transport empty;
  BOOST_TEST(!empty);
  BOOST_CHECK_THROW((void)empty.complete(ask("x")), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(caching)

BOOST_AUTO_TEST_CASE(hit_miss_and_replay) {
  temp_dir dir;
  gpta::scripted_transport live;
  live.push_text("first answer", {5, 6, 11}).push_text("other seed");
  gpta::caching_transport<gpta::scripted_transport&> cache(live, {dir.path});
  const auto a = cache.complete(ask("q"));
  const auto b = cache.complete(ask("q"));  // same canonical request: from disk
  BOOST_TEST(a.choices.at(0).content == "first answer");
  BOOST_TEST((a == b));
  BOOST_TEST(b.usage.total_tokens == 11);
  BOOST_TEST(cache.hits() == 1u);
  BOOST_TEST(cache.misses() == 1u);
  BOOST_TEST(live.request_count() == 1u);
  (void)cache.complete(ask("q", 2));  // a different seed is a different request
  BOOST_TEST(cache.misses() == 2u);
  BOOST_TEST(live.request_count() == 2u);

  // No temp files left behind: every write was renamed into place.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) {
    BOOST_TEST(e.path().extension() == ".json");
    ++files;
  }
  BOOST_TEST(files == 2u);

  // A rerun in replay-only mode answers from disk and never calls the live transport.
  gpta::scripted_transport must_not_be_called;
  gpta::caching_transport<gpta::scripted_transport&> replay(must_not_be_called, {dir.path, gpta::cache_mode::replay_only});
  BOOST_TEST(replay.complete(ask("q")).choices.at(0).content == "first answer");
  try {
    (void)replay.complete(ask("never asked"));
    BOOST_FAIL("a miss must fail in replay_only mode");
  } catch (const gpta::llm_error& e) {
    BOOST_TEST((e.errc() == gpta::llm_errc::cache_miss));
    BOOST_TEST(e.detail().find(dir.path.string()) != std::string::npos);
  }
  BOOST_TEST(must_not_be_called.request_count() == 0u);
  BOOST_TEST(replay.hits() == 1u);
  BOOST_TEST(replay.misses() == 1u);
}

BOOST_AUTO_TEST_CASE(refresh_overwrites_and_failures_are_not_cached) {
  temp_dir dir;
  gpta::scripted_transport live;
  live.push_error(gpta::llm_errc::server_error).push_text("v1").push_text("v2");
  gpta::caching_transport<gpta::scripted_transport&> cache(live, {dir.path});
  BOOST_CHECK_THROW((void)cache.complete(ask("q")), gpta::llm_error);
  BOOST_TEST(cache.complete(ask("q")).choices.at(0).content == "v1");  // the failure left no entry
  gpta::caching_transport<gpta::scripted_transport&> refresh(live, {dir.path, gpta::cache_mode::refresh});
  BOOST_TEST(refresh.complete(ask("q")).choices.at(0).content == "v2");
  BOOST_TEST(cache.complete(ask("q")).choices.at(0).content == "v2");
  BOOST_TEST(live.request_count() == 3u);
}

BOOST_AUTO_TEST_CASE(a_corrupt_entry_is_reported_with_its_file) {
  temp_dir dir;
  gpta::scripted_transport live;
  gpta::caching_transport<gpta::scripted_transport&> cache(live, {dir.path});
  const auto path = cache.entry_path(ask("q"));
  std::ofstream(path) << "{\"request\":\n{\"model\": oops}";
  try {
    (void)cache.complete(ask("q"));
    BOOST_FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find(path.string()) != std::string::npos, what);
    BOOST_TEST(what.find("line 2") != std::string::npos, what);
  }
  BOOST_TEST(live.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(key_is_the_canonical_request) {
  BOOST_TEST(gpta::caching_transport<gpta::scripted_transport>::key(ask("q")) ==
             gpta::caching_transport<gpta::scripted_transport>::key(ask("q")));
  auto other = ask("q");
  other.temperature = 0.1;
  BOOST_TEST(gpta::caching_transport<gpta::scripted_transport>::key(ask("q")) !=
             gpta::caching_transport<gpta::scripted_transport>::key(other));
  BOOST_TEST(gpta::caching_transport<gpta::scripted_transport>::key(ask("q")).size() == 32u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(audit)

const std::vector<std::string> training{
    "the film is a charming and often affecting journey through love and loss",  // 13 words
    "a gorgeously strange movie",                                                 // 4 words: whole-text only
    "bad",                                                                        // too short to attribute
    "it's a cookie-cutter movie , a cut-and-paste job that never gets off the ground",
};

BOOST_AUTO_TEST_CASE(index_finds_whole_texts_and_long_spans) {
  gpta::exposure_index idx(training, 8, 4);
  BOOST_TEST(idx.find("Write a prefix for movie reviews.").empty());
  // Eight consecutive words of example 0, with different case and punctuation.
  BOOST_TEST((idx.find("Example: The film is a CHARMING, and often affecting!") == std::vector<std::size_t>{0}));
  // Seven words are not enough.
  BOOST_TEST(idx.find("the film is a charming and often").empty());
  // A short example counts only whole, as a word sequence.
  BOOST_TEST((idx.find("review: \"A gorgeously strange movie\"") == std::vector<std::size_t>{1}));
  BOOST_TEST(idx.find("a gorgeously strange moviegoer").empty());
  BOOST_TEST(idx.find("bad").empty());
  BOOST_TEST((idx.find("it s a cookie cutter movie a cut and paste job that | a gorgeously strange movie") ==
              std::vector<std::size_t>{1, 3}));
}

BOOST_AUTO_TEST_CASE(counts_exposure_logs_and_enforces_the_budget) {
  temp_dir dir;
  const auto log = dir.path / "exposure.jsonl";
  gpta::scripted_transport live;
  live.push_text("prefix one", {10, 2, 12}).push_text("prefix two", {20, 3, 23}).push_error(gpta::llm_errc::timeout);
  gpta::audit_options o;
  o.log_path = log;
  o.exemplar_budget = 1;
  gpta::audited_transport<gpta::scripted_transport&> audited(live, training, o);

  (void)audited.complete(ask("Sentiment of movie reviews, positive or negative."));
  BOOST_TEST(audited.summary().examples_exposed == 0u);

  // One exemplar: within the budget of 1.
  (void)audited.complete(ask("For instance: the film is a charming and often affecting journey."));
  BOOST_TEST(audited.summary().examples_exposed == 1u);

  // The same exemplar again costs nothing new; a second one would exceed the budget.
  try {
    (void)audited.complete(ask("the film is a charming and often affecting journey; a gorgeously strange movie"));
    BOOST_FAIL("the budget must refuse a second exemplar");
  } catch (const gpta::llm_error& e) {
    BOOST_TEST((e.errc() == gpta::llm_errc::exposure_budget_exceeded));
    BOOST_TEST(e.detail().find("budget is 1") != std::string::npos);
  }
  BOOST_TEST(live.request_count() == 2u);  // the refused request never reached the TA

  // A failed call still counts as sent (the server may have read it).
  BOOST_CHECK_THROW((void)audited.complete(ask("the film is a charming and often affecting")), gpta::llm_error);

  const auto s = audited.summary();
  BOOST_TEST(s.requests == 3u);
  BOOST_TEST(s.refused == 1u);
  BOOST_TEST(s.failed == 1u);
  BOOST_TEST(s.usage.total_tokens == 35);
  BOOST_TEST(s.examples_exposed == 1u);
  BOOST_TEST((audited.exposed() == std::vector<std::size_t>{0}));

  const auto lines = lines_of(log);
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  const auto second = boost::json::parse(lines[1]).as_object();
  BOOST_TEST(second.at("event").as_string() == "sent");
  BOOST_TEST(second.at("new_examples").as_int64() == 1);
  BOOST_TEST(second.at("response").as_object().at("choices").as_array().size() == 1u);
  const auto refused = boost::json::parse(lines[2]).as_object();
  BOOST_TEST(refused.at("event").as_string() == "refused");
  BOOST_TEST(!refused.contains("request"));  // the TA never saw it, so neither does the log
  BOOST_TEST(refused.at("examples").as_array().size() == 2u);
  BOOST_TEST(boost::json::parse(lines[3]).as_object().at("event").as_string() == "failed");
}

BOOST_AUTO_TEST_CASE(unwritable_log_names_the_file) {
  gpta::scripted_transport live;
  gpta::audit_options o;
  o.log_path = "/nonexistent-dir/exposure.jsonl";
  try {
    gpta::audited_transport<gpta::scripted_transport&> a(live, training, o);
    BOOST_FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find("/nonexistent-dir/exposure.jsonl") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(decorators_stack) {
  temp_dir dir;
  gpta::scripted_transport live;
  live.push_text("cached prefix");
  gpta::audit_options o;
  o.exemplar_budget = 0;
  gpta::any_transport stack(gpta::audited_transport(
      gpta::caching_transport<gpta::scripted_transport&>(live, {dir.path}), training, o));
  BOOST_TEST(stack.complete(ask("describe the task")).choices.at(0).content == "cached prefix");
  BOOST_TEST(stack.complete(ask("describe the task")).choices.at(0).content == "cached prefix");
  BOOST_CHECK_THROW((void)stack.complete(ask("a gorgeously strange movie")), gpta::llm_error);
  BOOST_TEST(live.request_count() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
