// gpta-test-labels: integration examples libtorch
// The libtorch example (built only where CMake finds Torch): a torch::nn model trained by its own
// loop on the shared SST-2 file, with prefix_tuner asking a scripted TA on loopback over HTTP.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "support/llm_test_server.hpp"
#include "support/scripted_ta.hpp"
#include "support/run_command.hpp"

BOOST_AUTO_TEST_CASE(libtorch_loop_trains_with_the_tas_prefixes) {
  gpta::test::llm_test_server ta = gpta::test::fresh_prefixes_ta();
  const auto r = gpta::test::run_command("OPENAI_BASE_URL=" + ta.base_url() + " " GPTA_TEST_BINARY_DIR
                                         "/bin/gpta_example_libtorch_loop " GPTA_TEST_SHARED_DATA_DIR " 3");
  BOOST_TEST_REQUIRE(r.status == 0, r.output);
  std::vector<boost::json::object> lines;
  std::istringstream in(r.output);
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] == '{') lines.push_back(boost::json::parse(l).as_object());
  BOOST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0].at("prefix").as_string() == "great film or awful film");
  BOOST_TEST(lines[0].at("candidates").as_int64() == 2);
  BOOST_TEST(lines[1].at("candidates").as_int64() == 2);
  // The torch model learns the 32 training sentences: its full-batch loss falls from round to round.
  BOOST_TEST(lines[2].at("train_loss").as_double() < lines[0].at("train_loss").as_double());
  BOOST_TEST(lines[3].at("ta_requests").as_int64() == static_cast<std::int64_t>(ta.requests().size()));
  const double acc = lines[3].at("test_accuracy").as_double();
  BOOST_TEST((acc >= 0.0 && acc <= 1.0));
}
