#include <gpta/concepts/student_model.hpp>
#include <gpta/student/bert_student.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

// The student on a tiny random BERT with a tiny vocabulary: fast, no model files needed.

static_assert(gpta::detail::check_student_model<gpta::bert_student>());

namespace {

gpta::text::wordpiece_tokenizer tiny_tokenizer() {
  return gpta::text::wordpiece_tokenizer::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a",
                                                      "movie", "film", "is", "was", "good", "great", "bad", "awful",
                                                      "plot", "acting", "rate", "this", "review", "##s", "."});
}

gpta::bert_config tiny_config() {
  gpta::bert_config c;
  c.vocab_size = 22;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 32;
  c.type_vocab_size = 2;
  c.hidden_dropout_prob = 0.1;
  c.attention_probs_dropout_prob = 0.1;
  return c;
}

gpta::bert_student_options tiny_options(std::uint64_t seed = 1) {
  gpta::bert_student_options o;
  o.max_length = 24;
  o.prefix_budget = 6;
  o.learning_rate = 3e-3;
  o.warmup_steps = 5;
  o.seed = seed;
  return o;
}

// Label 1 iff the text holds "good" or "great": learnable only by reading the right word.
std::vector<gpta::text_example> tiny_data() {
  const std::vector<std::string> subjects{"the movie", "a film", "the plot", "the acting"};
  const std::vector<std::pair<std::string, int>> words{{"good", 1}, {"great", 1}, {"bad", 0}, {"awful", 0}};
  std::vector<gpta::text_example> out;
  for (const auto& s : subjects)
    for (const auto& [w, y] : words) {
      out.push_back({s + " was " + w + " .", y});
      out.push_back({s + " is " + w, y});
    }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(learns_a_separable_task_and_loss_falls) {
  gpta::bert_student s(tiny_config(), tiny_tokenizer(), tiny_options());
  const auto data = tiny_data();
  const std::string prefix = "rate this review";
  const double before = s.loss(data, prefix);
  for (int epoch = 0; epoch < 12; ++epoch)
    for (const auto& batch : s.length_buckets(data, prefix, 8, static_cast<std::uint64_t>(epoch))) {
      std::vector<gpta::text_example> b;
      for (auto i : batch) b.push_back(data[i]);
      const double l = s.train_step(b, prefix);
      BOOST_REQUIRE(std::isfinite(l));
    }
  const double after = s.loss(data, prefix);
  BOOST_TEST(after < 0.5 * before);
  const auto pred = s.predict(data, prefix);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < data.size(); ++i) correct += pred[i] == data[i].label;
  BOOST_TEST(correct == data.size());
  BOOST_TEST(s.steps() == 12 * 4);
  BOOST_TEST(s.last_grad_norm() > 0);
}

BOOST_AUTO_TEST_CASE(same_seed_same_model_and_snapshot_restore_replays_exactly) {
  const auto data = tiny_data();
  std::span<const gpta::text_example> first(data.data(), 8), second(data.data() + 8, 8);
  gpta::bert_student a(tiny_config(), tiny_tokenizer(), tiny_options(7));
  gpta::bert_student b(tiny_config(), tiny_tokenizer(), tiny_options(7));
  BOOST_TEST(a.parameters().values() == b.parameters().values());
  a.train_step(first, "x");
  b.train_step(first, "x");
  BOOST_TEST(a.parameters().values() == b.parameters().values());

  const auto snap = a.snapshot();
  const double l1 = a.train_step(second, "rate this");
  const double l2 = a.train_step(first, "rate this");
  const auto after = a.parameters().values();
  a.restore(snap);
  BOOST_TEST(a.steps() == 1);
  BOOST_TEST(a.parameters().values() == b.parameters().values());
  BOOST_TEST(a.train_step(second, "rate this") == l1);  // dropout masks and moments replay too
  BOOST_TEST(a.train_step(first, "rate this") == l2);
  BOOST_TEST(a.parameters().values() == after);

  gpta::bert_student c(tiny_config(), tiny_tokenizer(), tiny_options(8));
  BOOST_TEST(c.parameters().values() != b.parameters().values());  // the seed matters
}

BOOST_AUTO_TEST_CASE(save_and_load_round_trip) {
  const auto data = tiny_data();
  gpta::bert_student a(tiny_config(), tiny_tokenizer(), tiny_options(3));
  a.train_step(std::span<const gpta::text_example>(data.data(), 8), "");
  const auto path = std::filesystem::path(GPTA_TEST_BINARY_DIR) / "bert_student_roundtrip.safetensors";
  a.save(path);
  gpta::bert_student b(tiny_config(), tiny_tokenizer(), tiny_options(4));
  BOOST_TEST(b.parameters().values() != a.parameters().values());
  b.load_weights(path);
  BOOST_TEST(b.parameters().values() == a.parameters().values());
  BOOST_TEST(b.predict(data, "") == a.predict(data, ""));
  std::filesystem::remove(path);

  // A checkpoint without the head is refused by load() (it must restore everything).
  gpta::nn::parameter_store<float> encoder_only;
  gpta::nn::bert_encoder<float> enc(tiny_config(), encoder_only);
  const auto partial = std::filesystem::path(GPTA_TEST_BINARY_DIR) / "bert_student_partial.safetensors";
  gpta::nn::save_parameters(encoder_only, partial);
  BOOST_CHECK_THROW(b.load_weights(partial), gpta::data_error);
  std::filesystem::remove(partial);
}

BOOST_AUTO_TEST_CASE(prefix_is_attached_as_first_segment_within_its_budget) {
  gpta::bert_student s(tiny_config(), tiny_tokenizer(), tiny_options());
  const std::vector<gpta::text_example> one{{"the movie was good", 1}};
  const auto plain = s.encode(one, "");
  const auto with = s.encode(one, "rate this review rate this review rate this review");
  BOOST_TEST(plain.seq_len == 6);             // [CLS] 4 words [SEP]
  BOOST_TEST(with.seq_len == 6 + 6 + 1);      // + 6-piece prefix budget + [SEP]
  BOOST_TEST(with.token_type_ids[0] == 0);
  BOOST_TEST(with.token_type_ids[static_cast<std::size_t>(with.seq_len - 1)] == 1);
  // A prefix changes what the model computes.
  BOOST_TEST(s.loss(one, "") != s.loss(one, "rate this review"));
}

BOOST_AUTO_TEST_CASE(packed_batches_are_the_default_and_score_as_padded_ones) {
  auto padded_options = tiny_options(3);
  padded_options.layout = gpta::nn::bert_layout::padded;
  gpta::bert_student packed(tiny_config(), tiny_tokenizer(), tiny_options(3));
  gpta::bert_student padded(tiny_config(), tiny_tokenizer(), padded_options);
  const auto data = tiny_data();
  const std::span<const gpta::text_example> batch(data.data(), 8);
  const auto a = packed.encode(batch, "rate"), b = padded.encode(batch, "rate");
  BOOST_TEST(a.packed());
  BOOST_TEST(!b.packed());
  BOOST_TEST(a.tokens() < b.tokens());  // the texts differ in length: padding costs rows
  BOOST_TEST(std::abs(packed.loss(batch, "rate") - padded.loss(batch, "rate")) < 1e-5);
  BOOST_TEST(packed.predict(batch, "rate") == padded.predict(batch, "rate"), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(misuse_is_rejected) {
  gpta::bert_student s(tiny_config(), tiny_tokenizer(), tiny_options());
  const std::vector<gpta::text_example> bad{{"good", 2}};
  BOOST_CHECK_THROW(s.train_step(bad, ""), std::invalid_argument);
  BOOST_CHECK_THROW(s.train_step({}, ""), std::invalid_argument);
  auto o = tiny_options();
  o.max_length = 64;  // longer than max_position_embeddings = 32
  BOOST_CHECK_THROW(gpta::bert_student(tiny_config(), tiny_tokenizer(), o), std::invalid_argument);
}
