#include <gpta/eval/rouge.hpp>

#include <boost/test/unit_test.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// Scores written by Google's rouge-score 0.1.2 (with NLTK's Porter stemmer) for a few hundred pairs:
// scripts/fixtures/rouge_reference.py wrote tests/fixtures/rouge_parity.json.

#include "support/fixtures.hpp"

namespace json = boost::json;

namespace {

constexpr double tolerance = 1e-6;

const json::object& fixture() {
  static const json::object v = gpta::test::read_fixture("rouge_parity.json");
  return v;
}

// Largest |gpta - reference| over P, R, F of every measure; failures name the pair and measure.
double compare(const gpta::rouge_scores& got, const json::object& want, const std::string& what) {
  double worst = 0.0;
  for (gpta::rouge_measure m : gpta::rouge_all_measures) {
    const std::string name(gpta::rouge_measure_name(m));
    const json::array& prf = want.at(name).as_array();
    const gpta::rouge_prf& g = gpta::rouge_get(got, m);
    const double vals[3] = {g.precision, g.recall, g.f1};
    for (std::size_t k = 0; k < 3; ++k) {
      const double d = std::abs(vals[k] - json::value_to<double>(prf[k]));
      worst = std::max(worst, d);
      BOOST_TEST(d <= tolerance, what << " " << name << "[" << "PRF"[k] << "]: gpta " << vals[k] << ", rouge-score "
                                      << json::value_to<double>(prf[k]));
    }
  }
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fixture_is_large_enough) {
  BOOST_TEST(fixture().at("pairs").as_array().size() >= 200u);
  BOOST_TEST(fixture().at("multi").as_array().size() >= 5u);
}

BOOST_AUTO_TEST_CASE(pairs_match_rouge_score_with_and_without_stemming) {
  double worst = 0.0;
  std::size_t i = 0;
  for (const json::value& v : fixture().at("pairs").as_array()) {
    const json::object& pair = v.as_object();
    const std::string pred(pair.at("prediction").as_string());
    const std::string ref(pair.at("reference").as_string());
    for (bool stem : {false, true}) {
      const auto got = gpta::rouge(pred, ref, {.use_stemmer = stem});
      const std::string what = "pair " + std::to_string(i) + " (" + std::string(pair.at("kind").as_string()) +
                               (stem ? ", stem)" : ", no stem)");
      worst = std::max(worst, compare(got, pair.at("scores").at(stem ? "stem" : "nostem").as_object(), what));
    }
    ++i;
  }
  BOOST_TEST_MESSAGE("rouge parity: " << i << " pairs x 2 stemming modes, max abs difference " << worst);
}

BOOST_AUTO_TEST_CASE(multi_reference_takes_best_f_per_measure) {
  std::size_t i = 0;
  for (const json::value& v : fixture().at("multi").as_array()) {
    const json::object& c = v.as_object();
    std::vector<std::string> refs;
    for (const json::value& r : c.at("references").as_array()) refs.emplace_back(r.as_string());
    const std::string pred(c.at("prediction").as_string());
    for (bool stem : {false, true}) {
      const auto got = gpta::rouge_multi(pred, refs, {.use_stemmer = stem});
      compare(got, c.at("scores").at(stem ? "stem" : "nostem").as_object(), "multi " + std::to_string(i));
    }
    ++i;
  }
}

BOOST_AUTO_TEST_CASE(corpus_mean_matches_mean_of_reference_scores) {
  std::vector<std::string> preds, refs;
  for (const json::value& v : fixture().at("pairs").as_array()) {
    preds.emplace_back(v.at("prediction").as_string());
    refs.emplace_back(v.at("reference").as_string());
  }
  for (bool stem : {false, true}) {
    const auto corpus = gpta::rouge_corpus(preds, refs, {.use_stemmer = stem});
    BOOST_TEST(corpus.size() == preds.size());
    compare(corpus.mean, fixture().at("mean").at(stem ? "stem" : "nostem").as_object(), "corpus mean");
  }
}
