// Your own training loop, with GPTA's prefix search beside it. The model here is the user's: a
// logistic regression on hashed words, trained by plain SGD - gpta never sees it. prefix_tuner
// runs the strategy/TA side: after each round the loop reports aggregate dev results, the TA
// (any OpenAI-compatible server, $OPENAI_BASE_URL) answers with candidate prefixes, the loop
// probes them its own way and keeps the winner.
//
//   gpta_example_own_loop [DATA_DIR] [ROUNDS]     (one JSON line per round on stdout)
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include <gpta/eval/classification_metrics.hpp>
#include <gpta/llm/openai_transport.hpp>
#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/train/prefix_tuner.hpp>

#include "sst2_split.hpp"

namespace {

/// The user's model: P(positive) = sigmoid(w . hashed words of "prefix text" + b).
struct logistic_regression {
  std::vector<double> w = std::vector<double>(std::size_t{1} << 14, 0.0);
  double b = 0.0;

  std::vector<std::size_t> features(const std::string& prefix, const std::string& text) const {
    std::vector<std::size_t> f;
    std::istringstream in(prefix + " " + text);
    for (std::string word; in >> word;) f.push_back(std::hash<std::string>{}(word) % w.size());
    return f;
  }
  double probability(const std::string& prefix, const std::string& text) const {
    double z = b;
    for (std::size_t i : features(prefix, text)) z += w[i];
    return 1.0 / (1.0 + std::exp(-z));
  }
  /// One SGD epoch; returns the mean log loss before each update.
  double train_epoch(const gpta::text_dataset& d, const std::string& prefix, double lr = 0.5) {
    double loss = 0.0;
    for (const auto& e : d.examples) {
      const double p = probability(prefix, e.text), y = e.label;
      loss -= y * std::log(p + 1e-12) + (1 - y) * std::log(1 - p + 1e-12);
      for (std::size_t i : features(prefix, e.text)) w[i] -= lr * (p - y);
      b -= lr * (p - y);
    }
    return loss / static_cast<double>(d.size());
  }
  gpta::eval_result evaluate(const gpta::text_dataset& d, const std::string& prefix) const {
    std::vector<int> predicted, gold;
    double loss = 0.0;
    for (const auto& e : d.examples) {
      const double p = probability(prefix, e.text);
      predicted.push_back(p > 0.5 ? 1 : 0);
      gold.push_back(e.label);
      loss -= e.label ? std::log(p + 1e-12) : std::log(1 - p + 1e-12);
    }
    gpta::eval_result r = gpta::classification_metrics(predicted, gold, d.label_names);
    r.loss = loss / static_cast<double>(d.size());
    return r;
  }
};

}  // namespace

int main(int argc, char** argv) try {
  const example::sst2_split d = example::load_sst2(example::data_dir(argc, argv));
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;

  gpta::openai_options http;
  if (const char* url = std::getenv("OPENAI_BASE_URL")) http.base_url = url;
  gpta::openai_transport ta(http);
  gpta::prefix_tuner<gpta::dialogue_gradient, gpta::openai_transport&> tuner(
      gpta::dialogue_gradient{}, ta, {.candidates = 2, .prefix_token_budget = 16});

  logistic_regression model;
  const gpta::tuner_answer first = tuner.start(d.task);
  std::string prefix = first.candidates.empty() ? "" : first.candidates.front();
  for (int r = 0; r < rounds; ++r) {
    gpta::round_record rec;  // what the TA may be told: aggregates only
    rec.round = r;
    rec.prefix = prefix;
    rec.train_loss = model.train_epoch(d.train, prefix);
    rec.dev = model.evaluate(d.dev, prefix);
    tuner.record_round(rec);
    boost::json::object line{{"round", r}, {"prefix", prefix}, {"dev_accuracy", rec.dev.accuracy}};
    if (r + 1 < rounds) {
      const gpta::tuner_answer answer = tuner.ask();
      if (answer.failed()) line["ta_error"] = "the TA failed; keeping the incumbent";
      // The user's probe: one epoch from a copy of the weights; a candidate must beat the incumbent.
      const auto probe = [&](const std::string& p) {
        logistic_regression m = model;
        m.train_epoch(d.train, p);
        return m.evaluate(d.dev, p).score;
      };
      double best = probe(prefix);
      for (const auto& c : answer.candidates)
        if (const double s = probe(c); s > best) best = s, prefix = c;
      line["candidates"] = answer.candidates.size();
    }
    std::cout << boost::json::serialize(line) << std::endl;
  }
  std::cout << boost::json::serialize(boost::json::object{{"test_accuracy", model.evaluate(d.test, prefix).accuracy},
                                                          {"ta_requests", tuner.total().requests},
                                                          {"feedbacks_sent", tuner.sent().size()}})
            << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "gpta_example_own_loop: " << e.what() << "\n";
  return 1;
}
