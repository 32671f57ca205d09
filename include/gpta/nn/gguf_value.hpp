// One GGUF metadata value (scalar, string or nested array) as a view into the file's mapping, and
// the value type ids: what gguf_file hands out for each key.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gpta::nn {

/// Metadata value types (ids stored in the file).
enum class gguf_value_type : std::uint32_t {
  uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6,
  boolean = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12
};

[[nodiscard]] constexpr std::string_view gguf_value_type_name(gguf_value_type t) noexcept {
  constexpr std::string_view names[] = {"uint8", "int8",  "uint16", "int16",  "uint32", "int32",  "float32",
                                        "bool",  "string", "array", "uint64", "int64", "float64"};
  const auto i = static_cast<std::uint32_t>(t);
  return i < std::size(names) ? names[i] : "unknown";
}

/// Bytes of a fixed-size value type; 0 for string, array and unknown ids.
[[nodiscard]] constexpr std::size_t gguf_scalar_size(gguf_value_type t) noexcept {
  constexpr std::size_t sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  const auto i = static_cast<std::uint32_t>(t);
  return i < std::size(sizes) ? sizes[i] : 0;
}

[[nodiscard]] constexpr bool gguf_is_integer(gguf_value_type t) noexcept {
  return t == gguf_value_type::uint8 || t == gguf_value_type::int8 || t == gguf_value_type::uint16 ||
         t == gguf_value_type::int16 || t == gguf_value_type::uint32 || t == gguf_value_type::int32 ||
         t == gguf_value_type::uint64 || t == gguf_value_type::int64;
}

[[nodiscard]] constexpr bool gguf_is_float(gguf_value_type t) noexcept {
  return t == gguf_value_type::float32 || t == gguf_value_type::float64;
}

class gguf_file;

/// One metadata value: a scalar, a string or an array (of scalars, strings or arrays). Strings
/// and arrays of fixed-size elements are views into the file's mapping, valid while the
/// gguf_file lives, so a 151,936-entry vocabulary costs no copy until asked for.
class gguf_value {
 public:
  gguf_value() = default;

  [[nodiscard]] gguf_value_type type() const noexcept { return type_; }
  /// For an array, the type of its elements.
  [[nodiscard]] gguf_value_type element_type() const noexcept { return element_type_; }
  [[nodiscard]] bool is_array() const noexcept { return type_ == gguf_value_type::array; }
  [[nodiscard]] bool is_string() const noexcept { return type_ == gguf_value_type::string; }
  [[nodiscard]] bool is_integer() const noexcept { return gguf_is_integer(type_); }
  [[nodiscard]] bool is_float() const noexcept { return gguf_is_float(type_); }
  [[nodiscard]] bool is_bool() const noexcept { return type_ == gguf_value_type::boolean; }

  /// The integer as unsigned; nullopt for a non-integer or a negative one.
  [[nodiscard]] std::optional<std::uint64_t> to_uint() const noexcept {
    if (!is_integer()) return std::nullopt;
    if (signed_type() && static_cast<std::int64_t>(bits_) < 0) return std::nullopt;
    return bits_;
  }
  /// The integer as signed; nullopt for a non-integer or a uint64 above INT64_MAX.
  [[nodiscard]] std::optional<std::int64_t> to_int() const noexcept {
    if (!is_integer()) return std::nullopt;
    if (!signed_type() && bits_ > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(bits_);
  }
  /// A float32 or float64 (float32 widened exactly); nullopt otherwise.
  [[nodiscard]] std::optional<double> to_float() const noexcept {
    if (type_ == gguf_value_type::float64) return std::bit_cast<double>(bits_);
    if (type_ == gguf_value_type::float32) return std::bit_cast<float>(static_cast<std::uint32_t>(bits_));
    return std::nullopt;
  }
  [[nodiscard]] std::optional<bool> to_bool() const noexcept {
    if (!is_bool()) return std::nullopt;
    return bits_ != 0;
  }
  [[nodiscard]] std::optional<std::string_view> to_string() const noexcept {
    if (!is_string()) return std::nullopt;
    return str_;
  }

  /// Elements of an array (0 for anything else).
  [[nodiscard]] std::size_t size() const noexcept { return is_array() ? count_ : 0; }
  /// Element `i` of an array; std::out_of_range past the end or on a non-array.
  [[nodiscard]] gguf_value at(std::size_t i) const {
    if (!is_array() || i >= count_) {
      throw std::out_of_range("gpta::nn::gguf_value::at: index " + std::to_string(i) + " of " +
                              std::to_string(size()) + " elements");
    }
    if (element_type_ == gguf_value_type::string) return string_value(strings_[i]);
    if (element_type_ == gguf_value_type::array) return items_[i];
    const std::size_t s = gguf_scalar_size(element_type_);
    return scalar_value(element_type_, raw_ + i * s);
  }
  /// The little-endian element bytes of an array of fixed-size elements (empty otherwise).
  [[nodiscard]] std::span<const std::byte> raw() const noexcept {
    if (!is_array() || gguf_scalar_size(element_type_) == 0) return {};
    return {raw_, count_ * gguf_scalar_size(element_type_)};
  }
  /// The elements of an array of strings (empty otherwise).
  [[nodiscard]] std::span<const std::string_view> strings() const noexcept { return strings_; }
  /// The elements of an array of arrays (empty otherwise).
  [[nodiscard]] std::span<const gguf_value> items() const noexcept { return items_; }

 private:
  friend class gguf_file;

  [[nodiscard]] bool signed_type() const noexcept {
    return type_ == gguf_value_type::int8 || type_ == gguf_value_type::int16 || type_ == gguf_value_type::int32 ||
           type_ == gguf_value_type::int64;
  }

  /// A scalar decoded from its little-endian bytes; signed types are sign-extended into bits_.
  static gguf_value scalar_value(gguf_value_type t, const std::byte* p) noexcept {
    gguf_value v;
    v.type_ = t;
    switch (t) {
      case gguf_value_type::uint8:
      case gguf_value_type::boolean: v.bits_ = load<std::uint8_t>(p); break;
      case gguf_value_type::int8: v.bits_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(load<std::int8_t>(p))); break;
      case gguf_value_type::uint16: v.bits_ = load<std::uint16_t>(p); break;
      case gguf_value_type::int16: v.bits_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(load<std::int16_t>(p))); break;
      case gguf_value_type::uint32:
      case gguf_value_type::float32: v.bits_ = load<std::uint32_t>(p); break;
      case gguf_value_type::int32: v.bits_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(load<std::int32_t>(p))); break;
      case gguf_value_type::uint64:
      case gguf_value_type::int64:
      case gguf_value_type::float64: v.bits_ = load<std::uint64_t>(p); break;
      case gguf_value_type::string:
      case gguf_value_type::array: break;
    }
    return v;
  }
  static gguf_value string_value(std::string_view s) noexcept {
    gguf_value v;
    v.type_ = gguf_value_type::string;
    v.str_ = s;
    return v;
  }
  template <class T>
  static T load(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }

  gguf_value_type type_ = gguf_value_type::uint8;
  gguf_value_type element_type_ = gguf_value_type::uint8;
  std::uint64_t bits_ = 0;      // integers (sign-extended), bool, float bit patterns
  std::string_view str_;        // string
  std::size_t count_ = 0;       // array
  const std::byte* raw_ = nullptr;            // array of fixed-size elements
  std::vector<std::string_view> strings_;     // array of strings
  std::vector<gguf_value> items_;             // array of arrays
};

}  // namespace gpta::nn
