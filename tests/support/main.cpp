// The one Boost.Test module main shared by every test executable (dynamic Boost.Test).
#define BOOST_TEST_MODULE gpta
#include <boost/test/unit_test.hpp>
