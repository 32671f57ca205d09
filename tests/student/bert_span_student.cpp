#include <gpta/concepts/student_model.hpp>
#include <gpta/student/bert_span_student.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <algorithm>
#include <string>
#include <vector>

#include <gpta/eval/squad_metric.hpp>
#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "support/bert_tiny.hpp"

// The span student on a tiny random BERT with a tiny vocabulary: windows, offsets and decoding
// checked on hand-built cases, then training to memorise a few answers.

static_assert(gpta::detail::check_student_model<gpta::bert_span_student>());
static_assert(gpta::has_predict_with_loss<gpta::bert_span_student>);
static_assert(gpta::has_example_losses<gpta::bert_span_student>);
static_assert(gpta::squad_prediction<gpta::bert_span_student::prediction_type>);

namespace {

namespace gt = gpta::text;

using gpta::test::xname;

gt::wordpiece_tokenizer tiny_tokenizer() {
  std::vector<std::string> v{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cafe", "in", "zurich", "cost",
                             "##s", ".", "?", "where", "who", "what", "find", "answer", "alice", "bob", "carol",
                             "dave", "lives", "paris", "rome", "london", "berlin", "p", "q", "r"};
  for (std::size_t i = 0; i < 20; ++i) v.push_back(xname(i));
  return gt::wordpiece_tokenizer::from_tokens(v);
}


gpta::bert_span_student_options window_options() {
  gpta::bert_span_student_options o;
  o.max_length = 12;
  o.doc_stride = 3;
  o.prefix_budget = 2;
  o.max_question_length = 2;
  return o;
}


std::string count_context(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += xname(static_cast<std::size_t>(i));
  }
  return s;
}

gpta::bert_span_student tiny_student(std::uint64_t seed = 1) {
  auto tok = tiny_tokenizer();
  gpta::bert_span_student_options o;
  o.max_length = 24;
  o.doc_stride = 8;
  o.prefix_budget = 4;
  o.max_question_length = 6;
  o.learning_rate = 3e-3;
  o.warmup_steps = 5;
  o.dropout = false;
  o.seed = seed;
  const auto config = gpta::test::tiny_bert_config(tok.vocab_size());
  return gpta::bert_span_student(config, std::move(tok), o);
}

// Four people, four cities, one paragraph of 20 pieces: two windows of 18 at max_length 24.
std::vector<gpta::span_example> people() {
  const std::string c = "alice lives in paris . bob lives in rome . carol lives in london . dave lives in berlin .";
  return {gpta::test::make_span_example("where alice", c, "paris", "a"), gpta::test::make_span_example("where bob", c, "rome", "b"),
          gpta::test::make_span_example("where carol", c, "london", "c"), gpta::test::make_span_example("where dave", c, "berlin", "d")};
}

// Four paragraphs to memorise; the third is two windows with the answer in the second only.
std::vector<gpta::span_example> memorise() {
  return {gpta::test::make_span_example("where alice", "alice lives in paris . bob lives in rome .", "paris", "a"),
          gpta::test::make_span_example("where carol", "carol lives in london .", "london", "b"),
          gpta::test::make_span_example("where alice", "dave lives in berlin . bob lives in rome . carol lives in london . alice lives in zurich .",
                  "zurich", "c"),
          gpta::test::make_span_example("what cafe", "the cafe in zurich costs .", "cafe in zurich", "d")};
}

}  // namespace

BOOST_AUTO_TEST_CASE(windows_cover_the_context_with_the_stride_overlap_and_exact_sequences) {
  const auto tok = tiny_tokenizer();
  const auto e = gpta::test::make_span_example("who ?", count_context(20), "x4 x5");
  const std::vector<int> prefix = gpta::prefix_pieces(tok, "p q r", 2);
  BOOST_TEST(prefix.size() == 2u);  // the prefix is cut to its budget first
  const auto enc = gpta::encode_span_example(tok, prefix, e, window_options());
  // head = [CLS] p q who ? [SEP] = 6, room = 12 - 6 - 1 = 5 pieces, a window every 3 pieces.
  BOOST_TEST(enc.pieces.size() == 20u);
  BOOST_TEST_REQUIRE(enc.windows.size() == 6u);
  const std::size_t firsts[] = {0, 3, 6, 9, 12, 15};
  for (std::size_t k = 0; k < 6; ++k) {
    const auto& w = enc.windows[k];
    BOOST_TEST(w.first_piece == firsts[k]);
    BOOST_TEST(w.piece_count == 5u);
    BOOST_TEST(w.context_position == 6u);
    BOOST_TEST_REQUIRE(w.sequence.input_ids.size() == 12u);
    BOOST_TEST(w.sequence.input_ids[0] == tok.cls_id());
    BOOST_TEST(w.sequence.input_ids[1] == *tok.token_id("p"));
    BOOST_TEST(w.sequence.input_ids[2] == *tok.token_id("q"));
    BOOST_TEST(w.sequence.input_ids[3] == *tok.token_id("who"));
    BOOST_TEST(w.sequence.input_ids[5] == tok.sep_id());
    BOOST_TEST(w.sequence.input_ids[11] == tok.sep_id());
    for (std::size_t j = 0; j < 5; ++j)
      BOOST_TEST(w.sequence.input_ids[6 + j] == *tok.token_id(xname(firsts[k] + j)));
    for (std::size_t j = 0; j < 12; ++j) BOOST_TEST(w.sequence.token_type_ids[j] == (j < 6 ? 0 : 1));
  }
  // Byte offsets of the pieces: "x0 x1 ... x9 x10 ...".
  BOOST_TEST((enc.pieces[0] == gt::token_offset{0, 2}));
  BOOST_TEST((enc.pieces[10] == gt::token_offset{30, 33}));
  BOOST_TEST((enc.pieces[19] == gt::token_offset{66, 69}));

  // x4 x5 crosses window 0's end: only window 1 ([3, 8)) holds it.
  BOOST_TEST_REQUIRE(enc.answer.has_value());
  BOOST_TEST((*enc.answer == gpta::span_piece_range{4, 5}));
  BOOST_TEST_REQUIRE(enc.answer_window.has_value());
  BOOST_TEST(*enc.answer_window == 1u);
  BOOST_TEST(enc.target(1).first == 7);
  BOOST_TEST(enc.target(1).second == 8);
  BOOST_TEST(enc.target(0).first == 0);  // windows without the answer: [CLS]
  BOOST_TEST(enc.target(0).second == 0);
  BOOST_TEST(enc.target(2).first == 0);
  BOOST_TEST(enc.loss_windows(true).size() == 6u);
  BOOST_TEST(enc.loss_windows(false) == std::vector<std::size_t>{1});

  // x7 lies in windows 1 ([3, 8), no piece after it) and 2 ([6, 11)): the one with more context.
  const auto e7 = gpta::encode_span_example(tok, prefix, gpta::test::make_span_example("who ?", count_context(20), "x7"), window_options());
  BOOST_TEST(*e7.answer_window == 2u);
  BOOST_TEST(e7.target(2).first == 7);
  BOOST_TEST(e7.target(1).first == 10);  // the overlap holds it too

  // A short context is one window; the last window of a long one ends at the last piece.
  const auto last = gpta::encode_span_example(tok, prefix, gpta::test::make_span_example("who", count_context(18), "x17"), window_options());
  // head 5, room 6: windows [0,6), [3,9), [6,12), [9,15), [12,18).
  BOOST_TEST(last.windows.size() == 5u);
  BOOST_TEST(last.windows.back().first_piece + last.windows.back().piece_count == 18u);
  BOOST_TEST(*last.answer_window == 4u);
  const auto one = gpta::encode_span_example(tok, prefix, gpta::test::make_span_example("who", "x1 x2", "x2"), window_options());
  BOOST_TEST(one.windows.size() == 1u);
  BOOST_TEST(one.windows[0].sequence.input_ids.size() == 5u + 2u + 1u);

  // No prefix and no question: [CLS] [SEP] context [SEP].
  const auto bare = gpta::encode_span_example(tok, {}, gpta::test::make_span_example("", "x1 x2", "x1"), window_options());
  BOOST_TEST(bare.windows[0].context_position == 2u);
  BOOST_TEST(bare.target(0).first == 2);
}

BOOST_AUTO_TEST_CASE(offsets_map_back_to_exact_bytes_with_accents_and_unknown_words) {
  const auto tok = tiny_tokenizer();
  // "é" and "ü" are two bytes each; "3€" is one [UNK] word; "costs" is cost + ##s.
  const std::string c = "The café in Zürich costs 3€.";
  const auto enc = gpta::encode_span_example(tok, {}, gpta::test::make_span_example("where", c, "Zürich"), window_options());
  const std::vector<gt::token_offset> want{{0, 3}, {4, 9}, {10, 12}, {13, 20}, {21, 25}, {25, 26}, {27, 31}, {31, 32}};
  BOOST_TEST_REQUIRE(enc.pieces.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) BOOST_TEST((enc.pieces[i] == want[i]), "piece " << i);
  BOOST_TEST((*enc.answer == gpta::span_piece_range{3, 3}));

  auto text_of = [&](const gpta::span_encoding& x, gpta::span_piece_range r, const std::string& context) {
    const auto [b, e] = gpta::span_byte_range(context, x.pieces, r);
    return context.substr(b, e - b);
  };
  BOOST_TEST(text_of(enc, {3, 3}, c) == "Zürich");
  BOOST_TEST(text_of(enc, {1, 3}, c) == "café in Zürich");
  BOOST_TEST(text_of(enc, {4, 5}, c) == "costs");
  BOOST_TEST(text_of(enc, {6, 6}, c) == "3€");
  // An answer starting inside a piece is covered by that piece; whitespace covers nothing.
  BOOST_TEST((*gpta::pieces_covering(enc.pieces, 5, 9) == gpta::span_piece_range{1, 1}));
  BOOST_TEST((*gpta::pieces_covering(enc.pieces, 22, 26) == gpta::span_piece_range{4, 5}));
  BOOST_TEST(!gpta::pieces_covering(enc.pieces, 3, 4).has_value());
  BOOST_TEST(!gpta::pieces_covering(enc.pieces, 9, 9).has_value());

  // Decomposed accents: the combining mark (dropped by the normaliser) stays with its letter.
  const std::string d = "the cafe\xCC\x81 in zurich";
  const auto dec = gpta::encode_span_example(tok, {}, gpta::test::make_span_example("where", d, "cafe\xCC\x81"), window_options());
  BOOST_TEST((dec.pieces[1] == gt::token_offset{4, 8}));
  BOOST_TEST(text_of(dec, {1, 1}, d) == "cafe\xCC\x81");
  BOOST_TEST(text_of(dec, {1, 2}, d) == "cafe\xCC\x81 in");
  BOOST_TEST((*dec.answer == gpta::span_piece_range{1, 1}));
}

BOOST_AUTO_TEST_CASE(best_span_keeps_start_before_end_within_the_window_and_max_length) {
  //                        CLS  c1   c2   c3   c4   c5   c6  SEP
  const std::vector<float> s{50, 5.f, 1.f, 0.f, 0.f, 2.f, 0.f, 40};
  const std::vector<float> e{50, 0.f, 0.f, 0.f, 0.f, 0.f, 9.f, 40};
  auto pick = [&](std::size_t max_len) { return *gpta::best_span(s, e, 1, 6, max_len); };
  BOOST_TEST(pick(30).start == 1u);  // 5 + 9, [CLS] and [SEP] never chosen
  BOOST_TEST(pick(30).end == 6u);
  BOOST_TEST(pick(30).score == 14.0);
  BOOST_TEST(pick(6).start == 1u);   // 6 pieces: still fits
  BOOST_TEST(pick(5).start == 5u);   // 1..6 is too long: 2 + 9
  BOOST_TEST(pick(5).end == 6u);
  BOOST_TEST(pick(1).start == 6u);   // single pieces only: 0 + 9 at 6 beats 5 + 0 at 1
  BOOST_TEST(pick(1).end == 6u);
  // A high end before a high start is not a span.
  const std::vector<float> s2{0, 0, 0, 0, 0, 0, 7, 0}, e2{0, 8, 0, 0, 0, 0, 0, 0};
  const auto c = *gpta::best_span(s2, e2, 1, 6, 30);
  BOOST_TEST(c.start <= c.end);
  BOOST_TEST(c.score == 8.0);  // start 1 (0) + end 1 (8)
  BOOST_TEST(!gpta::best_span(s, e, 1, 0, 30).has_value());
  BOOST_CHECK_THROW((void)gpta::best_span(s, e, 4, 6, 30), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(training_memorises_answers_across_windows_and_predicts_their_text) {
  auto s = tiny_student();
  const auto data = memorise();
  const std::string prefix = "find answer";
  // head = [CLS] find answer where alice [SEP] = 6: windows [0, 17) and [8, 20), zurich (piece
  // 18) in the second only; the first trains towards [CLS].
  const auto enc = s.encode(data[2], prefix);
  BOOST_TEST_REQUIRE(enc.windows.size() == 2u);
  BOOST_TEST(*enc.answer_window == 1u);
  BOOST_TEST(enc.target(0).first == 0);
  BOOST_TEST(enc.target(1).first == 6 + 18 - 8);

  const double before = s.loss(data, prefix);
  {
    // No dropout: a step's loss is the loss() of its batch when every example is one window.
    auto copy = s;
    const std::vector<gpta::span_example> single{data[0], data[1], data[3]};
    BOOST_TEST(copy.train_step(single, prefix) == s.loss(single, prefix), boost::test_tools::tolerance(1e-4));
  }
  double first = 0, last = 0;
  for (int step = 0; step < 100; ++step) {
    last = s.train_step(data, prefix);
    BOOST_REQUIRE(std::isfinite(last));
    if (step == 0) first = last;
  }
  const double after = s.loss(data, prefix);
  BOOST_TEST(after < 0.05 * before);
  BOOST_TEST(last < first);
  const auto pred = s.predict(data, prefix);
  for (std::size_t i = 0; i < data.size(); ++i) {
    BOOST_TEST(pred[i].text == data[i].answers[0].text);
    BOOST_TEST(pred[i].start == data[i].answers[0].start);
    BOOST_TEST(pred[i].end == data[i].answers[0].end());
  }
  const auto r = gpta::squad_metric{}(std::span<const gpta::span_prediction>(pred), std::span(data), {});
  BOOST_TEST(r.score == 1.0);
  BOOST_TEST(r.accuracy == 1.0);
  BOOST_TEST(s.steps() == 100);
  BOOST_TEST(s.unanswerable_examples() == 0u);
}

BOOST_AUTO_TEST_CASE(losses_agree_between_paths_and_the_prefix_matters) {
  const auto s = tiny_student(3);
  const auto data = people();
  const auto [pred, mean] = s.predict_with_loss(data, "find");
  const auto each = s.example_losses(data, "find");
  BOOST_TEST_REQUIRE(each.size() == data.size());
  double sum = 0;
  for (double l : each) sum += l;
  BOOST_TEST(mean == sum / 4, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(s.loss(data, "find") == mean, boost::test_tools::tolerance(1e-9));
  // Batch order does not change an example's loss (inference sorts windows by length).
  const std::vector<gpta::span_example> two{data[3], data[0]};
  const auto l2 = s.example_losses(two, "find");
  BOOST_TEST(l2[0] == each[3], boost::test_tools::tolerance(1e-6));
  BOOST_TEST(l2[1] == each[0], boost::test_tools::tolerance(1e-6));
  BOOST_TEST(s.loss(data, "") != s.loss(data, "find answer"));
  // Each prediction is a span of its context.
  for (std::size_t i = 0; i < data.size(); ++i)
    BOOST_TEST(pred[i].text == data[i].context.substr(pred[i].start, pred[i].end - pred[i].start));

  // The pre-tokenised path (start_end_logits on encoded windows) gives the same losses: an
  // example's loss is the mean over its windows of (CE(start) + CE(end)) / 2 at their targets.
  auto ce = [](const auto& row, Eigen::Index len, int target) {
    double mx = row(0);
    for (Eigen::Index l = 0; l < len; ++l) mx = std::max(mx, static_cast<double>(row(l)));
    double sum = 0;
    for (Eigen::Index l = 0; l < len; ++l) sum += std::exp(static_cast<double>(row(l)) - mx);
    return mx + std::log(sum) - static_cast<double>(row(target));
  };
  for (std::size_t i = 0; i < data.size(); ++i) {
    const gpta::span_encoding enc = s.encode(data[i], "find");
    std::vector<gpta::nn::token_sequence> seqs;
    for (const auto& w : enc.windows) seqs.push_back(w.sequence);
    const auto b = gpta::nn::make_bert_batch(seqs);
    const auto [start, end] = s.start_end_logits(b);
    BOOST_TEST_REQUIRE(start.rows() == b.batch_size);
    BOOST_TEST_REQUIRE(end.cols() == b.seq_len);
    double total = 0;
    for (std::size_t k = 0; k < enc.windows.size(); ++k) {
      const auto r = static_cast<Eigen::Index>(k);
      const Eigen::Index len = b.lengths[k];
      if (len < b.seq_len) BOOST_TEST(start(r, len) == std::numeric_limits<float>::lowest());
      const auto [ts, te] = enc.target(k);
      total += 0.5 * (ce(start.row(r), len, ts) + ce(end.row(r), len, te));
    }
    BOOST_TEST(total / static_cast<double>(enc.windows.size()) == each[i], boost::test_tools::tolerance(1e-5));
  }
}

BOOST_AUTO_TEST_CASE(snapshot_restore_replays_steps_exactly) {
  auto tok = tiny_tokenizer();
  gpta::bert_span_student_options o;
  o.max_length = 24;
  o.doc_stride = 8;
  o.prefix_budget = 4;
  o.max_question_length = 6;
  o.learning_rate = 1e-3;
  o.seed = 5;  // dropout on: masks must replay too
  const auto config = gpta::test::tiny_bert_config(tok.vocab_size());
  gpta::bert_span_student a(config, tok, o), b(config, tok, o);
  BOOST_TEST(a.parameters().values() == b.parameters().values());
  const auto data = people();
  const std::span<const gpta::span_example> first(data.data(), 2), second(data.data() + 2, 2);
  a.train_step(first, "find");
  const auto snap = a.snapshot();
  const double l1 = a.train_step(second, "find");
  const double l2 = a.train_step(first, "find");
  const auto after = a.parameters().values();
  a.restore(snap);
  BOOST_TEST(a.steps() == 1);
  BOOST_TEST(a.train_step(second, "find") == l1);
  BOOST_TEST(a.train_step(first, "find") == l2);
  BOOST_TEST(a.parameters().values() == after);

  // save/load carries the weights (head included).
  const auto path = std::filesystem::path(GPTA_TEST_BINARY_DIR) / "bert_span_student_roundtrip.safetensors";
  a.save(path);
  b.load_weights(path);
  BOOST_TEST(b.parameters().values() == a.parameters().values());
  BOOST_TEST(b.predict(data, "find") == a.predict(data, "find"));
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(unanswerable_examples_train_towards_cls_or_are_skipped) {
  auto blank = gpta::test::make_span_example("where", "alice lives in paris .", "paris");
  blank.answers[0] = {" ", 5, 5};  // whitespace: no piece
  auto none = blank;
  none.answers.clear();
  const std::vector<gpta::span_example> bad{blank, none};
  const std::vector<gpta::span_example> mixed{blank, people()[0]};

  auto s = tiny_student();  // train_windows_without_answer: towards [CLS]
  BOOST_TEST(!s.encode(blank, "").answer_window.has_value());
  BOOST_TEST(s.train_step(bad, "") > 0);
  BOOST_TEST(s.steps() == 1);
  BOOST_TEST(s.unanswerable_examples() == 2u);

  auto o = s.options();
  o.train_windows_without_answer = false;
  gpta::bert_span_student k(s.config(), s.tokenizer(), o);
  BOOST_TEST(k.train_step(bad, "") == 0.0);  // nothing to train on: no step
  BOOST_TEST(k.steps() == 0);
  BOOST_TEST(k.unanswerable_examples() == 2u);
  const auto l = k.example_losses(bad, "");  // the [CLS] loss of the first window
  BOOST_TEST(std::isfinite(l[0]));
  BOOST_TEST(l[0] > 0);
  BOOST_TEST(k.train_step(mixed, "") > 0);
  BOOST_TEST(k.steps() == 1);
  BOOST_TEST(k.predict(bad, "").size() == 2u);
  // Without [CLS] training an example's loss reads its answer window only.
  const auto p = people();
  const auto enc = k.encode(p[0], "");
  BOOST_TEST_REQUIRE(enc.windows.size() == 2u);
  BOOST_TEST(k.example_losses(p, "")[0] != s.example_losses(p, "")[0]);
}

BOOST_AUTO_TEST_CASE(misuse_is_rejected) {
  auto tok = tiny_tokenizer();
  const auto config = gpta::test::tiny_bert_config(tok.vocab_size());
  auto o = window_options();
  o.max_length = 7;  // 2 + 2 + 3 specials leave no context piece
  BOOST_CHECK_THROW(gpta::bert_span_student(config, tok, o), std::invalid_argument);
  o = window_options();
  o.doc_stride = 0;
  BOOST_CHECK_THROW(gpta::bert_span_student(config, tok, o), std::invalid_argument);
  o = window_options();
  o.max_length = 64;  // past max_position_embeddings
  BOOST_CHECK_THROW(gpta::bert_span_student(config, tok, o), std::invalid_argument);
  auto s = tiny_student();
  BOOST_CHECK_THROW(s.train_step({}, ""), std::invalid_argument);
  BOOST_TEST(s.predict({}, "").empty());
  BOOST_TEST(s.loss({}, "") == 0.0);
}

BOOST_AUTO_TEST_CASE(basic_trainer_runs_the_span_student_with_squad_metric) {
  gpta::span_dataset train, dev;
  train.name = dev.name = "squad";
  train.examples = people();
  dev.examples = people();
  gpta::trainer_options to;
  to.rounds = 2;
  to.batch_size = 4;
  to.epochs_per_round = 20;  // one batch per epoch
  to.probe_steps = 2;
  to.progress = false;
  gpta::basic_trainer<gpta::bert_span_student, gpta::fixed_prefix, gpta::null_transport, gpta::squad_metric> t(
      tiny_student(), gpta::fixed_prefix("find answer"), {}, to);
  const auto run = t.fit(train, dev, dev, gpta::task_info{});
  BOOST_TEST_REQUIRE(run.rounds.size() == 2u);
  BOOST_TEST(run.best_dev.metric == "f1");
  BOOST_TEST(run.best_dev.count == 4u);
  BOOST_TEST(run.rounds[0].steps == 20u);
  BOOST_TEST(run.rounds[1].train_loss < run.rounds[0].train_loss);
  BOOST_TEST_REQUIRE(run.test.has_value());
  BOOST_TEST(run.test->score == run.best_dev.score);
}
