// Writes GGUF files for tests: every metadata type, nested arrays, tensors of any type id with
// alignment padding, and knobs that make a field lie (counts, lengths, offsets) on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpta::test {

/// Little-endian encodings of the fixed-size GGUF scalars.
template <class T>
std::string gguf_le(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

/// One metadata value: its type id and its encoded bytes (everything after the type id).
struct gguf_node {
  std::uint32_t type = 0;
  std::string payload;

  static gguf_node u8(std::uint8_t v) { return {0, gguf_le(v)}; }
  static gguf_node i8(std::int8_t v) { return {1, gguf_le(v)}; }
  static gguf_node u16(std::uint16_t v) { return {2, gguf_le(v)}; }
  static gguf_node i16(std::int16_t v) { return {3, gguf_le(v)}; }
  static gguf_node u32(std::uint32_t v) { return {4, gguf_le(v)}; }
  static gguf_node i32(std::int32_t v) { return {5, gguf_le(v)}; }
  static gguf_node f32(float v) { return {6, gguf_le(v)}; }
  static gguf_node boolean(bool v) { return {7, std::string(1, v ? '\1' : '\0')}; }
  static gguf_node str(std::string_view v) { return {8, gguf_le<std::uint64_t>(v.size()) + std::string(v)}; }
  static gguf_node u64(std::uint64_t v) { return {10, gguf_le(v)}; }
  static gguf_node i64(std::int64_t v) { return {11, gguf_le(v)}; }
  static gguf_node f64(double v) { return {12, gguf_le(v)}; }
  /// An array whose elements all have type `element_type` (their type ids are not repeated).
  static gguf_node array(std::uint32_t element_type, const std::vector<gguf_node>& items) {
    std::string p = gguf_le(element_type) + gguf_le<std::uint64_t>(items.size());
    for (const auto& it : items) p += it.payload;
    return {9, p};
  }
  static gguf_node strings(const std::vector<std::string>& items) {
    std::vector<gguf_node> n;
    for (const auto& s : items) n.push_back(str(s));
    return array(8, n);
  }
  /// Any bytes under any type id: for lying lengths and unknown types.
  static gguf_node raw(std::uint32_t type, std::string payload) { return {type, std::move(payload)}; }
};

/// One tensor: `shape` ne[0] first, `type` a raw ggml id, `data` its encoded bytes. The offset is
/// the next aligned one unless given; `n_dims` overrides the dimension count written.
struct gguf_tensor_spec {
  gguf_tensor_spec(std::string n, std::vector<std::uint64_t> s, std::uint32_t t, std::string d)
      : name(std::move(n)), shape(std::move(s)), type(t), data(std::move(d)) {}

  std::string name;
  std::vector<std::uint64_t> shape;
  std::uint32_t type = 0;
  std::string data;
  std::optional<std::uint64_t> offset;
  std::optional<std::uint32_t> n_dims;
};

class gguf_builder {
 public:
  std::string magic = "GGUF";
  std::uint32_t version = 3;
  /// Alignment used to lay out tensor data; written as general.alignment when set_alignment() was called.
  std::uint32_t alignment = 32;
  std::optional<std::uint64_t> tensor_count_override;
  std::optional<std::uint64_t> kv_count_override;

  gguf_builder& kv(std::string key, gguf_node value) {
    kvs_.push_back({std::move(key), std::move(value)});
    return *this;
  }
  gguf_builder& set_alignment(std::uint32_t a) {
    alignment = a;
    return kv("general.alignment", gguf_node::u32(a));
  }
  gguf_builder& tensor(gguf_tensor_spec t) {
    tensors_.push_back(std::move(t));
    return *this;
  }

  /// The whole file. Layout as the reference writer: header, key/values, tensor infos, padding to
  /// the alignment, then each tensor's data at its offset (padded between tensors).
  [[nodiscard]] std::string bytes() const {
    std::string out = magic;
    out += gguf_le(version);
    out += gguf_le<std::uint64_t>(tensor_count_override.value_or(tensors_.size()));
    out += gguf_le<std::uint64_t>(kv_count_override.value_or(kvs_.size()));
    for (const auto& [key, value] : kvs_) {
      out += gguf_le<std::uint64_t>(key.size()) + key;
      out += gguf_le(value.type);
      out += value.payload;
    }
    std::vector<std::uint64_t> offsets;
    std::uint64_t next = 0;
    for (const auto& t : tensors_) {
      // An explicit offset (often a lie) takes no room: its data is stored only if it lands inside
      // the data laid out for the others.
      const std::uint64_t off = t.offset.value_or(next);
      offsets.push_back(off);
      if (!t.offset) next = align(off + t.data.size());
      out += gguf_le<std::uint64_t>(t.name.size()) + t.name;
      out += gguf_le(t.n_dims.value_or(static_cast<std::uint32_t>(t.shape.size())));
      for (std::uint64_t d : t.shape) out += gguf_le(d);
      out += gguf_le(t.type);
      out += gguf_le(off);
    }
    out.append(static_cast<std::size_t>(align(out.size()) - out.size()), '\0');
    const std::size_t data_start = out.size();
    out.resize(data_start + static_cast<std::size_t>(next), '\0');  // trailing padding, as the reference writer
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
      const auto& d = tensors_[i].data;
      if (offsets[i] > next || d.size() > next - offsets[i]) continue;
      std::memcpy(out.data() + data_start + static_cast<std::size_t>(offsets[i]), d.data(), d.size());
    }
    return out;
  }

  void write(const std::filesystem::path& p) const { write_file(p, bytes()); }

  static void write_file(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

 private:
  [[nodiscard]] std::uint64_t align(std::uint64_t n) const { return (n + alignment - 1) / alignment * alignment; }

  struct entry {
    std::string key;
    gguf_node value;
  };
  std::vector<entry> kvs_;
  std::vector<gguf_tensor_spec> tensors_;
};

}  // namespace gpta::test
