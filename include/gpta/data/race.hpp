// Loader for RACE as originally distributed: one JSON file per passage (article, questions,
// options, answers, id), in folders `{middle,high}` that may be nested; errors name the file.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include <gpta/data/choice_example.hpp>
#include <gpta/data/fields.hpp>
#include <gpta/data/json_file.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

namespace detail {

/// Orders "2.txt" before "10.txt": digit runs compare as numbers, everything else bytewise, so
/// the load order (and with it every split) is the same on every file system.
[[nodiscard]] inline bool natural_less(std::string_view a, std::string_view b) noexcept {
  std::size_t i = 0, j = 0;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      std::size_t ia = i, jb = j;  // skip leading zeros, then longer means larger
      while (ia + 1 < ie && a[ia] == '0') ++ia;
      while (jb + 1 < je && b[jb] == '0') ++jb;
      if (ie - ia != je - jb) return ie - ia < je - jb;
      if (const int c = a.substr(ia, ie - ia).compare(b.substr(jb, je - jb)); c != 0) return c < 0;
      if (ie - i != je - j) return ie - i < je - j;  // "01" after "1": a total order
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

[[nodiscard]] inline std::optional<choice_level> level_named(std::string_view s) noexcept {
  if (s == "middle") return choice_level::middle;
  if (s == "high") return choice_level::high;
  return std::nullopt;
}

/// The level the innermost folder named `middle` or `high` on the path says, if any.
[[nodiscard]] inline std::optional<choice_level> level_from_folders(const std::filesystem::path& file) {
  for (auto p = file.parent_path(); !p.empty(); p = p.parent_path()) {
    if (auto l = level_named(p.filename().string())) return l;
    if (p == p.parent_path()) break;  // the root is its own parent
  }
  return std::nullopt;
}

/// The level an id such as "middle10.txt" or "high5.txt" starts with, if any.
[[nodiscard]] inline std::optional<choice_level> level_from_id(std::string_view id) noexcept {
  if (id.starts_with("middle")) return choice_level::middle;
  if (id.starts_with("high")) return choice_level::high;
  return std::nullopt;
}

[[nodiscard]] inline bool is_race_file(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  const std::string ext = p.extension().string();
  return !name.empty() && name[0] != '.' && (ext == ".txt" || ext == ".json");
}

}  // namespace detail

/// Append the questions of one RACE passage (the JSON text of `file`) to `out`, as passage
/// number `passage`; returns how many. A passage with empty `questions`, `options` and
/// `answers` is well-formed and adds nothing (RACE-H train has two: high/15946.txt, 16528.txt). The level comes from the innermost folder named `middle` or `high` on the
/// path, else from the id's prefix ("middle10.txt"); when both are known they must agree.
/// Answers are letters "A", "B", ... indexing the question's options.
///
/// Throws data_error naming `file` and the field: parse_error (invalid JSON, at its line);
/// encoding_error; bad_record (missing or mistyped keys; empty article, question or option;
/// `questions`, `options` and `answers` of different lengths; fewer than 2 options; an id naming another level than its folder; no level at all);
/// bad_label (an answer that is not a letter naming one of its options).
inline std::size_t parse_race_passage(std::string_view json, const std::filesystem::path& file, std::size_t passage,
                                      choice_dataset& out) {
  const boost::json::value root = detail::parse_json_text(json, file);
  const detail::json_fields f(file);
  const boost::json::object& o = f.object(root, "");
  const std::string passage_id(f.string(f.at(o, "id", ""), "id"));
  if (passage_id.empty()) f.fail("id", "empty id");
  const std::string_view article = f.string(f.at(o, "article", ""), "article");
  if (article.empty()) f.fail("article", "empty article");
  const boost::json::array& questions = f.array(f.at(o, "questions", ""), "questions");
  const boost::json::array& options = f.array(f.at(o, "options", ""), "options");
  const boost::json::array& answers = f.array(f.at(o, "answers", ""), "answers");
  if (options.size() != questions.size() || answers.size() != questions.size()) {
    f.fail("questions", std::to_string(questions.size()) + " questions, " + std::to_string(options.size()) +
                            " option lists and " + std::to_string(answers.size()) + " answers (they must match)");
  }

  const auto by_folder = detail::level_from_folders(file);
  const auto by_id = detail::level_from_id(passage_id);
  if (by_folder && by_id && *by_folder != *by_id) {
    f.fail("id", "id " + detail::json_excerpt(passage_id) + " names level " + std::string(to_string(*by_id)) +
                     " but the file is in a '" + std::string(to_string(*by_folder)) + "' folder");
  }
  if (!by_folder && !by_id) {
    f.fail("id", "cannot tell the level: the file is in no 'middle' or 'high' folder and id " +
                     detail::json_excerpt(passage_id) + " starts with neither");
  }
  const choice_level level = by_folder ? *by_folder : *by_id;

  for (std::size_t q = 0; q < questions.size(); ++q) {
    choice_example e;
    e.passage_id = passage_id;
    e.id = passage_id + ":" + std::to_string(q);
    e.article = std::string(article);
    const std::string qpath = detail::json_fields::element("questions", q);
    e.question = std::string(f.string(questions[q], qpath));
    if (e.question.empty()) f.fail(qpath, "empty question");
    const std::string opath = detail::json_fields::element("options", q);
    const boost::json::array& opts = f.array(options[q], opath);
    if (opts.size() < 2 || opts.size() > 26) f.fail(opath, std::to_string(opts.size()) + " options, expected 2 to 26");
    for (std::size_t k = 0; k < opts.size(); ++k) {
      const std::string kpath = detail::json_fields::element(opath, k);
      e.options.emplace_back(f.string(opts[k], kpath));
      if (e.options.back().empty()) f.fail(kpath, "empty option");
    }
    const std::string apath = detail::json_fields::element("answers", q);
    const std::string_view letter = f.string(answers[q], apath);
    if (letter.size() != 1 || letter[0] < 'A' || static_cast<std::size_t>(letter[0] - 'A') >= opts.size()) {
      f.fail(errc::bad_label, apath,
             "answer " + detail::json_excerpt(letter) + " is not one of A.." + option_letter(opts.size() - 1));
    }
    e.label = letter[0] - 'A';
    e.level = level;
    e.passage = passage;
    out.examples.push_back(std::move(e));
  }
  return questions.size();
}

/// The passage files load_race reads from `folder`: `.txt` and `.json` files in it and all
/// folders below, in natural order of their paths relative to `folder`. Hidden files (".name")
/// are skipped; `ignored`, when given, counts the other files left out.
[[nodiscard]] inline std::vector<std::filesystem::path> race_files(const std::filesystem::path& folder,
                                                                   std::size_t* ignored = nullptr) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, fs::path>> found;
  std::size_t others = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') continue;  // .DS_Store and friends: not data, not worth a note
    if (detail::is_race_file(it->path())) {
      found.emplace_back(it->path().lexically_relative(folder).generic_string(), it->path());
    } else {
      ++others;
    }
  }
  if (ec) throw data_error(errc::io_error, folder, 0, "cannot list the folder: " + ec.message());
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return detail::natural_less(a.first, b.first); });
  std::vector<fs::path> out;
  out.reserve(found.size());
  for (auto& [rel, p] : found) out.push_back(std::move(p));
  if (ignored) *ignored = others;
  return out;
}

/// Load RACE from one passage file or a folder of them (e.g. `RACE/train`, which holds `middle/`
/// and `high/`, or just `RACE/train/middle`): see race_files for which files and in what order,
/// parse_race_passage for the format and its errors. Questions keep file order; `passage`
/// numbers the passage files in load order. Passage files without questions are counted in
/// `skipped` and named in `notes`; files that are not `.txt`/`.json` are left out and counted in
/// `notes`. label_names are the option letters "A".."D".
///
/// Throws data_error: file_not_found; io_error; empty_dataset (a folder without passage files,
/// or no questions at all); and the errors of parse_race_passage, naming the file.
[[nodiscard]] inline choice_dataset load_race(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  choice_dataset d;
  d.name = "race";
  d.source = path.string();
  d.label_names = {"A", "B", "C", "D"};
  std::error_code ec;
  if (!fs::exists(path, ec)) throw data_error(errc::file_not_found, path, 0, "no such file or folder");
  if (!fs::is_directory(path, ec)) {
    if (parse_race_passage(detail::read_file_bytes(path), path, 0, d) == 0)
      throw data_error(errc::empty_dataset, path, 0, "the passage has no questions");
  } else {
    std::size_t ignored = 0;
    const auto files = race_files(path, &ignored);
    if (files.empty()) throw data_error(errc::empty_dataset, path, 0, "no .txt or .json passage files in the folder");
    std::string without;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (parse_race_passage(detail::read_file_bytes(files[i]), files[i], i, d) != 0) continue;
      ++d.skipped;
      if (d.skipped <= 10) without += (without.empty() ? "" : ", ") + files[i].lexically_relative(path).generic_string();
    }
    if (d.skipped)
      d.notes.push_back(path.string() + ": " + std::to_string(d.skipped) + " passage file(s) without questions: " + without +
                        (d.skipped > 10 ? ", ..." : ""));
    if (ignored)
      d.notes.push_back(path.string() + ": left out " + std::to_string(ignored) + " files that are not .txt or .json");
    if (d.examples.empty()) throw data_error(errc::empty_dataset, path, 0, "no questions in any passage file");
  }
  std::size_t most = 0;
  for (const auto& e : d.examples) most = std::max(most, e.options.size());
  for (std::size_t k = d.label_names.size(); k < most; ++k) d.label_names.push_back(option_letter(k));
  return d;
}

/// Passages and questions per level, as SOURCES.md counts them.
struct race_counts {
  std::size_t middle_passages = 0, middle_questions = 0, high_passages = 0, high_questions = 0;
};

[[nodiscard]] inline race_counts count_race(const choice_dataset& d) {
  race_counts c;
  std::size_t last = static_cast<std::size_t>(-1);
  for (const auto& e : d.examples) {
    const bool middle = e.level == choice_level::middle;
    (middle ? c.middle_questions : c.high_questions) += 1;
    if (e.passage != last) (middle ? c.middle_passages : c.high_passages) += 1, last = e.passage;
  }
  return c;
}

}  // namespace gpta::data
