#include <gpta/prompt/prompt_template.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <gpta/prompt/default_templates.hpp>

namespace {

/// True when calling f throws E whose what() contains every one of `parts`.
template <class E, class F>
bool throws_with(F&& f, std::initializer_list<std::string_view> parts) {
  try {
    f();
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto p : parts)
      if (what.find(p) == std::string::npos) {
        BOOST_TEST_MESSAGE("message lacks '" << p << "': " << what);
        return false;
      }
    return true;
  }
  return false;
}

struct temp_file {
  std::filesystem::path path;
  temp_file(const std::string& stem, std::string_view content)
      : path(std::filesystem::temp_directory_path() / (stem + "_" + std::to_string(::getpid()) + ".txt")) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~temp_file() { std::filesystem::remove(path); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(renders_named_placeholders_verbatim) {
  gpta::prompt_template t("Task: {{task}}\nLabels: {{ labels }} ({{task}} again)", "t1");
  const std::string out = t.render({{"task", "sentiment"}, {"labels", "neg, pos"}, {"unused", "x"}});
  BOOST_TEST(out == "Task: sentiment\nLabels: neg, pos (sentiment again)");
  BOOST_TEST((t.placeholders() == std::vector<std::string>{"task", "labels"}));
  BOOST_TEST(t.uses("labels"));
  BOOST_TEST(!t.uses("unused"));
  // A value holding placeholder syntax is inserted as text, never expanded again.
  BOOST_TEST(t.render({{"task", "{{labels}}"}, {"labels", "L"}}) == "Task: {{labels}}\nLabels: L ({{labels}} again)");
}

BOOST_AUTO_TEST_CASE(text_without_placeholders_and_the_empty_template_render_as_is) {
  BOOST_TEST(gpta::prompt_template("plain } { text").render({}) == "plain } { text");
  BOOST_TEST(gpta::prompt_template().render({}).empty());
  BOOST_TEST(gpta::prompt_template().empty());
  gpta::prompt_template from_literal = "Hi {{who}}";  // options are written this way
  BOOST_TEST(from_literal.render({{"who", "TA"}}) == "Hi TA");
}

BOOST_AUTO_TEST_CASE(missing_value_names_the_placeholder_and_the_template) {
  gpta::prompt_template t("line one\nscore {{dev_score}}", "my feedback");
  BOOST_TEST(throws_with<std::invalid_argument>([&] { (void)t.render({{"other", "1"}}); },
                                                {"{{dev_score}}", "'my feedback'", "line 2"}));
}

BOOST_AUTO_TEST_CASE(unknown_placeholder_is_reported_with_the_known_ones) {
  gpta::prompt_template t("a {{score}}\n\nb {{dev_scroe}}", "typo template");
  constexpr std::array<std::string_view, 2> known{"score", "dev_score"};
  BOOST_TEST(throws_with<std::invalid_argument>([&] { t.check_placeholders(known, "gpta::test_component"); },
                                                {"gpta::test_component", "{{dev_scroe}}", "'typo template'",
                                                 "line 3", "dev_score"}));
  gpta::prompt_template ok("{{score}} {{dev_score}}");
  BOOST_CHECK_NO_THROW(ok.check_placeholders(known, "c"));
}

BOOST_AUTO_TEST_CASE(malformed_placeholders_are_rejected_with_template_and_line) {
  BOOST_TEST(throws_with<std::invalid_argument>([] { gpta::prompt_template("x\n{{open", "t"); },
                                                {"'t'", "line 2", "'{{'"}));
  BOOST_TEST(throws_with<std::invalid_argument>([] { gpta::prompt_template("{{bad-name}}", "t"); }, {"bad-name"}));
  BOOST_TEST(throws_with<std::invalid_argument>([] { gpta::prompt_template("{{ }}", "t"); }, {"invalid placeholder"}));
  BOOST_TEST(throws_with<std::invalid_argument>([] { gpta::prompt_template("{{1st}}", "t"); }, {"1st"}));
}

BOOST_AUTO_TEST_CASE(load_template_reads_a_file_and_names_it_in_errors) {
  temp_file f("gpta_tpl_ok", "Hello {{name}}\nbye\n");
  const auto t = gpta::load_template(f.path);
  BOOST_TEST(t.render({{"name", "TA"}}) == "Hello TA\nbye");  // one final newline dropped
  BOOST_TEST(t.name() == f.path.string());

  // A placeholder typo found later still names the file.
  constexpr std::array<std::string_view, 1> known{"who"};
  BOOST_TEST(throws_with<std::invalid_argument>([&] { t.check_placeholders(known, "c"); },
                                                {f.path.string(), "{{name}}"}));

  const auto missing = std::filesystem::temp_directory_path() / "gpta_no_such_template.txt";
  BOOST_TEST(throws_with<gpta::data_error>([&] { (void)gpta::load_template(missing); },
                                           {missing.string(), "gpta.file_not_found"}));

  temp_file bad_utf8("gpta_tpl_utf8", "ok line\nbad \xC3\x28 byte\n");
  BOOST_TEST(throws_with<gpta::data_error>([&] { (void)gpta::load_template(bad_utf8.path); },
                                           {bad_utf8.path.string() + ":2:", "gpta.encoding_error"}));

  temp_file bad_syntax("gpta_tpl_syntax", "one\ntwo\nthree {{x\n");
  BOOST_TEST(throws_with<gpta::data_error>([&] { (void)gpta::load_template(bad_syntax.path); },
                                           {bad_syntax.path.string() + ":3:", "gpta.parse_error"}));
}

BOOST_AUTO_TEST_CASE(prompt_files_match_the_compiled_in_defaults) {
  const std::filesystem::path dir = std::filesystem::path(GPTA_TEST_SOURCE_DIR) / "docs" / "prompts";
  const std::pair<const char*, std::string_view> files[] = {
      {"system.txt", gpta::default_templates::system},
      {"description.txt", gpta::default_templates::description},
      {"feedback.txt", gpta::default_templates::feedback},
      {"correction.txt", gpta::default_templates::correction},
      {"trajectory.txt", gpta::default_templates::trajectory}};
  for (const auto& [file, compiled] : files) {
    BOOST_TEST_CONTEXT(file) { BOOST_TEST(gpta::load_template(dir / file).text() == compiled); }
  }
}
