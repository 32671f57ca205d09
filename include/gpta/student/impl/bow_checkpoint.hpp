// Checkpoint file of basic_bow_classifier: save() and load(), kept apart from the model's maths.
// Layout: 8-byte magic, u64 LE header length, JSON header, vocabulary text, raw LE tensors.
#pragma once

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/json.hpp>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/student/bow_classifier.hpp>

namespace gpta::student {

namespace detail {
inline constexpr std::string_view bow_magic{"GPTA-BOW", 8};
inline constexpr std::int64_t bow_format_version = 1;

template <class Scalar>
constexpr const char* bow_scalar_name() {
  return std::is_same_v<Scalar, float> ? "float32" : std::is_same_v<Scalar, double> ? "float64" : "other";
}

/// Floating-point header fields travel as shortest round-trip decimal strings: Boost.JSON 1.81's
/// parser is not correctly rounded (about 1 double in 8 comes back one ulp off).
template <class T>
std::string exact_number(T x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

inline void put_u64_le(std::string& out, std::uint64_t x) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((x >> (8 * i)) & 0xFFu));
}

inline std::uint64_t get_u64_le(std::string_view in) {
  std::uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[static_cast<std::size_t>(i)])) << (8 * i);
  return x;
}

/// Appends/reads `count` scalars as little-endian bytes whatever the host's byte order.
template <class Scalar>
void put_scalars_le(std::string& out, const Scalar* data, std::size_t count) {
  const std::size_t at = out.size();
  out.resize(at + count * sizeof(Scalar));
  std::memcpy(out.data() + at, data, count * sizeof(Scalar));
  if constexpr (std::endian::native == std::endian::big) {
    for (std::size_t i = 0; i < count; ++i) {
      char* p = out.data() + at + i * sizeof(Scalar);
      for (std::size_t a = 0, b = sizeof(Scalar) - 1; a < b; ++a, --b) std::swap(p[a], p[b]);
    }
  }
}

template <class Scalar>
void get_scalars_le(std::string_view in, Scalar* data, std::size_t count) {
  std::memcpy(data, in.data(), count * sizeof(Scalar));
  if constexpr (std::endian::native == std::endian::big) {
    auto* bytes = reinterpret_cast<unsigned char*>(data);
    for (std::size_t i = 0; i < count; ++i) {
      unsigned char* p = bytes + i * sizeof(Scalar);
      for (std::size_t a = 0, b = sizeof(Scalar) - 1; a < b; ++a, --b) std::swap(p[a], p[b]);
    }
  }
}

/// Reads header fields, turning every mismatch into an error naming the file and the field.
class bow_header_reader {
 public:
  explicit bow_header_reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(file_ + ": gpta::student::bow_classifier::load: " + what);
  }

  const boost::json::value& at(const boost::json::object& o, std::string_view key, std::string_view path) const {
    const auto* v = o.if_contains(key);
    if (!v) fail("missing field '" + std::string(path) + "'");
    return *v;
  }
  const boost::json::object& object(const boost::json::object& o, std::string_view key, std::string_view path) const {
    const auto& v = at(o, key, path);
    if (!v.is_object()) fail("field '" + std::string(path) + "' is not an object");
    return v.get_object();
  }
  std::uint64_t unsigned_int(const boost::json::object& o, std::string_view key, std::string_view path) const {
    const auto& v = at(o, key, path);
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    fail("field '" + std::string(path) + "' is not a non-negative integer");
  }
  /// A number written by exact_number().
  template <class T>
  T exact_number(const boost::json::object& o, std::string_view key, std::string_view path) const {
    const std::string_view s = string(o, key, path);
    T x{};
    const auto r = std::from_chars(s.data(), s.data() + s.size(), x);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size())
      fail("field '" + std::string(path) + "' is not a number: '" + std::string(s) + "'");
    return x;
  }
  std::string_view string(const boost::json::object& o, std::string_view key, std::string_view path) const {
    const auto& v = at(o, key, path);
    if (!v.is_string()) fail("field '" + std::string(path) + "' is not a string");
    return v.get_string();
  }
  bool boolean(const boost::json::object& o, std::string_view key, std::string_view path) const {
    const auto& v = at(o, key, path);
    if (!v.is_bool()) fail("field '" + std::string(path) + "' is not a boolean");
    return v.get_bool();
  }

 private:
  std::string file_;
};
}  // namespace detail

template <std::floating_point Scalar>
void basic_bow_classifier<Scalar>::save(const std::filesystem::path& path) const {
  struct {
    const matrix_type& embedding;
    const matrix_type& linear_weight;
    const vector_type& bias;
    const nn::basic_adamw_state<Scalar>& optimizer;
  } s{embedding_, linear_weight_, bias_, optimizer_.state()};  // views: a checkpoint need not copy the model
  // Tensors in a fixed order; the header lists names and shapes so load() can check each one.
  std::vector<std::pair<std::string, const Scalar*>> data;
  boost::json::array tensors;
  auto add = [&](std::string name, Eigen::Index rows, Eigen::Index cols, const Scalar* ptr) {
    tensors.push_back(boost::json::object{{"name", name}, {"shape", boost::json::array{rows, cols}}});
    data.emplace_back(std::move(name), ptr);
  };
  add("embedding", s.embedding.rows(), s.embedding.cols(), s.embedding.data());
  add("linear_weight", s.linear_weight.rows(), s.linear_weight.cols(), s.linear_weight.data());
  add("bias", s.bias.rows(), 1, s.bias.data());
  for (std::size_t i = 0; i < s.optimizer.first_moment.size(); ++i) {
    const auto& m = s.optimizer.first_moment[i];
    const auto& v = s.optimizer.second_moment[i];
    add("optimizer.first_moment." + std::to_string(i), m.rows(), m.cols(), m.data());
    add("optimizer.second_moment." + std::to_string(i), v.rows(), v.cols(), v.data());
  }
  const std::string vocab_text = vocabulary().to_text();
  const boost::json::object header{
      {"format", "gpta.bow_classifier"},
      {"version", detail::bow_format_version},
      {"scalar", detail::bow_scalar_name<Scalar>()},
      {"num_classes", num_classes()},
      {"options",
       {{"dim", options_.dim},
        {"oov_buckets", options_.oov_buckets},
        {"bigram_buckets", options_.bigram_buckets},
        {"learning_rate", detail::exact_number(options_.learning_rate)},
        {"weight_decay", detail::exact_number(options_.weight_decay)},
        {"prefix_token_budget", options_.prefix_token_budget},
        {"max_tokens", options_.max_tokens},
        {"seed", options_.seed},
        {"lazy_embedding_updates", options_.lazy_embedding_updates}}},
      {"optimizer", {{"learning_rate", detail::exact_number(optimizer_.options().learning_rate)}, {"step", s.optimizer.step}}},
      {"vocabulary_bytes", vocab_text.size()},
      {"tensors", std::move(tensors)}};
  const std::string header_text = boost::json::serialize(header);

  std::string out(detail::bow_magic);
  detail::put_u64_le(out, header_text.size());
  out += header_text;
  out += vocab_text;
  for (std::size_t k = 0; k < data.size(); ++k) {
    const auto& shape = header.at("tensors").as_array()[k].as_object().at("shape").as_array();
    const auto count = static_cast<std::size_t>(shape[0].to_number<std::int64_t>() * shape[1].to_number<std::int64_t>());
    detail::put_scalars_le(out, data[k].second, count);
  }
  gpta::detail::write_file_atomic(path, out);
}

template <std::floating_point Scalar>
basic_bow_classifier<Scalar> basic_bow_classifier<Scalar>::load(const std::filesystem::path& path) {
  const std::string file = path.string();
  detail::bow_header_reader rd(file);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) rd.fail("cannot open file");
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) rd.fail("read error");
    bytes = std::move(buf).str();
  }
  const std::string_view all(bytes);
  if (all.size() < 16 || all.substr(0, 8) != detail::bow_magic) rd.fail("not a gpta bow_classifier checkpoint (bad magic)");
  const std::uint64_t header_len = detail::get_u64_le(all.substr(8, 8));
  if (header_len > all.size() - 16) rd.fail("header length " + std::to_string(header_len) + " runs past the end of the file");
  boost::json::object header;
  {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(all.substr(16, static_cast<std::size_t>(header_len)), ec);
    if (ec) rd.fail("header is not valid JSON: " + ec.message());
    if (!v.is_object()) rd.fail("header is not a JSON object");
    header = std::move(v.get_object());
  }
  if (rd.string(header, "format", "format") != "gpta.bow_classifier") rd.fail("field 'format' is not gpta.bow_classifier");
  if (rd.unsigned_int(header, "version", "version") != static_cast<std::uint64_t>(detail::bow_format_version))
    rd.fail("field 'version': unsupported checkpoint version");
  if (rd.string(header, "scalar", "scalar") != detail::bow_scalar_name<Scalar>())
    rd.fail("field 'scalar' is '" + std::string(rd.string(header, "scalar", "scalar")) + "', this model uses " +
            detail::bow_scalar_name<Scalar>());
  const auto& jo = rd.object(header, "options", "options");
  bow_options o;
  o.dim = rd.unsigned_int(jo, "dim", "options.dim");
  o.oov_buckets = rd.unsigned_int(jo, "oov_buckets", "options.oov_buckets");
  o.bigram_buckets = rd.unsigned_int(jo, "bigram_buckets", "options.bigram_buckets");
  o.learning_rate = rd.exact_number<float>(jo, "learning_rate", "options.learning_rate");
  o.weight_decay = rd.exact_number<float>(jo, "weight_decay", "options.weight_decay");
  o.prefix_token_budget = rd.unsigned_int(jo, "prefix_token_budget", "options.prefix_token_budget");
  o.max_tokens = rd.unsigned_int(jo, "max_tokens", "options.max_tokens");
  o.seed = rd.unsigned_int(jo, "seed", "options.seed");
  o.lazy_embedding_updates = rd.boolean(jo, "lazy_embedding_updates", "options.lazy_embedding_updates");
  const auto num_classes = rd.unsigned_int(header, "num_classes", "num_classes");
  const auto& jopt = rd.object(header, "optimizer", "optimizer");
  const auto lr = rd.exact_number<double>(jopt, "learning_rate", "optimizer.learning_rate");
  const std::uint64_t step = rd.unsigned_int(jopt, "step", "optimizer.step");

  std::size_t pos = 16 + static_cast<std::size_t>(header_len);
  const std::uint64_t vocab_len = rd.unsigned_int(header, "vocabulary_bytes", "vocabulary_bytes");
  if (vocab_len > all.size() - pos) rd.fail("field 'vocabulary_bytes' runs past the end of the file");
  text::vocabulary vocab = text::vocabulary::from_text(all.substr(pos, static_cast<std::size_t>(vocab_len)),
                                                       file + " (vocabulary block)");
  pos += static_cast<std::size_t>(vocab_len);

  std::optional<basic_bow_classifier> model;
  try {
    model.emplace(std::move(vocab), static_cast<std::size_t>(num_classes), o);
  } catch (const std::invalid_argument& e) {
    rd.fail(std::string("field 'options' or 'num_classes' is invalid: ") + e.what());
  }
  // The freshly built model fixes every expected shape; the file must match it tensor by tensor.
  state_type s = model->snapshot();
  std::vector<std::pair<std::string, Scalar*>> slots{{"embedding", s.embedding.data()},
                                                     {"linear_weight", s.linear_weight.data()},
                                                     {"bias", s.bias.data()}};
  std::vector<std::pair<Eigen::Index, Eigen::Index>> shapes{{s.embedding.rows(), s.embedding.cols()},
                                                            {s.linear_weight.rows(), s.linear_weight.cols()},
                                                            {s.bias.rows(), 1}};
  for (std::size_t i = 0; i < s.optimizer.first_moment.size(); ++i) {
    auto& m = s.optimizer.first_moment[i];
    auto& v = s.optimizer.second_moment[i];
    slots.emplace_back("optimizer.first_moment." + std::to_string(i), m.data());
    shapes.emplace_back(m.rows(), m.cols());
    slots.emplace_back("optimizer.second_moment." + std::to_string(i), v.data());
    shapes.emplace_back(v.rows(), v.cols());
  }
  const auto& jt = rd.at(header, "tensors", "tensors");
  if (!jt.is_array() || jt.get_array().size() != slots.size())
    rd.fail("field 'tensors' must list " + std::to_string(slots.size()) + " tensors");
  for (std::size_t k = 0; k < slots.size(); ++k) {
    const std::string where = "tensors[" + std::to_string(k) + "]";
    if (!jt.get_array()[k].is_object()) rd.fail("field '" + where + "' is not an object");
    const auto& t = jt.get_array()[k].get_object();
    if (rd.string(t, "name", where + ".name") != slots[k].first)
      rd.fail("field '" + where + ".name' should be '" + slots[k].first + "'");
    const auto& shape = rd.at(t, "shape", where + ".shape");
    const auto want = shapes[k];
    const bool ok = shape.is_array() && shape.get_array().size() == 2 &&
                    shape.get_array()[0] == boost::json::value(want.first) &&
                    shape.get_array()[1] == boost::json::value(want.second);
    if (!ok)
      rd.fail("field '" + where + ".shape' should be [" + std::to_string(want.first) + "," +
              std::to_string(want.second) + "] for tensor '" + slots[k].first + "'");
    const auto count = static_cast<std::size_t>(want.first * want.second);
    if (count * sizeof(Scalar) > all.size() - pos) rd.fail("file ends inside tensor '" + slots[k].first + "'");
    detail::get_scalars_le(all.substr(pos, count * sizeof(Scalar)), slots[k].second, count);
    pos += count * sizeof(Scalar);
  }
  if (pos != all.size()) rd.fail(std::to_string(all.size() - pos) + " unexpected bytes after the last tensor");
  s.optimizer.step = static_cast<std::int64_t>(step);
  try {
    model->restore(s);
    model->set_learning_rate(lr);
  } catch (const std::invalid_argument& e) {
    rd.fail(std::string("inconsistent optimizer state: ") + e.what());
  }
  return std::move(*model);
}

}  // namespace gpta::student
