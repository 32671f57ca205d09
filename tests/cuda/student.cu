// The backend students (classifier and span) as gpta::student_models on Thrust's CUDA system (nvcc):
// tokenisation and the trainer on the host, the whole network on the GPU. Built for sm_80/sm_90 by
// cuda/compile_and_link; with a GPU present it trains tiny random students a few steps against
// their host students and checks snapshot/restore.
#include <gpta/backend/thrust_bert_span_student.hpp>
#include <gpta/backend/thrust_bert_student.hpp>
#include <gpta/concepts/student_model.hpp>

#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using gpu = gpta::backend::thrust_backend<thrust::system::cuda::tag>;
using student_t = gpta::backend::thrust_bert_student<gpu>;
static_assert(gpta::student_model<student_t>, "thrust_bert_student<CUDA> must model gpta::student_model");
using span_student_t = gpta::backend::thrust_bert_span_student<gpu>;
static_assert(gpta::student_model<span_student_t>, "thrust_bert_span_student<CUDA> must model gpta::student_model");

// The tiny random BERT both students share: 40 word pieces ("w5".."w39"), 2 layers of width 32.
gpta::text::wordpiece_tokenizer tiny_tokenizer() {
  std::vector<std::string> tokens{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int i = 5; i < 40; ++i) {
    std::string word = "w";  // not "w" + to_string(i): GCC 12 reports a false -Wrestrict there
    word += std::to_string(i);
    tokens.push_back(word);
  }
  return gpta::text::wordpiece_tokenizer::from_tokens(tokens);
}

gpta::bert_config tiny_config() {
  gpta::bert_config c;
  c.vocab_size = 40;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 32;
  c.type_vocab_size = 2;
  return c;
}

gpta::bert_student tiny_host_student() {
  gpta::bert_student_options o;
  o.max_length = 16;
  o.learning_rate = 1e-3;
  o.seed = 3;
  return gpta::bert_student(tiny_config(), tiny_tokenizer(), o);
}

gpta::span_example span_example_of(std::string question, std::string context, const std::string& answer) {
  gpta::span_example e;
  e.id = question;
  e.question = std::move(question);
  e.context = std::move(context);
  const std::size_t at = e.context.find(answer);
  e.answers.push_back({answer, at, at});
  return e;
}

// The span student: two steps (one example of two windows) against the host, then a replay.
bool check_span_student() {
  gpta::bert_span_student_options o;
  o.max_length = 16;
  o.doc_stride = 4;
  o.prefix_budget = 2;
  o.max_question_length = 3;
  o.learning_rate = 1e-3;
  o.seed = 3;
  gpta::bert_span_student host(tiny_config(), tiny_tokenizer(), o);
  span_student_t s(host);
  const std::vector<gpta::span_example> batch{
      span_example_of("w5 w6", "w10 w11 w12 w13 w14", "w12 w13"),
      span_example_of("w7", "w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32", "w31")};
  const auto state = s.snapshot();
  bool ok = true;
  double first = 0;
  for (int step = 0; step < 2; ++step) {
    const double got = s.train_step(batch, "w8");
    const double want = host.train_step(batch, "w8");
    if (step == 0) first = got;
    std::printf("gpta_cuda_student_check: span step %d loss %.8f (host %.8f)\n", step, got, want);
    ok = ok && std::isfinite(got) && std::abs(got - want) <= 1e-5 * std::abs(want);
  }
  const auto [want_pred, want_loss] = host.predict_with_loss(batch, "w8");
  const auto [pred, loss] = s.predict_with_loss(batch, "w8");
  ok = ok && std::abs(loss - want_loss) <= 1e-5 * std::abs(want_loss);
  for (std::size_t i = 0; i < batch.size(); ++i) ok = ok && pred[i].text == want_pred[i].text;
  s.restore(state);
  ok = ok && s.train_step(batch, "w8") == first;
  std::printf("gpta_cuda_student_check: span eval loss %.8f (host %.8f): %s\n", loss, want_loss, ok ? "ok" : "FAILED");
  return ok;
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("gpta_cuda_student_check: no CUDA device; built only\n");
    return 77;
  }
  gpta::bert_student host = tiny_host_student();
  student_t s(host);
  const std::vector<gpta::text_example> batch{{"w5 w6 w7", 0}, {"w8 w9", 1}, {"w10 w11 w12 w13", 0}};
  const auto state = s.snapshot();
  const double first = s.train_step(batch, "w20 w21");
  const double want = host.train_step(batch, "w20 w21");
  s.restore(state);
  const double again = s.train_step(batch, "w20 w21");
  const auto [predictions, loss] = s.predict_with_loss(batch, "w20 w21");
  const bool ok = std::isfinite(first) && again == first && std::abs(first - want) <= 1e-5 * std::abs(want) &&
                  predictions.size() == batch.size() && std::isfinite(loss);
  std::printf("gpta_cuda_student_check: loss %.8f (host %.8f, replay %.8f), eval loss %.6f: %s\n", first, want, again,
              loss, ok ? "ok" : "FAILED");
  const bool span_ok = check_span_student();
  return ok && span_ok ? 0 : 1;
}
