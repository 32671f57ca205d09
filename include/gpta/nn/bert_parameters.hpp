// Named parameter tensors of a network in one flat buffer, with a gradient buffer of the same layout.
// Flat storage makes zeroing, clipping, snapshots and fused Q/K/V GEMMs single contiguous operations.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <gpta/detail/random.hpp>
#include <gpta/nn/bert_layers.hpp>

namespace gpta::nn {

/// Where one named tensor lives in the flat buffers. Biases and norms are [1 x n].
struct tensor_slot {
  std::string name;  ///< checkpoint name, e.g. "encoder.layer.0.attention.self.query.weight"
  std::size_t offset = 0;
  Eigen::Index rows = 0;
  Eigen::Index cols = 0;
  bool decay = true;  ///< weight decay applies (false for biases and LayerNorm)

  [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(rows * cols); }
};

template <class Scalar>
class parameter_store {
 public:
  using scalar_type = Scalar;
  using flat_view = Eigen::Map<column_vector<Scalar>>;
  using const_flat_view = Eigen::Map<const column_vector<Scalar>>;
  using view_type = Eigen::Map<row_matrix<Scalar>>;
  using const_view_type = Eigen::Map<const row_matrix<Scalar>>;

  /// Registers a tensor (zero-initialised); returns its slot id. Slots added one after the other
  /// are adjacent in memory, which fused_view relies on.
  std::size_t add(std::string name, Eigen::Index rows, Eigen::Index cols, bool decay) {
    if (rows <= 0 || cols <= 0)
      throw std::invalid_argument("gpta::nn::parameter_store::add: empty shape for " + name);
    if (find(name)) throw std::invalid_argument("gpta::nn::parameter_store::add: duplicate name " + name);
    tensor_slot s{std::move(name), size_, rows, cols, decay};
    size_ += s.size();
    slots_.push_back(std::move(s));
    // std::vector grows geometrically: registering ~100 tensors copies the buffer O(log n) times.
    values_.resize(size_, Scalar(0));
    grads_.resize(size_, Scalar(0));
    return slots_.size() - 1;
  }

  [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const {
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].name == name) return i;
    return std::nullopt;
  }

  [[nodiscard]] const std::vector<tensor_slot>& slots() const noexcept { return slots_; }
  [[nodiscard]] const tensor_slot& slot(std::size_t id) const { return slots_.at(id); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  [[nodiscard]] view_type value(std::size_t id) { return map(values_, slots_.at(id)); }
  [[nodiscard]] const_view_type value(std::size_t id) const { return cmap(values_, slots_.at(id)); }
  [[nodiscard]] view_type grad(std::size_t id) { return map(grads_, slots_.at(id)); }
  [[nodiscard]] const_view_type grad(std::size_t id) const { return cmap(grads_, slots_.at(id)); }

  /// `count` adjacent slots of equal width seen as one matrix (query/key/value -> one [3H x H]).
  [[nodiscard]] view_type fused_value(std::size_t first, std::size_t count) {
    return fused(values_, first, count);
  }
  [[nodiscard]] const_view_type fused_value(std::size_t first, std::size_t count) const {
    const auto [offset, rows, cols] = fused_shape(first, count);
    return const_view_type(values_.data() + offset, rows, cols);
  }
  [[nodiscard]] view_type fused_grad(std::size_t first, std::size_t count) { return fused(grads_, first, count); }

  /// Every parameter (or gradient) in slot order, as one vector: optimisers, clipping, snapshots.
  [[nodiscard]] flat_view values() noexcept { return flat_view(values_.data(), ssize()); }
  [[nodiscard]] const_flat_view values() const noexcept { return const_flat_view(values_.data(), ssize()); }
  [[nodiscard]] flat_view grads() noexcept { return flat_view(grads_.data(), ssize()); }
  [[nodiscard]] const_flat_view grads() const noexcept { return const_flat_view(grads_.data(), ssize()); }

  void zero_grad() { std::fill(grads_.begin(), grads_.end(), Scalar(0)); }

  /// Weights ~ N(0, stddev) (BERT's initializer_range), LayerNorm gains 1, biases 0; the
  /// same seed gives the same parameters on every platform.
  /// `only` non-empty: initialise just the tensors of those names (a new head on a pretrained
  /// encoder); each tensor's draws depend on the seed and its name, not on what else is initialised.
  void init_bert_style(std::uint64_t seed, double stddev = 0.02, const std::vector<std::string>& only = {}) {
    for (auto& s : slots_) {
      if (!only.empty() && std::find(only.begin(), only.end(), s.name) == only.end()) continue;
      std::mt19937_64 rng(gpta::detail::mix_seed(seed, name_hash(s.name)));
      auto v = map(values_, s);
      if (is_norm_gain(s.name))
        v.setOnes();
      else if (!s.decay)
        v.setZero();
      else
        for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = static_cast<Scalar>(stddev * normal(rng));
    }
  }

  /// Every element ~ N(mean, stddev), gains and biases included: gradient checks want no
  /// parameter to sit at a special value.
  void init_normal(std::uint64_t seed, double stddev) {
    std::mt19937_64 rng(gpta::detail::mix_seed(seed, 0x7e57));
    for (auto& s : slots_) {
      auto v = map(values_, s);
      const double mean = is_norm_gain(s.name) ? 1.0 : 0.0;
      for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = static_cast<Scalar>(mean + stddev * normal(rng));
    }
  }

 private:
  // FNV-1a: std::hash differs between standard libraries, this does not.
  static std::uint64_t name_hash(std::string_view name) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
    return h;
  }

  static bool is_norm_gain(std::string_view name) {
    return name.find("LayerNorm.weight") != std::string_view::npos;
  }

  static double normal(std::mt19937_64& rng) {
    // Box-Muller on portable uniforms: std::normal_distribution differs between libraries.
    double u1 = gpta::detail::uniform_unit(rng);
    while (u1 <= 0.0) u1 = gpta::detail::uniform_unit(rng);
    const double u2 = gpta::detail::uniform_unit(rng);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  [[nodiscard]] Eigen::Index ssize() const noexcept { return static_cast<Eigen::Index>(size_); }

  static view_type map(std::vector<Scalar>& f, const tensor_slot& s) {
    return view_type(f.data() + s.offset, s.rows, s.cols);
  }
  static const_view_type cmap(const std::vector<Scalar>& f, const tensor_slot& s) {
    return const_view_type(f.data() + s.offset, s.rows, s.cols);
  }

  struct shape3 {
    std::size_t offset;
    Eigen::Index rows, cols;
  };
  [[nodiscard]] shape3 fused_shape(std::size_t first, std::size_t count) const {
    if (count == 0 || first + count > slots_.size())
      throw std::invalid_argument("gpta::nn::parameter_store::fused_value: slot range out of bounds");
    Eigen::Index rows = 0;
    const auto& head = slots_[first];
    for (std::size_t i = first; i < first + count; ++i) {
      const auto& s = slots_[i];
      if (s.cols != head.cols || s.offset != head.offset + static_cast<std::size_t>(rows * head.cols))
        throw std::invalid_argument("gpta::nn::parameter_store::fused_value: slots " + head.name + " .. " + s.name +
                                    " are not adjacent with equal width");
      rows += s.rows;
    }
    return {head.offset, rows, head.cols};
  }
  view_type fused(std::vector<Scalar>& f, std::size_t first, std::size_t count) {
    const auto [offset, rows, cols] = fused_shape(first, count);
    return view_type(f.data() + offset, rows, cols);
  }

  std::vector<tensor_slot> slots_;
  std::size_t size_ = 0;
  std::vector<Scalar> values_;
  std::vector<Scalar> grads_;
};

}  // namespace gpta::nn
