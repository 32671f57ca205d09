// Loader for SQuAD v1.1 JSON (the official layout, any file that follows it): one span_example
// per question, answer offsets checked against the context; errors name the file and JSON path.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/json.hpp>

#include <gpta/data/fields.hpp>
#include <gpta/data/json_file.hpp>
#include <gpta/data/span_example.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::data {

struct squad_options {
  /// SQuAD v1.1 gives every question at least one answer. false accepts questions with an empty
  /// or missing `answers` (files to predict on), which then have no gold answers.
  bool require_answers = true;
  /// Require every answer_start to point at its text. false (what the official evaluation
  /// script needs: it reads answer texts only) accepts any non-negative answer_start, clamps
  /// `start` to the context and counts the mismatches in `notes`.
  bool check_offsets = true;
};

/// Parse SQuAD JSON already in memory; `file` is the name used in errors and `source`.
///
/// Layout: `{"data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question",
/// "answers": [{"answer_start", "text"}]}]}]}], "version"}`. Other keys (v2's `is_impossible`,
/// `plausible_answers`) are ignored; `version` may be missing, a version other than "1.1" is
/// noted in `notes`. `answer_start` counts Unicode code points (Python str indices, as in the
/// official files); the loader converts it to a byte offset into the UTF-8 context and requires
/// the context to hold `text` exactly there, so `context.substr(start, text.size()) == text`.
///
/// Throws data_error: parse_error (invalid JSON, at its line); encoding_error; bad_header (the
/// top level is not an object with a `data` array, or `version` is not a string); bad_record
/// naming the JSON path of the bad field, e.g. `data[3].paragraphs[0].qas[2].answers[0].answer_start`
/// (missing or mistyped fields, an empty context or answer text, an answer_start past the end of
/// the context or not pointing at its text, a question without answers, a duplicate id);
/// empty_dataset (no questions).
[[nodiscard]] inline span_dataset parse_squad(std::string_view json, const std::filesystem::path& file,
                                              const squad_options& options = {}) {
  const boost::json::value root = detail::parse_json_text(json, file);
  const detail::json_fields header(file, errc::bad_header);
  const detail::json_fields f(file);

  span_dataset d;
  d.name = "squad";
  d.source = file.string();
  const boost::json::object& top = header.object(root, "");
  if (const auto* version = top.if_contains("version")) {
    const std::string_view v = header.string(*version, "version");
    if (v != "1.1") d.notes.push_back(file.string() + ": version is " + detail::json_excerpt(v) + ", expected '1.1'");
  }
  const boost::json::array& articles = header.array(header.at(top, "data", ""), "data");

  std::size_t mismatched = 0;
  std::unordered_map<std::string, std::string> seen_ids;  // id -> path of its question
  std::size_t paragraph_index = 0;
  for (std::size_t a = 0; a < articles.size(); ++a) {
    const std::string apath = detail::json_fields::element("data", a);
    const boost::json::object& article = f.object(articles[a], apath);
    const std::string title(f.string(f.at(article, "title", apath), detail::json_fields::child(apath, "title")));
    const std::string ppath0 = detail::json_fields::child(apath, "paragraphs");
    const boost::json::array& paragraphs = f.array(f.at(article, "paragraphs", apath), ppath0);
    for (std::size_t p = 0; p < paragraphs.size(); ++p, ++paragraph_index) {
      const std::string ppath = detail::json_fields::element(ppath0, p);
      const boost::json::object& para = f.object(paragraphs[p], ppath);
      const std::string cpath = detail::json_fields::child(ppath, "context");
      const std::string_view context = f.string(f.at(para, "context", ppath), cpath);
      if (context.empty()) f.fail(cpath, "empty context");
      const std::size_t context_chars = char_length(context);
      const std::string qpath0 = detail::json_fields::child(ppath, "qas");
      const boost::json::array& qas = f.array(f.at(para, "qas", ppath), qpath0);
      for (std::size_t q = 0; q < qas.size(); ++q) {
        const std::string qpath = detail::json_fields::element(qpath0, q);
        const boost::json::object& qa = f.object(qas[q], qpath);
        span_example e;
        e.id = f.string(f.at(qa, "id", qpath), detail::json_fields::child(qpath, "id"));
        if (e.id.empty()) f.fail(detail::json_fields::child(qpath, "id"), "empty id");
        if (auto [it, fresh] = seen_ids.emplace(e.id, qpath); !fresh) {
          f.fail(detail::json_fields::child(qpath, "id"),
                 "duplicate id " + detail::json_excerpt(e.id) + " (first at " + it->second + ")");
        }
        e.question = f.string(f.at(qa, "question", qpath), detail::json_fields::child(qpath, "question"));
        e.context = std::string(context);
        e.title = title;
        e.article = a;
        e.paragraph = paragraph_index;

        const std::string anpath0 = detail::json_fields::child(qpath, "answers");
        const boost::json::value* answers_value = qa.if_contains("answers");
        if (!answers_value && options.require_answers) f.fail(anpath0, "missing");
        if (answers_value) {
          const boost::json::array& answers = f.array(*answers_value, anpath0);
          if (answers.empty() && options.require_answers) f.fail(anpath0, "no answers (SQuAD v1.1 answers every question)");
          for (std::size_t k = 0; k < answers.size(); ++k) {
            const std::string anpath = detail::json_fields::element(anpath0, k);
            const boost::json::object& ans = f.object(answers[k], anpath);
            const std::string tpath = detail::json_fields::child(anpath, "text");
            const std::string spath = detail::json_fields::child(anpath, "answer_start");
            span_answer sa;
            sa.text = f.string(f.at(ans, "text", anpath), tpath);
            if (sa.text.empty()) f.fail(tpath, "empty answer text");
            sa.char_start = f.index(f.at(ans, "answer_start", anpath), spath);
            const auto start = byte_offset_of(context, sa.char_start);
            const bool fits = start && sa.char_start + char_length(sa.text) <= context_chars;
            if (!options.check_offsets) {
              sa.start = start ? *start : context.size();
              if (!fits || context.substr(sa.start, sa.text.size()) != sa.text) ++mismatched;
              e.answers.push_back(std::move(sa));
              continue;
            }
            if (!fits) {
              f.fail(spath, std::to_string(sa.char_start) + " + the answer's " + std::to_string(char_length(sa.text)) +
                                " characters runs past the end of the context (" + std::to_string(context_chars) +
                                " characters)");
            }
            sa.start = *start;
            if (context.substr(sa.start, sa.text.size()) != sa.text) {
              std::string hint;
              if (const std::size_t found = context.find(sa.text); found != std::string_view::npos)
                hint = "; the text first occurs at " + std::to_string(char_offset_of(context, found));
              f.fail(spath, std::to_string(sa.char_start) + " points at " +
                                detail::json_excerpt(context.substr(sa.start, sa.text.size())) +
                                " in the context, not at the answer text " + detail::json_excerpt(sa.text) +
                                " (offsets count Unicode code points)" + hint);
            }
            e.answers.push_back(std::move(sa));
          }
        }
        d.examples.push_back(std::move(e));
      }
    }
  }
  if (d.examples.empty()) throw data_error(errc::empty_dataset, file, 0, "no questions in 'data'");
  if (mismatched)
    d.notes.push_back(file.string() + ": " + std::to_string(mismatched) +
                      " answer(s) whose answer_start does not point at their text (not checked)");
  return d;
}

/// Load a SQuAD v1.1 JSON file: see parse_squad. Also file_not_found and io_error.
[[nodiscard]] inline span_dataset load_squad(const std::filesystem::path& file, const squad_options& options = {}) {
  return parse_squad(detail::read_file_bytes(file), file, options);
}

/// Articles, paragraphs, questions and answers of a loaded dataset (the counts SOURCES.md lists;
/// articles and paragraphs without questions leave no example, so they are not counted).
struct squad_counts {
  std::size_t articles = 0, paragraphs = 0, questions = 0, answers = 0;
};

[[nodiscard]] inline squad_counts count_squad(const span_dataset& d) {
  squad_counts c;
  c.questions = d.size();
  std::size_t last_article = static_cast<std::size_t>(-1), last_paragraph = static_cast<std::size_t>(-1);
  for (const auto& e : d.examples) {
    c.answers += e.answers.size();
    if (e.article != last_article) ++c.articles, last_article = e.article;
    if (e.paragraph != last_paragraph) ++c.paragraphs, last_paragraph = e.paragraph;
  }
  return c;
}

}  // namespace gpta::data
