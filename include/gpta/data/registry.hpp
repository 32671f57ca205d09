// Task names to files and to task descriptions: the one place that knows where each sentiment
// benchmark lives under the data folder and what the user tells the teaching assistant about it.
#pragma once

#include <array>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <gpta/core/task_info.hpp>
#include <gpta/data/example.hpp>
#include <gpta/data/sentiment140.hpp>
#include <gpta/data/sst2.hpp>
#include <gpta/data/tweeteval.hpp>
#include <gpta/data/yelp.hpp>

namespace gpta::data {

/// Names load_task() and default_task_info() accept, in a stable order.
inline constexpr std::array<std::string_view, 4> known_tasks{"sst2", "tweeteval", "yelp", "sentiment140"};

/// Where datasets live: $GPTA_DATA_DIR when set and non-empty, else the GPTA_DEFAULT_DATA_DIR
/// compile definition when defined, else "../shared/datasets" (relative to the working directory,
/// the layout the project's benchmarks run in). Read on each call; nothing is cached.
[[nodiscard]] inline std::filesystem::path default_data_dir() {
  if (const char* env = std::getenv("GPTA_DATA_DIR"); env != nullptr && *env != '\0') return env;
#ifdef GPTA_DEFAULT_DATA_DIR
  return GPTA_DEFAULT_DATA_DIR;
#else
  return "../shared/datasets";
#endif
}

namespace detail {

[[noreturn]] inline void unknown_task(const char* component, std::string_view task) {
  std::string names;
  for (std::string_view n : known_tasks) names += (names.empty() ? "" : ", ") + std::string(n);
  throw std::invalid_argument(std::string(component) + ": unknown task \"" + std::string(task) +
                              "\"; valid names: " + names);
}

}  // namespace detail

/// The file (or folder, for tweeteval) that load_task(task, data_dir) reads.
/// std::invalid_argument for an unknown task, listing the valid names.
[[nodiscard]] inline std::filesystem::path task_path(std::string_view task, const std::filesystem::path& data_dir) {
  if (task == "sst2") return data_dir / "sst2" / "train.tsv";
  if (task == "tweeteval") return data_dir / "tweeteval_sentiment";
  if (task == "yelp") return data_dir / "yelp_polarity" / "yelp";
  if (task == "sentiment140") return data_dir / "sentiment140" / "testdata.manual.2009.06.14.csv";
  detail::unknown_task("gpta::data::task_path", task);
}

/// Load a benchmark as binary sentiment (negative = 0, positive = 1). tweeteval reads the "val"
/// split, the only one with text in the shared folder. std::invalid_argument for an unknown task;
/// data_error as the task's loader throws it.
[[nodiscard]] inline text_dataset load_task(std::string_view task, const std::filesystem::path& data_dir) {
  if (task == "sst2") return load_sst2(task_path(task, data_dir));
  if (task == "tweeteval") return load_tweeteval(task_path(task, data_dir), tweeteval_mode::binary, "val");
  if (task == "yelp") return load_yelp(task_path(task, data_dir));
  if (task == "sentiment140") return load_sentiment140(task_path(task, data_dir), sentiment140_mode::binary);
  detail::unknown_task("gpta::data::load_task", task);
}

/// load_task(task, default_data_dir()).
[[nodiscard]] inline text_dataset load_task(std::string_view task) { return load_task(task, default_data_dir()); }

/// One file (or, for tweeteval, a `<split>_text.txt` file of a TweetEval folder) in the format of
/// benchmark `format` (one of known_tasks), as binary sentiment: scoring a trained run on data kept elsewhere (an
/// official test file, a new crawl in the same layout). Errors as the format's loader throws them;
/// std::invalid_argument for an unknown format, listing the valid ones.
[[nodiscard]] inline text_dataset load_task_file(std::string_view format, const std::filesystem::path& file) {
  if (format == "sst2") return load_sst2(file);
  if (format == "yelp") return load_yelp(file);
  if (format == "sentiment140") return load_sentiment140(file, sentiment140_mode::binary);
  if (format == "tweeteval") {
    const std::string name = file.filename().string();
    const std::string suffix = "_text.txt";
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      throw data_error(errc::file_not_found, file, 0, "a TweetEval file is named <split>_text.txt (e.g. test_text.txt)");
    return load_tweeteval(file.parent_path(), tweeteval_mode::binary, name.substr(0, name.size() - suffix.size()));
  }
  detail::unknown_task("gpta::data::load_task_file", format);
}

/// What a user would tell the teaching assistant about the task: provenance and the look of the
/// texts, never example texts (the exposure policy counts exemplars separately).
/// std::invalid_argument for an unknown task.
[[nodiscard]] inline task_info default_task_info(std::string_view task) {
  task_info info;
  info.name = std::string(task);
  info.domain = "sentiment";
  info.task_type = "binary sentiment classification";
  info.label_names = {"negative", "positive"};
  info.output_format = "one label per input text: negative or positive";
  if (task == "sst2") {
    info.description =
        "Sentences and short phrases taken from English movie reviews (the Stanford Sentiment Treebank, as packaged "
        "by GLUE as SST-2). Texts are lowercased and Penn-Treebank tokenised: punctuation, quotes and clitics such "
        "as 's and n't are separate tokens. Many inputs are phrase fragments of a few words rather than full "
        "sentences. Each text is labelled with the sentiment it expresses about the film.";
  } else if (task == "tweeteval") {
    info.description =
        "English tweets from SemEval-2017 Task 4A (the TweetEval sentiment benchmark), kept raw: user mentions are "
        "anonymised as @user, and texts contain hashtags, links, emoji, slang, irregular spelling and "
        "capitalisation, often about news, sports, celebrities or products. Tweets judged neutral are removed; "
        "each remaining tweet is labelled by the overall sentiment of its author.";
  } else if (task == "yelp") {
    info.description =
        "Customer reviews of local businesses, mostly restaurants, bars and shops, from the Yelp Dataset Challenge "
        "(Yelp Review Polarity). Reviews are long, informal and multi-sentence, lowercased and tokenised with "
        "punctuation split off; a few are in French. Negative means a 1 or 2 star review, positive a 4 or 5 star "
        "review; mixed opinions within one review are common.";
  } else if (task == "sentiment140") {
    info.description =
        "English tweets from 2009 (the hand-labelled Sentiment140 test set), found by searching for products, "
        "companies, people and events. Texts are raw: @mentions, links, hashtags, emoticons, and HTML entities "
        "such as &lt; left encoded. Neutral tweets are removed; each remaining tweet is labelled by the sentiment "
        "it expresses.";
  } else {
    detail::unknown_task("gpta::data::default_task_info", task);
  }
  return info;
}

}  // namespace gpta::data
