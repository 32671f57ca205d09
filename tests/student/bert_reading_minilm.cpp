// gpta-test-labels: integration
// gpta-test-seconds: 70
// The span and multiple-choice students on the real MiniLM (GPTA_MINILM_DIR) and the shared
// SQuAD dev / RACE files: every gold answer maps to a window span that decodes to it, and a few
// steps on real questions lower their loss.
#include <gpta/student/bert_choice_student.hpp>
#include <gpta/student/bert_span_student.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <gpta/data/race.hpp>
#include <gpta/data/squad.hpp>
#include <gpta/eval/choice_metric.hpp>
#include <gpta/eval/squad_metric.hpp>

namespace {

namespace fs = std::filesystem;
const fs::path shared = GPTA_TEST_SHARED_DATA_DIR;

fs::path model_dir() {
  const char* dir = std::getenv("GPTA_MINILM_DIR");
  if (!dir || !*dir)
    BOOST_FAIL("GPTA_MINILM_DIR is not set: run `export GPTA_MINILM_DIR=\"$(scripts/install_models.sh)\"` first");
  return dir;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

const gpta::span_dataset& squad() {
  static const gpta::span_dataset d = gpta::data::load_squad(shared / "squad_v1.1" / "dev-v1.1.shared.json");
  return d;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_squad_dev_answer_maps_to_a_window_span_that_decodes_to_it) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto tok = gpta::text::wordpiece_tokenizer::from_vocab_file(model_dir() / "vocab.txt");
  const auto& d = squad();
  BOOST_TEST_REQUIRE(d.size() == 8595u);
  // Short windows and a long prefix so that many answers sit near or across window edges.
  gpta::bert_span_student_options o;
  o.max_length = 128;
  o.doc_stride = 48;
  o.prefix_budget = 32;
  const std::vector<int> prefix = gpta::prefix_pieces(tok, "Read the whole paragraph first, then copy the shortest span of it that "
                                                           "answers the question, word for word, keeping its original spelling, "
                                                           "accents and punctuation exactly as written.", 32);
  BOOST_TEST_REQUIRE(prefix.size() == 32u);
  std::size_t answers = 0, exact = 0, normalised = 0, multi_window = 0, too_long = 0;
  for (const auto& e : d.examples) {
    const auto enc = gpta::encode_span_example(tok, prefix, e, o);
    multi_window += enc.windows.size() > 1;
    for (const auto& a : e.answers) {
      ++answers;
      const auto r = gpta::pieces_covering(enc.pieces, a.start, a.end());
      BOOST_TEST_REQUIRE(r.has_value(), e.id << ": answer '" << a.text << "' covers no word piece");
      bool held = false;
      for (const auto& w : enc.windows) held = held || w.holds(*r);
      // Windows of L pieces every doc_stride pieces hold any answer of up to L - doc_stride + 1.
      if (!held) {
        ++too_long;
        BOOST_TEST(r->last - r->first + 1 > enc.windows[0].piece_count - o.doc_stride + 1,
                   e.id << ": no window holds '" << a.text << "'");
      }
      const auto [b, x] = gpta::span_byte_range(e.context, enc.pieces, *r);
      const std::string got = e.context.substr(b, x - b);
      exact += got == a.text;
      const bool same = gpta::squad_normalize_answer(got) == gpta::squad_normalize_answer(a.text);
      normalised += same;
      // An answer that starts or ends inside a word decodes to the whole word pieces around it.
      if (!same) BOOST_TEST(got.find(a.text) != std::string::npos, e.id << ": '" << got << "' vs '" << a.text << "'");
    }
  }
  BOOST_TEST_MESSAGE("SQuAD dev: " << answers << " answers, " << exact << " decode byte-exact, " << normalised
                                   << " equal after normalisation, " << too_long << " too long for the window overlap; "
                                   << multi_window << " of " << d.size() << " questions span several windows; "
                                   << seconds_since(t0) << " s");
  BOOST_TEST(multi_window > 5000u);
  BOOST_TEST(too_long < 10u);
  // What does not decode exactly is an answer cut inside a word ("1990" of "1990s" is fine: a
  // piece of its own; "ton" of "Washington" is not).
  BOOST_TEST(static_cast<double>(normalised) >= 0.99 * static_cast<double>(answers));
}

BOOST_AUTO_TEST_CASE(minilm_span_student_lowers_the_loss_of_real_squad_questions_in_a_few_steps) {
  const auto t0 = std::chrono::steady_clock::now();
  gpta::bert_span_student_options o;
  o.max_length = 192;
  o.doc_stride = 64;
  o.learning_rate = 1e-4;
  o.seed = 7;
  auto s = gpta::bert_span_student::from_pretrained(model_dir(), o);
  const std::vector<gpta::span_example> batch(squad().examples.begin(), squad().examples.begin() + 4);
  const std::string prefix = "Answer with a span of the paragraph.";
  const auto [pred0, before] = s.predict_with_loss(batch, prefix);
  for (const auto& p : pred0) BOOST_TEST(p.end - p.start == p.text.size());
  for (int step = 0; step < 5; ++step) (void)s.train_step(batch, prefix);
  const auto [pred, after] = s.predict_with_loss(batch, prefix);
  const auto r = gpta::squad_metric{}(std::span<const gpta::span_prediction>(pred), std::span(batch), {});
  BOOST_TEST_MESSAGE("span student: loss " << before << " -> " << after << " in 5 steps; F1 on the batch " << r.score
                                           << "; " << seconds_since(t0) << " s");
  for (std::size_t i = 0; i < batch.size(); ++i)
    BOOST_TEST_MESSAGE("  " << batch[i].question << " -> '" << pred[i].text << "' (gold '" << batch[i].answers[0].text
                            << "')");
  BOOST_TEST(after < 0.7 * before);
}

BOOST_AUTO_TEST_CASE(minilm_choice_student_lowers_the_loss_of_real_race_questions_in_a_few_steps) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto d = gpta::data::load_race(shared / "race" / "RACE" / "train" / "middle" / "2.txt");
  BOOST_TEST_REQUIRE(d.size() >= 2u);
  gpta::bert_choice_student_options o;
  o.max_length = 128;
  o.learning_rate = 1e-4;
  o.seed = 7;
  auto s = gpta::bert_choice_student::from_pretrained(model_dir(), o);
  const std::vector<gpta::choice_example> batch(d.examples.begin(), d.examples.begin() + std::min<std::size_t>(4, d.size()));
  const std::string prefix = "Pick the option the passage supports.";
  const auto enc = s.encode(batch[0], prefix);
  BOOST_TEST(enc.article_tokens > 128u);  // the article is cut, the prefix is not
  BOOST_TEST(enc.prefix_tokens == gpta::prefix_pieces(s.tokenizer(), prefix, 32).size());
  for (const auto& seq : enc.options) BOOST_TEST(seq.input_ids.size() == 128u);
  const double before = s.loss(batch, prefix);
  for (int step = 0; step < 4; ++step) (void)s.train_step(batch, prefix);
  const auto [pred, after] = s.predict_with_loss(batch, prefix);
  const auto r = gpta::choice_metric{}(std::span<const int>(pred), std::span(batch), d.label_names);
  BOOST_TEST_MESSAGE("choice student: loss " << before << " -> " << after << " in 4 steps on " << batch.size()
                                             << " questions; accuracy " << r.score << "; " << seconds_since(t0) << " s");
  BOOST_TEST(after < before);
}
