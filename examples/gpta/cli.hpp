// Minimal, strict command-line parsing for the gpta tool: every flag is declared, unknown flags
// and bad values end in one line naming the flag, and a non-zero exit.
#pragma once

#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gpta::cli {

/// Thrown for user errors on the command line; main() prints `error: <what>` and exits 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class arg_parser {
 public:
  explicit arg_parser(std::string command) : command_(std::move(command)) {}

  /// Declare a flag taking a value (`--name VALUE` or `--name=VALUE`).
  arg_parser& option(std::string name, std::string help, std::optional<std::string> default_value = std::nullopt) {
    specs_[name] = spec{std::move(help), std::move(default_value), false};
    order_.push_back(std::move(name));
    return *this;
  }
  /// Declare a boolean switch (`--name`).
  arg_parser& flag(std::string name, std::string help) {
    specs_[name] = spec{std::move(help), std::nullopt, true};
    order_.push_back(std::move(name));
    return *this;
  }
  /// Allow bare (non-flag) arguments, collected in positional().
  arg_parser& positional(std::string help) {
    positional_help_ = std::move(help);
    return *this;
  }

  void parse(const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--help" || a == "-h") {
        help_requested_ = true;
        continue;
      }
      if (a.rfind("--", 0) != 0 || a == "--") {
        if (!positional_help_) throw usage_error("unexpected argument '" + a + "' for 'gpta " + command_ + "'");
        positional_.push_back(a);
        continue;
      }
      std::string name = a.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      auto it = specs_.find(name);
      if (it == specs_.end()) throw usage_error("unknown flag --" + name + " for 'gpta " + command_ + "'");
      if (it->second.is_switch) {
        if (value) throw usage_error("flag --" + name + " takes no value");
        values_[name] = "1";
        continue;
      }
      if (!value) {
        if (i + 1 >= args.size()) throw usage_error("flag --" + name + " needs a value");
        value = args[++i];
      }
      values_[name] = *value;
    }
  }

  [[nodiscard]] bool help_requested() const noexcept { return help_requested_; }
  [[nodiscard]] const std::vector<std::string>& positional() const noexcept { return positional_; }
  [[nodiscard]] bool has(const std::string& name) const { return values_.count(name) != 0; }

  [[nodiscard]] std::optional<std::string> get(const std::string& name) const {
    if (auto it = values_.find(name); it != values_.end()) return it->second;
    return lookup(name).default_value;
  }
  [[nodiscard]] std::string str(const std::string& name) const {
    auto v = get(name);
    if (!v) throw usage_error("flag --" + name + " is required");
    return *v;
  }
  template <class Int>
  [[nodiscard]] Int integer(const std::string& name, Int min = std::numeric_limits<Int>::min(),
                            Int max = std::numeric_limits<Int>::max()) const {
    const std::string s = str(name);
    Int v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < min || v > max)
      throw usage_error("flag --" + name + ": '" + s + "' is not an integer in [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
    return v;
  }
  [[nodiscard]] double real(const std::string& name, double min, double max) const {
    const std::string s = str(name);
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || s.empty() || !(v >= min && v <= max))
      throw usage_error("flag --" + name + ": '" + s + "' is not a number in [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
    return v;
  }
  /// Comma-separated list.
  [[nodiscard]] std::vector<std::string> list(const std::string& name) const {
    std::vector<std::string> out;
    std::string s = str(name), cur;
    for (char c : s) {
      if (c == ',') {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty()) out.push_back(cur);
    if (out.empty()) throw usage_error("flag --" + name + " needs at least one value");
    return out;
  }
  /// Value must be one of `choices`.
  [[nodiscard]] std::string choice(const std::string& name, const std::vector<std::string>& choices) const {
    std::string v = str(name);
    for (const auto& c : choices)
      if (c == v) return v;
    std::string all;
    for (const auto& c : choices) all += (all.empty() ? "" : "|") + c;
    throw usage_error("flag --" + name + ": '" + v + "' is not one of " + all);
  }

  [[nodiscard]] std::string usage() const {
    std::string u = "usage: gpta " + command_ + " [flags]" + (positional_help_ ? " " + *positional_help_ : "") + "\n";
    for (const auto& n : order_) {
      const spec& s = specs_.at(n);
      u += "  --" + n + (s.is_switch ? "" : " VALUE") + "\n      " + s.help;
      if (s.default_value) u += " (default: " + *s.default_value + ")";
      u += "\n";
    }
    return u;
  }

 private:
  struct spec {
    std::string help;
    std::optional<std::string> default_value;
    bool is_switch = false;
  };
  const spec& lookup(const std::string& name) const {
    auto it = specs_.find(name);
    if (it == specs_.end()) throw std::logic_error("gpta::cli: flag --" + name + " was never declared");
    return it->second;
  }

  std::string command_;
  std::map<std::string, spec> specs_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  std::optional<std::string> positional_help_;
  bool help_requested_ = false;
};

}  // namespace gpta::cli
