// Reader (memory-mapped, fully validated) and writer for safetensors files: pretrained checkpoints
// and gpta's own. Corrupt input is a gpta::data_error naming the file and the tensor or field.
#pragma once

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gpta/detail/atomic_file.hpp>
#include <gpta/detail/error.hpp>

namespace gpta::nn {

static_assert(std::endian::native == std::endian::little,
              "gpta::nn::safetensors: the format is little-endian and gpta reads it in place");

namespace detail {

/// Bytes per element of every dtype the format defines with whole-byte elements; 0 if unknown.
[[nodiscard]] constexpr std::size_t safetensors_dtype_size(std::string_view dtype) noexcept {
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "BOOL" || dtype == "U8" || dtype == "I8" || dtype == "F8_E5M2" || dtype == "F8_E4M3") return 1;
  return 0;
}

/// IEEE 754 binary16 -> binary32, exact for every value (subnormals, infinities, NaN payloads).
[[nodiscard]] inline float half_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t mant = h & 0x3FFu;
  std::uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal half: normalise into a float
    std::uint32_t e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(bits);
}

[[nodiscard]] inline float bfloat16_to_float(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

/// Read-only private mapping of a whole file; unmapped on destruction.
class mapped_file {
 public:
  mapped_file() = default;
  explicit mapped_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      throw data_error(err == ENOENT ? errc::file_not_found : errc::io_error, path, 0,
                       std::string("cannot open: ") + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      throw data_error(errc::io_error, path, 0, std::string("cannot stat: ") + std::strerror(err));
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        throw data_error(errc::io_error, path, 0, std::string("cannot map: ") + std::strerror(err));
      }
      data_ = static_cast<const std::byte*>(p);
    }
    ::close(fd);  // the mapping keeps the file alive
  }
  mapped_file(mapped_file&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  mapped_file& operator=(mapped_file&& o) noexcept {
    if (this != &o) {
      unmap();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  ~mapped_file() { unmap(); }

  [[nodiscard]] const std::byte* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  void unmap() noexcept {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
    data_ = nullptr;
  }
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace detail

class safetensors_file {
 public:
  /// One tensor's header entry; [begin, end) is relative to the start of the data section.
  struct tensor_info {
    std::string dtype;
    std::vector<std::int64_t> shape;
    std::size_t begin = 0;
    std::size_t end = 0;

    [[nodiscard]] std::size_t num_elements() const noexcept {
      std::size_t n = 1;
      for (std::int64_t d : shape) n *= static_cast<std::size_t>(d);
      return n;
    }
  };

  /// The header says how long it is; anything beyond this is corruption, not a checkpoint.
  static constexpr std::uint64_t max_header_bytes = 100'000'000;

  /// Maps `path` and validates the whole header: length, JSON, each tensor's dtype, shape and
  /// data range (inside the file, size = elements x dtype size, no two tensors overlapping).
  [[nodiscard]] static safetensors_file open(const std::filesystem::path& path) {
    safetensors_file f;
    f.path_ = path;
    f.map_ = detail::mapped_file(path);
    f.parse();
    return f;
  }

  /// Names of all tensors, sorted.
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(tensors_.size());
    for (const auto& [name, info] : tensors_) out.push_back(name);
    return out;
  }
  [[nodiscard]] std::size_t size() const noexcept { return tensors_.size(); }
  [[nodiscard]] bool contains(std::string_view name) const { return tensors_.find(name) != tensors_.end(); }

  /// Header entry of `name`; a tensor the file lacks is a data_error naming file and tensor.
  [[nodiscard]] const tensor_info& info(std::string_view name) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) fail("no tensor named '" + std::string(name) + "'");
    return it->second;
  }

  /// The name under which the file stores `name`: `name` itself, "bert." + name, or `name`
  /// without its "bert." prefix (BertModel checkpoints omit the prefix, BertFor* ones have it).
  [[nodiscard]] std::optional<std::string> resolve(std::string_view name) const {
    if (contains(name)) return std::string(name);
    std::string with = "bert." + std::string(name);
    if (contains(with)) return with;
    constexpr std::string_view prefix = "bert.";
    if (name.starts_with(prefix) && contains(name.substr(prefix.size()))) return std::string(name.substr(prefix.size()));
    return std::nullopt;
  }

  /// The tensor's raw bytes (little-endian elements, row-major), valid while this object lives.
  [[nodiscard]] std::span<const std::byte> bytes(std::string_view name) const {
    const tensor_info& t = info(name);
    return {data_ + t.begin, t.end - t.begin};
  }

  /// Elements as float, row-major. F32 is copied, F16 and BF16 are widened exactly, F64 is
  /// rounded; integer and boolean dtypes are a data_error (they are not weights).
  [[nodiscard]] std::vector<float> read_f32(std::string_view name) const {
    const tensor_info& t = info(name);
    const std::byte* p = data_ + t.begin;
    const std::size_t n = t.num_elements();
    std::vector<float> out(n);
    if (t.dtype == "F32") {
      if (n) std::memcpy(out.data(), p, n * sizeof(float));
    } else if (t.dtype == "F16" || t.dtype == "BF16") {
      const bool half = t.dtype == "F16";
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t v;
        std::memcpy(&v, p + 2 * i, 2);
        out[i] = half ? detail::half_to_float(v) : detail::bfloat16_to_float(v);
      }
    } else if (t.dtype == "F64") {
      for (std::size_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
    } else {
      fail("tensor '" + std::string(name) + "': dtype " + t.dtype + " cannot be read as floats (F32, F16, BF16, F64)");
    }
    return out;
  }

  /// The "__metadata__" entry (string to string), empty when the file has none.
  [[nodiscard]] const std::map<std::string, std::string, std::less<>>& metadata() const noexcept { return metadata_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  safetensors_file() = default;

  [[noreturn]] void fail(const std::string& what) const { throw data_error(errc::bad_header, path_, 0, what); }

  static std::optional<std::uint64_t> as_count(const boost::json::value& v) {
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    return std::nullopt;
  }

  void parse() {
    const std::size_t file_size = map_.size();
    if (file_size < 8) {
      fail("truncated: " + std::to_string(file_size) + " bytes, the header length alone takes 8");
    }
    std::uint64_t header_len;
    std::memcpy(&header_len, map_.data(), 8);
    if (header_len > max_header_bytes) {
      fail("header length " + std::to_string(header_len) + " is over the format's limit of " +
           std::to_string(max_header_bytes) + " bytes");
    }
    if (header_len > file_size - 8) {
      fail("header length " + std::to_string(header_len) + " runs past the end of the file (" +
           std::to_string(file_size) + " bytes): truncated or not a safetensors file");
    }
    const std::string_view header(reinterpret_cast<const char*>(map_.data()) + 8, header_len);
    data_ = map_.data() + 8 + header_len;
    const std::size_t data_size = file_size - 8 - header_len;

    boost::system::error_code ec;
    boost::json::value root = boost::json::parse(header, ec);
    if (ec) fail("header is not valid JSON: " + ec.message());
    if (!root.is_object()) fail("header is not a JSON object");

    for (const auto& [key, value] : root.as_object()) {
      const std::string name(key);
      if (name == "__metadata__") {
        if (!value.is_object()) fail("field '__metadata__' is not an object");
        for (const auto& [mk, mv] : value.as_object()) {
          if (!mv.is_string()) fail("field '__metadata__." + std::string(mk) + "' is not a string");
          metadata_.emplace(std::string(mk), std::string(mv.as_string()));
        }
        continue;
      }
      const std::string who = "tensor '" + name + "': ";
      if (!value.is_object()) fail(who + "header entry is not an object");
      const auto& obj = value.as_object();
      const auto* dtype = obj.if_contains("dtype");
      const auto* shape = obj.if_contains("shape");
      const auto* offsets = obj.if_contains("data_offsets");
      if (!dtype || !dtype->is_string()) fail(who + "field 'dtype' missing or not a string");
      if (!shape || !shape->is_array()) fail(who + "field 'shape' missing or not an array");
      if (!offsets || !offsets->is_array() || offsets->as_array().size() != 2) {
        fail(who + "field 'data_offsets' missing or not [begin, end]");
      }
      tensor_info t;
      t.dtype = std::string(dtype->as_string());
      const std::size_t elem = detail::safetensors_dtype_size(t.dtype);
      if (elem == 0) fail(who + "unsupported dtype '" + t.dtype + "'");
      std::uint64_t count = 1;
      for (const auto& d : shape->as_array()) {
        const auto dim = as_count(d);
        if (!dim || *dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          fail(who + "field 'shape' holds " + boost::json::serialize(d) + ", not a dimension");
        }
        if (*dim != 0 && count > std::numeric_limits<std::uint64_t>::max() / *dim) fail(who + "shape overflows");
        count *= *dim;
        t.shape.push_back(static_cast<std::int64_t>(*dim));
      }
      const auto begin = as_count(offsets->as_array()[0]);
      const auto end = as_count(offsets->as_array()[1]);
      if (!begin || !end || *begin > *end) fail(who + "field 'data_offsets' is not a range [begin <= end]");
      if (*end > data_size) {
        fail(who + "data_offsets [" + std::to_string(*begin) + ", " + std::to_string(*end) +
             ") run past the data section (" + std::to_string(data_size) + " bytes): truncated file?");
      }
      if (count > std::numeric_limits<std::uint64_t>::max() / elem || count * elem != *end - *begin) {
        fail(who + "shape holds " + std::to_string(count) + " elements of " + std::to_string(elem) + " bytes but " +
             "data_offsets span " + std::to_string(*end - *begin) + " bytes");
      }
      t.begin = static_cast<std::size_t>(*begin);
      t.end = static_cast<std::size_t>(*end);
      if (!tensors_.emplace(name, std::move(t)).second) fail(who + "listed twice");
    }

    std::vector<std::pair<const std::string*, const tensor_info*>> by_offset;
    by_offset.reserve(tensors_.size());
    for (const auto& [name, info] : tensors_) by_offset.emplace_back(&name, &info);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
    // Sorted by begin, a tensor overlaps an earlier one iff it starts before the furthest end so far.
    const std::string* reach_name = nullptr;
    std::size_t reach = 0;
    for (const auto& [name, t] : by_offset) {
      if (t->begin == t->end) continue;  // empty tensors occupy nothing
      if (reach_name && t->begin < reach) {
        fail("tensor '" + *name + "': data_offsets overlap those of '" + *reach_name + "'");
      }
      if (t->end > reach) {
        reach = t->end;
        reach_name = name;
      }
    }
  }

  std::filesystem::path path_;
  detail::mapped_file map_;
  const std::byte* data_ = nullptr;
  std::map<std::string, tensor_info, std::less<>> tensors_;
  std::map<std::string, std::string, std::less<>> metadata_;
};

/// A float tensor to write: row-major values and their shape.
struct f32_tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

/// Writes `tensors` as an F32 safetensors file, atomically (temp file + rename: a crash leaves
/// the old file). Tensors are laid out in name order, the header padded to 8 bytes as the
/// reference writer does. A shape that does not match its values is std::invalid_argument.
inline void write_safetensors(const std::filesystem::path& path, const std::map<std::string, f32_tensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
  boost::json::object header;
  if (!metadata.empty()) {
    boost::json::object m;
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = std::move(m);
  }
  std::size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name.empty() || name == "__metadata__") {
      throw std::invalid_argument("gpta::nn::write_safetensors: invalid tensor name '" + name + "'");
    }
    std::size_t count = 1;
    boost::json::array shape;
    for (std::int64_t d : t.shape) {
      if (d < 0) throw std::invalid_argument("gpta::nn::write_safetensors: tensor '" + name + "' has a negative dimension");
      count *= static_cast<std::size_t>(d);
      shape.push_back(d);
    }
    if (count != t.values.size()) {
      throw std::invalid_argument("gpta::nn::write_safetensors: tensor '" + name + "' has shape of " +
                                  std::to_string(count) + " elements but " + std::to_string(t.values.size()) + " values");
    }
    const std::size_t bytes = count * sizeof(float);
    header[name] = boost::json::object{{"dtype", "F32"}, {"shape", std::move(shape)},
                                       {"data_offsets", boost::json::array{offset, offset + bytes}}};
    offset += bytes;
  }
  std::string head = boost::json::serialize(header);
  head.append((8 - head.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + head.size() + offset);
  const std::uint64_t len = head.size();
  out.append(reinterpret_cast<const char*>(&len), 8);
  out += head;
  for (const auto& [name, t] : tensors) {
    out.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * sizeof(float));
  }
  gpta::detail::write_file_atomic(path, out);
}

}  // namespace gpta::nn
