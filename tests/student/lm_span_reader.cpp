#include <gpta/student/lm_span_reader.hpp>

#include <gpta/concepts/student_model.hpp>
#include <gpta/eval/squad_metric.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

// The generative SQuAD reader on a tiny random Qwen2 GGUF: the question comes before the paragraph
// and survives a paragraph that is too long, the answer has its own budget, training on the first
// gold answer makes greedy decoding write it back with its byte range in the paragraph, and saved
// adapters come back under the reader's own kind.

#include "support/qwen2_tiny_gguf.hpp"

namespace fs = std::filesystem;
using gpta::lm_span_reader;
using gpta::span_example;

static_assert(gpta::student_model<lm_span_reader>);
static_assert(gpta::has_example_losses<lm_span_reader>);

namespace {

struct tiny_file {
  fs::path path;
  tiny_file() {
    path = fs::temp_directory_path() / ("gpta_lm_span_reader_" + std::to_string(::getpid()) + ".gguf");
    gpta::test::write_tiny_qwen2_gguf(path, 7, false, 1.0);
  }
  ~tiny_file() { fs::remove(path); }
};

gpta::lm_span_reader_options options() {
  gpta::lm_span_reader_options o;
  o.prompt.system.reset();
  o.prompt.max_length = 160;
  o.prompt.prefix_budget = 6;
  o.answer_tokens = 12;
  o.tuning.lora.rank = 8;
  o.tuning.lora.modules = gpta::nn::lora_all_modules;
  o.tuning.learning_rate = 5e-2;
  o.tuning.seed = 4;
  return o;
}

span_example question(std::string id, std::string q, std::string context, std::string answer) {
  span_example e;
  e.id = std::move(id);
  e.question = std::move(q);
  e.context = std::move(context);
  const auto at = e.context.find(answer);
  e.answers.push_back({answer, at == std::string::npos ? 0 : at, at == std::string::npos ? 0 : at});
  return e;
}

std::string decoded(const lm_span_reader& r, const std::vector<std::int32_t>& ids) {
  return r.model().tuner().base().tokenizer.decode(ids);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_question_precedes_the_paragraph_and_survives_a_long_one) {
  tiny_file f;
  const auto r = lm_span_reader::from_gguf(f.path, options());
  const auto e = question("q1", "who sat?", "the cat sat on the mat", "the cat");
  BOOST_TEST(gpta::lm_span_reader_input(e) == "Question: who sat?\nParagraph: the cat sat on the mat");
  const auto [seq, first] = r.encode("read", e);
  const std::string prompt = decoded(r, {seq.begin(), seq.begin() + static_cast<std::ptrdiff_t>(first)});
  BOOST_TEST(prompt.find("read\n\nQuestion: who sat?\nParagraph: the cat sat on the mat") != std::string::npos, prompt);
  std::vector<std::int32_t> answer(seq.begin() + static_cast<std::ptrdiff_t>(first), seq.end());
  BOOST_TEST_REQUIRE(!answer.empty());
  BOOST_TEST(answer.back() == gpta::test::tiny_lm_im_end);
  answer.pop_back();
  BOOST_TEST(decoded(r, answer) == "the cat");
  // A paragraph far over the limit is cut from its end: the question and the answer's budget stay.
  const auto big = question("q2", "what is it?", std::string(600, 'x') + " end", std::string(40, 'x'));
  const auto [long_seq, long_first] = r.encode("read", big);
  BOOST_TEST(long_seq.size() == 160u);
  BOOST_TEST(long_seq.size() - long_first == 13u);  // 12 answer tokens (the 40-x answer cut) and the end token
  BOOST_TEST(decoded(r, long_seq).find("Question: what is it?\nParagraph: xxx") != std::string::npos);
  span_example none = e;
  none.answers.clear();
  BOOST_CHECK_THROW((void)r.encode("", none), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(locate_answer_gives_the_first_verbatim_range_or_the_empty_end_range) {
  const std::string context = "a good dog and a good cat";
  const auto p = gpta::locate_answer("good", context);
  BOOST_TEST(p.start == 2u);
  BOOST_TEST(p.end == 6u);
  BOOST_TEST(context.substr(p.start, p.end - p.start) == "good");
  const auto missing = gpta::locate_answer("a bird", context);
  BOOST_TEST(missing.text == "a bird");
  BOOST_TEST(missing.start == context.size());
  BOOST_TEST(missing.end == context.size());
  const auto empty = gpta::locate_answer("", context);
  BOOST_TEST(empty.start == empty.end);
}

BOOST_AUTO_TEST_CASE(training_makes_greedy_decoding_write_the_gold_answer_back) {
  tiny_file f;
  auto r = lm_span_reader::from_gguf(f.path, options());
  const std::vector<span_example> qs{question("a", "what food?", "good food, bad good service", "bad good"),
                                     question("b", "which?", "good bad good", "good")};
  const auto one = std::span<const span_example>(qs).first(1);
  const auto before = r.example_losses(qs, "qa");
  BOOST_TEST_REQUIRE(before.size() == 2u);
  for (int step = 0; step < 150; ++step) (void)r.train_step(one, "qa");
  const double after = r.loss(one, "qa");
  BOOST_TEST(after < 0.1 * before[0], before[0] << " -> " << after);
  const auto pred = r.predict(one, "qa");
  BOOST_TEST_REQUIRE(pred.size() == 1u);
  BOOST_TEST(pred[0].text == "bad good");
  BOOST_TEST(qs[0].context.substr(pred[0].start, pred[0].end - pred[0].start) == "bad good");
  const auto scored = gpta::squad_metric{}(std::span<const gpta::span_prediction>(pred), one, {});
  BOOST_TEST(scored.score == 1.0);

  // The adapters come back from a file under the reader's own kind; a summariser refuses them.
  const fs::path ck = f.path.string() + ".reader.safetensors";
  r.save(ck);
  auto back = lm_span_reader(r.model().tuner().shared_base(), options());
  BOOST_TEST(back.loss(one, "qa") != after);
  back.load_weights(ck);
  BOOST_TEST(back.loss(one, "qa") == after, boost::test_tools::tolerance(1e-9));
  gpta::lm_summarizer other(r.model().tuner().shared_base(), gpta::lm_summarizer_options{});
  BOOST_CHECK_THROW(other.load_weights(ck), std::exception);
  fs::remove(ck);
}
