#include <gpta/student/lm_summarizer.hpp>

#include <gpta/concepts/student_model.hpp>
#include <gpta/eval/rouge_metric.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

// The causal-LM summariser on a tiny random Qwen2 GGUF: the training sequence (prompt, summary
// cut to its budget, end token; the document cut, the prefix kept), the loss on summary tokens
// only, and memorising a summary well enough that greedy and beam decoding write it back.

#include "support/qwen2_tiny_gguf.hpp"

namespace fs = std::filesystem;
using gpta::lm_summarizer;
using gpta::seq2seq_example;

static_assert(gpta::student_model<lm_summarizer>);
static_assert(gpta::has_example_losses<lm_summarizer>);

namespace {

struct tiny_file {
  fs::path path;
  tiny_file() {
    path = fs::temp_directory_path() / ("gpta_lm_summarizer_" + std::to_string(::getpid()) + ".gguf");
    gpta::test::write_tiny_qwen2_gguf(path, 7, false, 1.0);
  }
  ~tiny_file() { fs::remove(path); }
};

gpta::lm_summarizer_options options() {
  gpta::lm_summarizer_options o;
  o.prompt.system.reset();
  o.prompt.max_length = 120;
  o.prompt.prefix_budget = 6;
  o.summary_tokens = 12;
  o.no_repeat_ngram = 0;
  o.tuning.lora.rank = 8;
  o.tuning.lora.modules = gpta::nn::lora_all_modules;
  o.tuning.learning_rate = 5e-2;
  o.tuning.seed = 4;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_training_sequence_is_prompt_summary_end_with_budgets) {
  tiny_file f;
  const auto s = lm_summarizer::from_gguf(f.path, options());
  const auto& tok = s.tuner().base().tokenizer;
  const seq2seq_example e{"d1", "the cat sat on the mat", {"cat sat", "other reference"}};
  const auto [seq, first] = s.encode("sum up", e);
  const auto prompt = s.prompt().encode("sum up", e.source, tok.encode("cat sat", false).size() + 1);
  BOOST_TEST(std::vector<std::int32_t>(seq.begin(), seq.begin() + static_cast<std::ptrdiff_t>(first)) == prompt,
             boost::test_tools::per_element());
  auto tail = tok.encode("cat sat", false);
  tail.push_back(gpta::test::tiny_lm_im_end);
  BOOST_TEST(std::vector<std::int32_t>(seq.begin() + static_cast<std::ptrdiff_t>(first), seq.end()) == tail,
             boost::test_tools::per_element());
  // A long document is cut to fit; a long summary to its 12 tokens; the prefix keeps its budget.
  const seq2seq_example big{"d2", std::string(500, 'x'), {std::string(40, 'y')}};
  const auto [long_seq, long_first] = s.encode("zzzzzzzzzz", big);
  BOOST_TEST(long_seq.size() == 120u);
  BOOST_TEST(long_seq.size() - long_first == 13u);
  BOOST_TEST(std::count(long_seq.begin(), long_seq.end(), static_cast<std::int32_t>('z')) == 6);
  BOOST_CHECK_THROW((void)s.encode("", seq2seq_example{"d3", "doc", {}}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(training_memorises_a_summary_that_decoding_writes_back) {
  tiny_file f;
  auto s = lm_summarizer::from_gguf(f.path, options());
  const std::vector<seq2seq_example> docs{{"a", "good good good good", {"good"}},
                                          {"b", "bad food, bad bad service", {"bad good bad"}}};
  // The batch loss is the token-weighted mean; example losses are per document.
  const double both = s.loss(docs, "tl;dr");
  const auto losses = s.example_losses(docs, "tl;dr");
  BOOST_TEST_REQUIRE(losses.size() == 2u);
  BOOST_TEST(std::abs(s.example_losses(std::span(docs).first(1), "tl;dr")[0] - losses[0]) < 1e-5);
  // Memorise one document's three-token summary: greedy and beam decoding write it back.
  const auto one = std::span<const seq2seq_example>(docs).subspan(1, 1);
  for (int step = 0; step < 200; ++step) (void)s.train_step(one, "tl;dr");
  const double after = s.loss(one, "tl;dr");
  BOOST_TEST(after < 0.1 * losses[1], losses[1] << " -> " << after);
  const auto greedy = s.predict(one, "tl;dr");
  BOOST_TEST(greedy[0] == "bad good bad");
  auto o = options();
  o.beams = 3;
  gpta::basic_lm_summarizer<float> beam(s.tuner().shared_base(), o);
  beam.restore(s.snapshot());
  BOOST_TEST(beam.predict(one, "tl;dr")[0] == "bad good bad");
  BOOST_TEST(both > 0.0);
  // The trainer's metric reads them: a perfect match scores ROUGE-L 1.
  const auto r = gpta::rouge_metric{}(std::span<const std::string>(greedy), one);
  BOOST_TEST(r.score == 1.0);
}
