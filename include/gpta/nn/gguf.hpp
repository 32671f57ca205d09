// Reader for GGUF checkpoints (versions 2 and 3, llama.cpp's format): metadata, tensor directory and
// a memory-mapped data section. Malformed input is a gpta::data_error naming the file, the key or tensor, and the byte.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gpta/detail/error.hpp>
#include <gpta/nn/ggml_type.hpp>
#include <gpta/nn/gguf_value.hpp>
#include <gpta/nn/safetensors.hpp>  // detail::mapped_file

namespace gpta::nn {

static_assert(std::endian::native == std::endian::little,
              "gpta::nn::gguf: gpta reads little-endian GGUF files in place");

/// One tensor's directory entry. `shape[0]` is the innermost (contiguous) dimension, as GGUF
/// stores it: a [rows x cols] row-major matrix has shape {cols, rows}. `offset` is relative to
/// the start of the data section; `bytes` is what the encoding takes for elements().
struct gguf_tensor_info {
  std::string name;
  std::vector<std::uint64_t> shape;
  ggml_type type = ggml_type::f32;
  std::uint64_t offset = 0;
  std::size_t bytes = 0;

  [[nodiscard]] std::size_t elements() const noexcept {
    std::size_t n = 1;
    for (std::uint64_t d : shape) n *= static_cast<std::size_t>(d);
    return n;
  }
  /// Elements per row (shape[0]; 1 for a scalar).
  [[nodiscard]] std::size_t row_length() const noexcept {
    return shape.empty() ? 1 : static_cast<std::size_t>(shape[0]);
  }
  /// Rows: the product of every dimension but the innermost.
  [[nodiscard]] std::size_t rows() const noexcept {
    std::size_t n = 1;
    for (std::size_t i = 1; i < shape.size(); ++i) n *= static_cast<std::size_t>(shape[i]);
    return n;
  }
};

/// One metadata entry, in file order. `key` views the mapping.
struct gguf_kv {
  std::string_view key;
  gguf_value value;
};

class gguf_file {
 public:
  /// Arrays nested deeper than this are rejected: each level costs a file only 12 bytes, and the
  /// parser recurses once per level.
  static constexpr std::size_t max_array_depth = 16;
  /// ggml's GGML_MAX_DIMS.
  static constexpr std::uint32_t max_dims = 4;
  static constexpr std::uint32_t default_alignment = 32;

  /// Maps `path` and validates everything but the tensor bytes themselves: magic, version,
  /// every key/value, every tensor's name, shape, type, alignment and data range (inside the
  /// file, no two overlapping). Lengths and counts are checked against the bytes left before
  /// anything is allocated for them.
  [[nodiscard]] static gguf_file open(const std::filesystem::path& path) {
    gguf_file f;
    f.path_ = path;
    f.map_ = detail::mapped_file(path);
    f.parse();
    return f;
  }

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::uint32_t version() const noexcept { return version_; }
  [[nodiscard]] std::uint32_t alignment() const noexcept { return alignment_; }
  /// Absolute file offset of the data section (tensor offsets are relative to it).
  [[nodiscard]] std::size_t data_offset() const noexcept { return data_offset_; }
  [[nodiscard]] std::size_t file_size() const noexcept { return map_.size(); }

  /// Every key/value in file order (open() rejects a key listed twice).
  [[nodiscard]] const std::vector<gguf_kv>& metadata() const noexcept { return kvs_; }
  [[nodiscard]] auto begin() const noexcept { return kvs_.begin(); }
  [[nodiscard]] auto end() const noexcept { return kvs_.end(); }

  [[nodiscard]] const gguf_value* find(std::string_view key) const {
    const auto it = key_index_.find(key);
    return it == key_index_.end() ? nullptr : &kvs_[it->second].value;
  }
  [[nodiscard]] bool contains(std::string_view key) const { return find(key) != nullptr; }

  [[nodiscard]] std::string get_string(std::string_view key) const {
    const gguf_value& v = require(key, gguf_value_type::string);
    return std::string(*v.to_string());
  }
  /// Any integer type whose value is >= 0.
  [[nodiscard]] std::uint64_t get_uint(std::string_view key) const {
    const gguf_value& v = require_integer(key);
    const auto u = v.to_uint();
    if (!u) fail_key(key, "holds " + std::to_string(*v.to_int()) + ", expected a non-negative integer");
    return *u;
  }
  /// Any integer type whose value fits int64.
  [[nodiscard]] std::int64_t get_int(std::string_view key) const {
    const gguf_value& v = require_integer(key);
    const auto i = v.to_int();
    if (!i) fail_key(key, "holds " + std::to_string(*v.to_uint()) + ", which does not fit int64");
    return *i;
  }
  /// float32 or float64.
  [[nodiscard]] double get_float(std::string_view key) const {
    const gguf_value& v = get(key);
    const auto d = v.to_float();
    if (!d) fail_key(key, "is " + describe(v) + ", expected float32 or float64");
    return *d;
  }
  [[nodiscard]] bool get_bool(std::string_view key) const { return *require(key, gguf_value_type::boolean).to_bool(); }

  /// An array of strings (e.g. tokenizer.ggml.tokens, tokenizer.ggml.merges).
  [[nodiscard]] std::vector<std::string> get_strings(std::string_view key) const {
    const gguf_value& v = require_array(key, "strings", [](gguf_value_type t) { return t == gguf_value_type::string; });
    std::vector<std::string> out;
    out.reserve(v.size());
    for (std::string_view s : v.strings()) out.emplace_back(s);
    return out;
  }
  /// An array of any integer type, each element fitting int64 (e.g. tokenizer.ggml.token_type).
  [[nodiscard]] std::vector<std::int64_t> get_ints(std::string_view key) const {
    const gguf_value& v = require_array(key, "integers", [](gguf_value_type t) { return gguf_is_integer(t); });
    std::vector<std::int64_t> out(v.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto x = v.at(i).to_int();
      if (!x) fail_key(key, "element " + std::to_string(i) + " does not fit int64");
      out[i] = *x;
    }
    return out;
  }
  /// An array of float32 or float64 (float64 rounded to float).
  [[nodiscard]] std::vector<float> get_floats(std::string_view key) const {
    const gguf_value& v = require_array(key, "floats", [](gguf_value_type t) { return gguf_is_float(t); });
    std::vector<float> out(v.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(*v.at(i).to_float());
    return out;
  }

  /// Tensor directory in file order.
  [[nodiscard]] const std::vector<gguf_tensor_info>& tensors() const noexcept { return tensors_; }
  [[nodiscard]] const gguf_tensor_info* find_tensor(std::string_view name) const {
    const auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
  }
  /// A tensor the file lacks is a data_error naming file and tensor.
  [[nodiscard]] const gguf_tensor_info& tensor(std::string_view name) const {
    const gguf_tensor_info* t = find_tensor(name);
    if (!t) fail("no tensor named '" + std::string(name) + "'");
    return *t;
  }

  /// The tensor's encoded bytes, valid while this object lives. Checked against the data
  /// section, so an info that did not come from this file cannot read outside the mapping.
  [[nodiscard]] std::span<const std::byte> data(const gguf_tensor_info& t) const {
    const std::size_t data_size = map_.size() - data_offset_;
    if (t.offset > data_size || t.bytes > data_size - t.offset) {
      fail("tensor '" + t.name + "': bytes [" + std::to_string(t.offset) + ", +" + std::to_string(t.bytes) +
           ") are outside the data section (" + std::to_string(data_size) + " bytes)");
    }
    return {map_.data() + data_offset_ + t.offset, t.bytes};
  }

 private:
  gguf_file() = default;

  [[noreturn]] void fail(const std::string& what, errc code = errc::bad_header) const {
    throw data_error(code, path_, 0, what);
  }
  [[noreturn]] void fail_key(std::string_view key, const std::string& what) const {
    fail("metadata key '" + std::string(key) + "' " + what);
  }

  static std::string describe(const gguf_value& v) {
    if (v.is_array()) return "an array of " + std::string(gguf_value_type_name(v.element_type()));
    return "a " + std::string(gguf_value_type_name(v.type()));
  }

  const gguf_value& get(std::string_view key) const {
    const gguf_value* v = find(key);
    if (!v) fail_key(key, "is missing");
    return *v;
  }
  const gguf_value& require(std::string_view key, gguf_value_type t) const {
    const gguf_value& v = get(key);
    if (v.type() != t) fail_key(key, "is " + describe(v) + ", expected a " + std::string(gguf_value_type_name(t)));
    return v;
  }
  const gguf_value& require_integer(std::string_view key) const {
    const gguf_value& v = get(key);
    if (!v.is_integer()) fail_key(key, "is " + describe(v) + ", expected an integer");
    return v;
  }
  template <class Pred>
  const gguf_value& require_array(std::string_view key, std::string_view what, Pred ok) const {
    const gguf_value& v = get(key);
    if (!v.is_array() || !ok(v.element_type())) fail_key(key, "is " + describe(v) + ", expected an array of " + std::string(what));
    return v;
  }

  /// Bounds-checked reading of the header; every failure says where and what was being read.
  struct cursor {
    const gguf_file* file;
    const std::byte* base;
    std::size_t size;
    std::size_t pos = 0;

    [[nodiscard]] std::size_t remaining() const noexcept { return size - pos; }
    [[noreturn]] void fail_at(std::size_t at, const std::string& what) const {
      file->fail(what + " (at byte " + std::to_string(at) + ")");
    }
    void need(std::uint64_t n, const std::string& what) const {
      if (n > remaining()) {
        fail_at(pos, what + ": needs " + std::to_string(n) + " bytes but the file has " + std::to_string(remaining()) +
                         " left: truncated?");
      }
    }
    template <class T>
    T read(const std::string& what) {
      need(sizeof(T), what);
      T v;
      std::memcpy(&v, base + pos, sizeof(T));
      pos += sizeof(T);
      return v;
    }
    /// `index`, when given, names the array element being read (the message is built only on failure).
    std::string_view read_string(const std::string& what, std::optional<std::size_t> index = std::nullopt) {
      const std::size_t at = pos;
      const auto name = [&] { return index ? what + "[" + std::to_string(*index) + "]" : what; };
      if (remaining() < 8) need(8, name() + " (string length)");
      std::uint64_t len;
      std::memcpy(&len, base + pos, 8);
      pos += 8;
      if (len > remaining()) {
        fail_at(at, name() + ": string length " + std::to_string(len) + " runs past the end of the file (" +
                        std::to_string(remaining()) + " bytes left)");
      }
      std::string_view s(reinterpret_cast<const char*>(base + pos), static_cast<std::size_t>(len));
      pos += static_cast<std::size_t>(len);
      return s;
    }
  };

  static bool known_value_type(std::uint32_t t) noexcept { return t <= static_cast<std::uint32_t>(gguf_value_type::float64); }

  gguf_value parse_value(cursor& c, gguf_value_type t, std::size_t depth, const std::string& what) const {
    const std::size_t at = c.pos;
    if (t == gguf_value_type::string) return gguf_value::string_value(c.read_string(what));
    if (const std::size_t s = gguf_scalar_size(t)) {
      c.need(s, what);
      gguf_value v = gguf_value::scalar_value(t, c.base + c.pos);
      if (t == gguf_value_type::boolean && v.bits_ > 1) c.fail_at(at, what + ": bool holds " + std::to_string(v.bits_));
      c.pos += s;
      return v;
    }
    // An array: element type, count, elements.
    if (depth >= max_array_depth) c.fail_at(at, what + ": arrays nested deeper than " + std::to_string(max_array_depth));
    const auto et = c.read<std::uint32_t>(what + " (array element type)");
    if (!known_value_type(et)) c.fail_at(at, what + ": unknown array element type " + std::to_string(et));
    const auto count = c.read<std::uint64_t>(what + " (array length)");
    gguf_value v;
    v.type_ = gguf_value_type::array;
    v.element_type_ = static_cast<gguf_value_type>(et);
    // Every element takes at least this many bytes, which bounds a lying count before any allocation.
    const std::size_t elem_min = v.element_type_ == gguf_value_type::string  ? 8
                                 : v.element_type_ == gguf_value_type::array ? 12
                                                                             : gguf_scalar_size(v.element_type_);
    if (count > c.remaining() / elem_min) {
      c.fail_at(at, what + ": array of " + std::to_string(count) + " " +
                        std::string(gguf_value_type_name(v.element_type_)) + " elements runs past the end of the file (" +
                        std::to_string(c.remaining()) + " bytes left)");
    }
    v.count_ = static_cast<std::size_t>(count);
    if (v.element_type_ == gguf_value_type::string) {
      // Grown as elements parse, so a count that lies costs no more than the bytes really there.
      v.strings_.reserve(std::min<std::size_t>(v.count_, 1u << 16));
      for (std::size_t i = 0; i < v.count_; ++i) v.strings_.push_back(c.read_string(what, i));
    } else if (v.element_type_ == gguf_value_type::array) {
      for (std::size_t i = 0; i < v.count_; ++i) {
        v.items_.push_back(parse_value(c, gguf_value_type::array, depth + 1, what + "[" + std::to_string(i) + "]"));
      }
    } else {
      v.raw_ = c.base + c.pos;
      if (v.element_type_ == gguf_value_type::boolean) {
        for (std::size_t i = 0; i < v.count_; ++i) {
          if (std::to_integer<unsigned>(v.raw_[i]) > 1) c.fail_at(c.pos + i, what + "[" + std::to_string(i) + "]: bool is not 0 or 1");
        }
      }
      c.pos += v.count_ * elem_min;
    }
    return v;
  }

  void parse() {
    cursor c{this, map_.data(), map_.size()};
    if (map_.size() < 4 || std::memcmp(map_.data(), "GGUF", 4) != 0) fail("not a GGUF file (no 'GGUF' magic at byte 0)");
    c.pos = 4;
    version_ = c.read<std::uint32_t>("version");
    if (version_ != 2 && version_ != 3) {
      if (version_ == 1) fail("GGUF version 1 (32-bit lengths) is not supported, only versions 2 and 3", errc::unsupported_version);
      if (version_ != 0 && (version_ & 0xFFFFu) == 0) fail("big-endian GGUF files are not supported", errc::unsupported_version);
      fail("GGUF version " + std::to_string(version_) + " is not supported, only versions 2 and 3", errc::unsupported_version);
    }
    const std::size_t counts_at = c.pos;
    const auto tensor_count = c.read<std::uint64_t>("tensor count");
    const auto kv_count = c.read<std::uint64_t>("metadata key/value count");
    // Smallest possible entries: key (8-byte length) + type + 1-byte value; name + n_dims + type + offset.
    if (kv_count > c.remaining() / 13) {
      c.fail_at(counts_at + 8, "metadata key/value count " + std::to_string(kv_count) + " cannot fit in the " +
                                   std::to_string(c.remaining()) + " bytes left");
    }
    if (tensor_count > c.remaining() / 24) {
      c.fail_at(counts_at, "tensor count " + std::to_string(tensor_count) + " cannot fit in the " +
                               std::to_string(c.remaining()) + " bytes left");
    }

    // Reserved only up to a cap: an entry costs ~10x its minimal file size here, so a lying count
    // would otherwise allocate far more than the file; past the cap, storage grows as entries parse.
    constexpr std::uint64_t reserve_cap = 1u << 12;
    kvs_.reserve(static_cast<std::size_t>(std::min(kv_count, reserve_cap)));
    for (std::uint64_t i = 0; i < kv_count; ++i) {
      const std::size_t at = c.pos;
      const std::string_view key = c.read_string("metadata key #" + std::to_string(i));
      const std::string who = "metadata key '" + std::string(key) + "'";
      const auto t = c.read<std::uint32_t>(who + " (value type)");
      if (!known_value_type(t)) c.fail_at(at, who + ": unknown value type " + std::to_string(t));
      gguf_value v = parse_value(c, static_cast<gguf_value_type>(t), 0, who);
      if (!key_index_.emplace(key, kvs_.size()).second) c.fail_at(at, who + " is listed twice");
      kvs_.push_back({key, std::move(v)});
    }

    if (const gguf_value* a = find("general.alignment")) {
      if (a->type() != gguf_value_type::uint32) fail_key("general.alignment", "is " + describe(*a) + ", expected a uint32");
      const auto al = static_cast<std::uint32_t>(*a->to_uint());
      if (al == 0 || (al & (al - 1)) != 0) fail_key("general.alignment", "is " + std::to_string(al) + ", not a power of two");
      alignment_ = al;
    }

    std::vector<std::size_t> info_at;
    tensors_.reserve(static_cast<std::size_t>(std::min(tensor_count, reserve_cap)));
    info_at.reserve(static_cast<std::size_t>(std::min(tensor_count, reserve_cap)));
    for (std::uint64_t i = 0; i < tensor_count; ++i) {
      const std::size_t at = c.pos;
      gguf_tensor_info t;
      t.name = std::string(c.read_string("tensor #" + std::to_string(i) + " name"));
      const std::string who = "tensor '" + t.name + "'";
      const auto n_dims = c.read<std::uint32_t>(who + " (dimension count)");
      if (n_dims > max_dims) {
        c.fail_at(at, who + ": " + std::to_string(n_dims) + " dimensions, ggml allows at most " + std::to_string(max_dims));
      }
      for (std::uint32_t d = 0; d < n_dims; ++d) t.shape.push_back(c.read<std::uint64_t>(who + " (dimension " + std::to_string(d) + ")"));
      const auto type = c.read<std::uint32_t>(who + " (type)");
      t.type = static_cast<ggml_type>(type);
      if (ggml_traits(t.type).block_size == 0) c.fail_at(at, who + ": unknown ggml type id " + std::to_string(type));
      t.offset = c.read<std::uint64_t>(who + " (data offset)");
      if (!tensor_index_.emplace(t.name, tensors_.size()).second) c.fail_at(at, who + " is listed twice");
      tensors_.push_back(std::move(t));
      info_at.push_back(at);
    }

    // The data section starts at the next multiple of the alignment; a file without tensors may end before it.
    const std::size_t pad = (alignment_ - c.pos % alignment_) % alignment_;
    data_offset_ = c.pos + pad;
    if (data_offset_ > map_.size()) {
      if (!tensors_.empty()) {
        fail("the data section would start at byte " + std::to_string(data_offset_) + ", past the end of the file (" +
             std::to_string(map_.size()) + " bytes): truncated?");
      }
      data_offset_ = map_.size();
    }
    const std::size_t data_size = map_.size() - data_offset_;

    for (std::size_t i = 0; i < tensors_.size(); ++i) check_tensor(tensors_[i], info_at[i], data_size);
    check_overlaps();
  }

  void check_tensor(gguf_tensor_info& t, std::size_t at, std::size_t data_size) const {
    const std::string who = "tensor '" + t.name + "' (entry at byte " + std::to_string(at) + ")";
    const ggml_type_traits tr = ggml_traits(t.type);
    std::uint64_t n = 1;
    for (std::size_t d = 0; d < t.shape.size(); ++d) {
      const std::uint64_t dim = t.shape[d];
      if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          (dim != 0 && n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / dim)) {
        fail(who + ": shape overflows (dimension " + std::to_string(d) + " is " + std::to_string(dim) + ")");
      }
      n *= dim;
    }
    const std::uint64_t row = t.shape.empty() ? 1 : t.shape[0];
    if (row % tr.block_size != 0) {
      fail(who + ": row length " + std::to_string(row) + " is not a multiple of the " + std::string(tr.name) +
           " block size " + std::to_string(tr.block_size));
    }
    const std::uint64_t blocks = n / tr.block_size;
    if (blocks > data_size / tr.type_size) {
      fail(who + ": " + std::to_string(n) + " " + std::string(tr.name) + " elements need more bytes than the data section has (" +
           std::to_string(data_size) + "): truncated file?");
    }
    t.bytes = static_cast<std::size_t>(blocks * tr.type_size);
    if (t.offset % alignment_ != 0) {
      fail(who + ": data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " + std::to_string(alignment_));
    }
    if (t.offset > data_size || t.bytes > data_size - t.offset) {
      fail(who + ": data [" + std::to_string(t.offset) + ", " + std::to_string(t.offset + t.bytes) +
           ") runs past the end of the data section (" + std::to_string(data_size) + " bytes): truncated file?");
    }
  }

  void check_overlaps() const {
    std::vector<const gguf_tensor_info*> by_offset;
    by_offset.reserve(tensors_.size());
    for (const auto& t : tensors_) {
      if (t.bytes != 0) by_offset.push_back(&t);  // empty tensors occupy nothing
    }
    std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) { return a->offset < b->offset; });
    for (std::size_t i = 1; i < by_offset.size(); ++i) {
      const auto* prev = by_offset[i - 1];
      // Sorted by offset and checked pairwise, so prev's end is the furthest reach so far.
      if (by_offset[i]->offset < prev->offset + prev->bytes) {
        fail("tensor '" + by_offset[i]->name + "': data at offset " + std::to_string(by_offset[i]->offset) +
             " overlaps that of '" + prev->name + "' [" + std::to_string(prev->offset) + ", " +
             std::to_string(prev->offset + prev->bytes) + ")");
      }
    }
  }

  std::filesystem::path path_;
  detail::mapped_file map_;
  std::uint32_t version_ = 0;
  std::uint32_t alignment_ = default_alignment;
  std::size_t data_offset_ = 0;
  std::vector<gguf_kv> kvs_;
  std::map<std::string_view, std::size_t, std::less<>> key_index_;
  std::vector<gguf_tensor_info> tensors_;
  std::map<std::string, std::size_t, std::less<>> tensor_index_;
};

}  // namespace gpta::nn
