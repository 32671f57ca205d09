#include <gpta/text/porter_stemmer.hpp>

#include <boost/test/unit_test.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

// Stems from nltk.stem.porter.PorterStemmer() (NLTK_EXTENSIONS, what rouge-score uses) for ~2,300
// words of the shared CNN/DM and XSum data plus edge cases: scripts/fixtures/rouge_reference.py.

#include "support/fixtures.hpp"

namespace json = boost::json;

BOOST_AUTO_TEST_CASE(matches_nltk_on_the_word_list) {
  const json::object v = gpta::test::read_fixture("porter_stems.json");
  const json::array& words = v.at("words").as_array();
  const json::array& stems = v.at("stems").as_array();
  BOOST_TEST_REQUIRE(words.size() == stems.size());
  BOOST_TEST(words.size() >= 2000u);
  std::size_t same = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string w(words[i].as_string()), want(stems[i].as_string());
    const std::string got = gpta::text::porter_stem(w);
    BOOST_TEST(got == want, "'" << w << "': gpta '" << got << "', nltk '" << want << "'");
    same += got == want;
  }
  BOOST_TEST_MESSAGE("porter parity: " << same << " / " << words.size() << " identical");
}

BOOST_AUTO_TEST_CASE(textbook_and_nltk_specific_cases) {
  using gpta::text::porter_stem;
  // Porter (1980) examples.
  BOOST_TEST(porter_stem("caresses") == "caress");
  BOOST_TEST(porter_stem("ponies") == "poni");
  BOOST_TEST(porter_stem("relational") == "relat");
  BOOST_TEST(porter_stem("conditional") == "condit");
  BOOST_TEST(porter_stem("hopping") == "hop");
  BOOST_TEST(porter_stem("filing") == "file");
  BOOST_TEST(porter_stem("controlling") == "control");
  // NLTK's departures from the original algorithm (libstemmer's "porter" gives the second value).
  BOOST_TEST(porter_stem("dies") == "die");      // original: di
  BOOST_TEST(porter_stem("says") == "say");      // original: sai
  BOOST_TEST(porter_stem("news") == "news");     // original: new
  BOOST_TEST(porter_stem("skies") == "sky");     // original: ski
  BOOST_TEST(porter_stem("enjoy") == "enjoy");   // original: enjoi
  BOOST_TEST(porter_stem("used") == "use");      // original: us
  BOOST_TEST(porter_stem("biology") == "biolog");
  // Upper case is folded; one- and two-letter words pass through.
  BOOST_TEST(porter_stem("Running") == "run");
  BOOST_TEST(porter_stem("as") == "as");
  BOOST_TEST(porter_stem("") == "");
  BOOST_TEST(gpta::text::porter_stemmer{}("cats") == "cat");
}
