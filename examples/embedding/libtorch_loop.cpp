// A libtorch training loop whose inputs get the TA's prefix. The model is plain libtorch - an
// EmbeddingBag over hashed words and a linear layer, trained by torch::optim::Adam - and gpta's
// prefix_tuner runs beside it: each round the loop reports its aggregate dev results, the TA (any
// OpenAI-compatible server, $OPENAI_BASE_URL) proposes prefixes, the loop probes each for one
// epoch from a copy of the weights and keeps the best. Built only where CMake finds Torch (Debian:
// libtorch-dev).
//
//   gpta_example_libtorch_loop [DATA_DIR] [ROUNDS]     (one JSON line per round on stdout)
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <boost/json.hpp>

#include <gpta/eval/classification_metrics.hpp>
#include <gpta/llm/openai_transport.hpp>
#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/train/prefix_tuner.hpp>

#include "sst2_split.hpp"

namespace {

constexpr std::int64_t buckets = 1 << 14;

struct bag_of_words : torch::nn::Module {
  torch::nn::EmbeddingBag embed{nullptr};
  torch::nn::Linear out{nullptr};
  bag_of_words() {
    embed = register_module("embed", torch::nn::EmbeddingBag(torch::nn::EmbeddingBagOptions(buckets, 32)
                                                                  .mode(torch::kMean)));
    out = register_module("out", torch::nn::Linear(32, 2));
  }
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& offsets) {
    return out(embed(ids, offsets));
  }
};

/// The prefix and the text as one bag of hashed word ids per example (what the model reads).
std::pair<torch::Tensor, torch::Tensor> encode(const gpta::text_dataset& d, const std::string& prefix) {
  std::vector<std::int64_t> ids, offsets;
  for (const auto& e : d.examples) {
    offsets.push_back(static_cast<std::int64_t>(ids.size()));
    std::istringstream in(prefix + " " + e.text);
    for (std::string w; in >> w;) ids.push_back(static_cast<std::int64_t>(std::hash<std::string>{}(w) % buckets));
  }
  return {torch::tensor(ids), torch::tensor(offsets)};
}

torch::Tensor labels(const gpta::text_dataset& d) {
  std::vector<std::int64_t> y;
  for (const auto& e : d.examples) y.push_back(e.label);
  return torch::tensor(y);
}

double train_epoch(bag_of_words& m, torch::optim::Adam& opt, const gpta::text_dataset& d, const std::string& prefix) {
  const auto [ids, offsets] = encode(d, prefix);
  opt.zero_grad();
  const torch::Tensor loss = torch::nn::functional::cross_entropy(m.forward(ids, offsets), labels(d));
  loss.backward();
  opt.step();
  return loss.item<double>();
}

gpta::eval_result evaluate(bag_of_words& m, const gpta::text_dataset& d, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  const auto [ids, offsets] = encode(d, prefix);
  const torch::Tensor logits = m.forward(ids, offsets);
  const torch::Tensor pred = logits.argmax(1);
  std::vector<int> predicted, gold;
  for (std::size_t i = 0; i < d.size(); ++i) {
    predicted.push_back(static_cast<int>(pred[static_cast<std::int64_t>(i)].item<std::int64_t>()));
    gold.push_back(d.examples[i].label);
  }
  gpta::eval_result r = gpta::classification_metrics(predicted, gold, d.label_names);
  r.loss = torch::nn::functional::cross_entropy(logits, labels(d)).item<double>();
  return r;
}

/// A probe: `epochs` full-batch steps from a copy of the weights (the model is left as it was).
double probe(bag_of_words& m, const gpta::text_dataset& train, const gpta::text_dataset& dev,
             const std::string& prefix) {
  bag_of_words copy;
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < m.parameters().size(); ++i) copy.parameters()[i].copy_(m.parameters()[i]);
  }
  torch::optim::Adam opt(copy.parameters(), torch::optim::AdamOptions(0.05));
  for (int e = 0; e < 5; ++e) (void)train_epoch(copy, opt, train, prefix);
  return evaluate(copy, dev, prefix).score;
}

}  // namespace

int main(int argc, char** argv) try {
  torch::manual_seed(1);
  torch::set_num_threads(1);
  const example::sst2_split d = example::load_sst2(example::data_dir(argc, argv));
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;

  gpta::openai_options http;
  if (const char* url = std::getenv("OPENAI_BASE_URL")) http.base_url = url;
  gpta::openai_transport ta(http);
  gpta::prefix_tuner<gpta::dialogue_gradient, gpta::openai_transport&> tuner(
      gpta::dialogue_gradient{}, ta, {.candidates = 2, .prefix_token_budget = 16});

  bag_of_words model;
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(0.05));
  const gpta::tuner_answer first = tuner.start(d.task);
  std::string prefix = first.candidates.empty() ? "" : first.candidates.front();
  for (int r = 0; r < rounds; ++r) {
    gpta::round_record rec;
    rec.round = r;
    rec.prefix = prefix;
    for (int e = 0; e < 5; ++e) rec.train_loss = train_epoch(model, opt, d.train, prefix);
    rec.dev = evaluate(model, d.dev, prefix);
    tuner.record_round(rec);
    boost::json::object line{{"round", r}, {"prefix", prefix}, {"dev_accuracy", rec.dev.accuracy},
                             {"train_loss", rec.train_loss}};
    if (r + 1 < rounds) {
      const gpta::tuner_answer answer = tuner.ask();
      if (answer.failed()) line["ta_error"] = "the TA failed; keeping the incumbent";
      double best = probe(model, d.train, d.dev, prefix);
      for (const auto& c : answer.candidates)
        if (const double s = probe(model, d.train, d.dev, c); s > best) best = s, prefix = c;
      line["candidates"] = answer.candidates.size();
    }
    std::cout << boost::json::serialize(line) << std::endl;
  }
  std::cout << boost::json::serialize(boost::json::object{{"test_accuracy", evaluate(model, d.test, prefix).accuracy},
                                                          {"ta_requests", tuner.total().requests}})
            << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "gpta_example_libtorch_loop: " << e.what() << "\n";
  return 1;
}
