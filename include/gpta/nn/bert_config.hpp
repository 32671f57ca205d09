// Architecture of a BERT-family encoder as HF's config.json states it (MiniLM, BERT-base, ...).
// Loaded strictly: a missing or ill-typed field is an error naming the file and the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json.hpp>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/detail/error.hpp>

namespace gpta {

/// Defaults are BERT-base's; pretrained students always come from load_bert_config.
struct bert_config {
  std::size_t vocab_size = 30522;
  std::size_t hidden_size = 768;
  std::size_t num_hidden_layers = 12;
  std::size_t num_attention_heads = 12;
  std::size_t intermediate_size = 3072;
  std::size_t max_position_embeddings = 512;
  std::size_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  std::string hidden_act = "gelu";
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;

  [[nodiscard]] std::size_t head_size() const noexcept {
    return num_attention_heads ? hidden_size / num_attention_heads : 0;
  }

  /// std::invalid_argument naming the field when the sizes cannot describe an encoder.
  void validate() const {
    auto bad = [](const std::string& what) { throw std::invalid_argument("gpta::bert_config: " + what); };
    const std::pair<const char*, std::size_t> sizes[] = {
        {"vocab_size", vocab_size},
        {"hidden_size", hidden_size},
        {"num_hidden_layers", num_hidden_layers},
        {"num_attention_heads", num_attention_heads},
        {"intermediate_size", intermediate_size},
        {"max_position_embeddings", max_position_embeddings},
        {"type_vocab_size", type_vocab_size}};
    for (const auto& [name, v] : sizes)
      if (v == 0) bad(std::string(name) + " must be positive");
    if (hidden_size % num_attention_heads != 0) {
      bad("hidden_size " + std::to_string(hidden_size) + " is not divisible by num_attention_heads " +
          std::to_string(num_attention_heads));
    }
    if (!(layer_norm_eps > 0)) bad("layer_norm_eps must be positive");
    if (hidden_act.empty()) bad("hidden_act is empty");
    if (!(hidden_dropout_prob >= 0 && hidden_dropout_prob < 1)) bad("hidden_dropout_prob must be in [0, 1)");
    if (!(attention_probs_dropout_prob >= 0 && attention_probs_dropout_prob < 1)) {
      bad("attention_probs_dropout_prob must be in [0, 1)");
    }
  }

  friend bool operator==(const bert_config&, const bert_config&) = default;
};

namespace detail {
[[noreturn]] inline void bert_config_error(const std::filesystem::path& source, errc e, const std::string& what) {
  throw data_error(e, source, 0, what);
}
}  // namespace detail

/// Parses config.json text; `source` only names the file in errors. Fields other than the eleven
/// above are ignored, except two that would change the architecture silently: `model_type`, when
/// present, must be "bert", and `position_embedding_type` "absolute". Errors are gpta::data_error
/// naming the field (and the file); the result is validated.
[[nodiscard]] inline bert_config parse_bert_config(std::string_view json, const std::filesystem::path& source = {}) {
  auto fail = [&](errc e, const std::string& what) { detail::bert_config_error(source, e, what); };
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(json, ec);
  if (ec) fail(errc::parse_error, "not valid JSON: " + ec.message());
  if (!root.is_object()) fail(errc::parse_error, "not a JSON object");
  const boost::json::object& obj = root.as_object();

  auto field = [&](const char* name) -> const boost::json::value& {
    const auto* v = obj.if_contains(name);
    if (!v) detail::bert_config_error(source, errc::bad_record, std::string("field '") + name + "' is missing");
    return *v;
  };
  auto count = [&](const char* name) -> std::size_t {
    const boost::json::value& v = field(name);
    if (v.is_uint64()) return static_cast<std::size_t>(v.get_uint64());
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::size_t>(v.get_int64());
    detail::bert_config_error(source, errc::bad_record,
                              std::string("field '") + name + "' must be a non-negative integer, got " +
                                  boost::json::serialize(v));
  };
  auto real = [&](const char* name) -> double {
    const boost::json::value& v = field(name);
    if (v.is_double()) return v.get_double();
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    detail::bert_config_error(source, errc::bad_record,
                              std::string("field '") + name + "' must be a number, got " + boost::json::serialize(v));
  };
  auto text = [&](const char* name) -> std::string {
    const boost::json::value& v = field(name);
    if (!v.is_string()) {
      fail(errc::bad_record, std::string("field '") + name + "' must be a string, got " + boost::json::serialize(v));
    }
    return std::string(v.as_string());
  };
  auto optional_must_be = [&](const char* name, std::string_view expected) {
    if (!obj.contains(name)) return;
    const std::string got = text(name);
    if (got != expected) {
      fail(errc::bad_record, std::string("field '") + name + "' is \"" + got + "\"; gpta's encoder implements \"" +
                                 std::string(expected) + "\" only");
    }
  };
  optional_must_be("model_type", "bert");
  optional_must_be("position_embedding_type", "absolute");

  bert_config c;
  c.vocab_size = count("vocab_size");
  c.hidden_size = count("hidden_size");
  c.num_hidden_layers = count("num_hidden_layers");
  c.num_attention_heads = count("num_attention_heads");
  c.intermediate_size = count("intermediate_size");
  c.max_position_embeddings = count("max_position_embeddings");
  c.type_vocab_size = count("type_vocab_size");
  c.layer_norm_eps = real("layer_norm_eps");
  c.hidden_act = text("hidden_act");
  c.hidden_dropout_prob = real("hidden_dropout_prob");
  c.attention_probs_dropout_prob = real("attention_probs_dropout_prob");
  try {
    c.validate();
  } catch (const std::invalid_argument& e) {
    fail(errc::bad_record, e.what());
  }
  return c;
}

/// Reads and parses `path` (a model folder's config.json).
[[nodiscard]] inline bert_config load_bert_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw data_error(errc::file_not_found, path, 0, "cannot open BERT config");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw data_error(errc::io_error, path, 0, "cannot read BERT config");
  return parse_bert_config(buf.str(), path);
}

/// config.json text with the eleven fields (plus model_type), readable by parse_bert_config and HF.
[[nodiscard]] inline std::string to_json(const bert_config& c) {
  boost::json::object o;
  o["model_type"] = "bert";
  o["vocab_size"] = c.vocab_size;
  o["hidden_size"] = c.hidden_size;
  o["num_hidden_layers"] = c.num_hidden_layers;
  o["num_attention_heads"] = c.num_attention_heads;
  o["intermediate_size"] = c.intermediate_size;
  o["max_position_embeddings"] = c.max_position_embeddings;
  o["type_vocab_size"] = c.type_vocab_size;
  o["layer_norm_eps"] = c.layer_norm_eps;
  o["hidden_act"] = c.hidden_act;
  o["hidden_dropout_prob"] = c.hidden_dropout_prob;
  o["attention_probs_dropout_prob"] = c.attention_probs_dropout_prob;
  return boost::json::serialize(o);
}

/// Writes to_json(c) to `path` atomically.
inline void save_bert_config(const std::filesystem::path& path, const bert_config& c) {
  gpta::detail::write_file_atomic(path, to_json(c) + "\n");
}

}  // namespace gpta
