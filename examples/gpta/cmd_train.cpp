// `gpta train` and `gpta compare` (being written).
#include <string>
#include <vector>

#include "cli.hpp"

namespace gpta::cli {
int cmd_train(const std::vector<std::string>&) { throw usage_error("gpta train: not yet available"); }
int cmd_compare(const std::vector<std::string>&) { throw usage_error("gpta compare: not yet available"); }
}  // namespace gpta::cli
