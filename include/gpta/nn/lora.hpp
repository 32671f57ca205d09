// LoRA adapters (Hu et al. 2021) for the linear layers of a frozen transformer: y = W x + (alpha/r) B A x.
// All adapter values and gradients live in two flat vectors, so AdamW, clipping and schedules apply as is.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <gpta/detail/random.hpp>
#include <gpta/nn/bert_layers.hpp>

namespace gpta::nn {

/// The projections of a LLaMA-family block an adapter can sit on (peft's target_modules names).
enum class lora_module : unsigned { q = 0, k, v, o, gate, up, down };
inline constexpr std::size_t lora_module_count = 7;

[[nodiscard]] constexpr unsigned lora_bit(lora_module m) noexcept { return 1u << static_cast<unsigned>(m); }
inline constexpr unsigned lora_attention_modules =
    lora_bit(lora_module::q) | lora_bit(lora_module::k) | lora_bit(lora_module::v) | lora_bit(lora_module::o);
inline constexpr unsigned lora_mlp_modules =
    lora_bit(lora_module::gate) | lora_bit(lora_module::up) | lora_bit(lora_module::down);
inline constexpr unsigned lora_all_modules = lora_attention_modules | lora_mlp_modules;

[[nodiscard]] constexpr std::string_view lora_module_name(lora_module m) noexcept {
  constexpr std::string_view names[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  return names[static_cast<unsigned>(m)];
}

/// Parses "q,v" or "q_proj,v_proj" or "all" into a module mask (command-line and config files).
[[nodiscard]] inline unsigned parse_lora_modules(std::string_view list) {
  unsigned mask = 0;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    if (item == "all") {
      mask |= lora_all_modules;
      continue;
    }
    bool found = false;
    for (unsigned m = 0; m < lora_module_count; ++m) {
      const auto name = lora_module_name(static_cast<lora_module>(m));
      if (item == name || item == name.substr(0, name.find('_'))) {
        mask |= 1u << m;
        found = true;
      }
    }
    if (!found) throw std::invalid_argument("gpta::nn::parse_lora_modules: unknown module '" + std::string(item) + "'");
  }
  return mask;
}

struct lora_options {
  int rank = 8;
  double alpha = 16.0;    ///< the update is scaled by alpha / rank (as peft without rslora)
  double dropout = 0.0;   ///< on the adapter's input only, as peft's lora_dropout
  unsigned modules = lora_bit(lora_module::q) | lora_bit(lora_module::v);

  void validate() const {
    if (rank <= 0) throw std::invalid_argument("gpta::nn::lora_options: rank must be > 0");
    if (!std::isfinite(alpha)) throw std::invalid_argument("gpta::nn::lora_options: alpha must be finite");
    if (!(dropout >= 0 && dropout < 1)) throw std::invalid_argument("gpta::nn::lora_options: dropout must be in [0, 1)");
    if (modules == 0 || (modules & ~lora_all_modules) != 0)
      throw std::invalid_argument("gpta::nn::lora_options: modules must name at least one of q,k,v,o,gate,up,down");
  }
};

/// What one adapter's forward pass leaves for its backward pass: u = dropout(x) A^T, [rows x rank].
template <class Scalar>
struct lora_activation {
  row_matrix<Scalar> u;
};

/// The adapters of a whole model: one (A [r x in], B [out x r]) pair per (layer, module) that the
/// options target. Layout of the flat vector: for each adapter in registration order, A row-major
/// then B row-major. The base weights are not here: they stay frozen, with no gradient buffer.
template <class Scalar>
class basic_lora_adapters {
 public:
  using scalar_type = Scalar;
  using vector_type = column_vector<Scalar>;
  using matrix_map = Eigen::Map<row_matrix<Scalar>>;
  using const_matrix_map = Eigen::Map<const row_matrix<Scalar>>;
  static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

  struct slot {
    std::size_t layer;
    lora_module module;
    Eigen::Index in, out;
    Eigen::Index offset;  ///< of A in the flat vector; B follows at offset + rank * in
  };

  basic_lora_adapters() = default;

  /// `shapes(layer, module)` gives {in, out} of that projection; adapters are added for every
  /// layer and every module in options.modules. Values start at zero: call init().
  template <class Shapes>
  basic_lora_adapters(const lora_options& options, std::size_t layers, Shapes&& shapes) : options_(options) {
    options_.validate();
    index_.assign(layers * lora_module_count, npos);
    Eigen::Index offset = 0;
    const auto r = static_cast<Eigen::Index>(options_.rank);
    for (std::size_t l = 0; l < layers; ++l)
      for (unsigned m = 0; m < lora_module_count; ++m) {
        if ((options_.modules & (1u << m)) == 0) continue;
        const auto [in, out] = shapes(l, static_cast<lora_module>(m));
        index_[l * lora_module_count + m] = slots_.size();
        slots_.push_back(slot{l, static_cast<lora_module>(m), static_cast<Eigen::Index>(in),
                              static_cast<Eigen::Index>(out), offset});
        offset += r * (static_cast<Eigen::Index>(in) + static_cast<Eigen::Index>(out));
      }
    values_ = vector_type::Zero(offset);
    grads_ = vector_type::Zero(offset);
  }

  /// A ~ U(-1/sqrt(in), 1/sqrt(in)) (peft's kaiming_uniform(a = sqrt 5) bound), B = 0: the adapted
  /// model starts exactly at the base model, as the LoRA paper prescribes. `b_std` > 0 draws B from
  /// N(0, b_std) instead: for gradient checks, where B = 0 would zero every gradient of A.
  void init(std::uint64_t seed, double b_std = 0.0) {
    std::mt19937_64 rng(gpta::detail::mix_seed(seed, 0x10a));
    for (const auto& s : slots_) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(s.in));
      auto a = A(index_of(s));
      for (Eigen::Index i = 0; i < a.size(); ++i)
        a.data()[i] = static_cast<Scalar>((2.0 * gpta::detail::uniform_unit(rng) - 1.0) * bound);
      auto b = B(index_of(s));
      for (Eigen::Index i = 0; i < b.size(); ++i) {
        if (b_std > 0) {
          const double u1 = 1.0 - gpta::detail::uniform_unit(rng), u2 = gpta::detail::uniform_unit(rng);
          b.data()[i] = static_cast<Scalar>(b_std * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
        } else {
          b.data()[i] = Scalar(0);
        }
      }
    }
  }

  [[nodiscard]] const lora_options& options() const noexcept { return options_; }
  [[nodiscard]] Eigen::Index rank() const noexcept { return options_.rank; }
  [[nodiscard]] Scalar scale() const noexcept { return static_cast<Scalar>(options_.alpha / options_.rank); }
  [[nodiscard]] const std::vector<slot>& slots() const noexcept { return slots_; }
  [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(values_.size()); }

  /// Flat views: what AdamW (one dense slot of size() x 1), clip_global_norm and snapshots take.
  [[nodiscard]] vector_type& values() noexcept { return values_; }
  [[nodiscard]] const vector_type& values() const noexcept { return values_; }
  [[nodiscard]] vector_type& grads() noexcept { return grads_; }
  [[nodiscard]] const vector_type& grads() const noexcept { return grads_; }
  void zero_grad() { grads_.setZero(); }

  /// Adapter index of (layer, module), or npos when that projection has no adapter.
  [[nodiscard]] std::size_t find(std::size_t layer, lora_module m) const noexcept {
    const std::size_t k = layer * lora_module_count + static_cast<unsigned>(m);
    return k < index_.size() ? index_[k] : npos;
  }

  [[nodiscard]] matrix_map A(std::size_t i) { return map(values_, i, false); }
  [[nodiscard]] matrix_map B(std::size_t i) { return map(values_, i, true); }
  [[nodiscard]] const_matrix_map A(std::size_t i) const { return cmap(values_, i, false); }
  [[nodiscard]] const_matrix_map B(std::size_t i) const { return cmap(values_, i, true); }
  [[nodiscard]] matrix_map grad_A(std::size_t i) { return map(grads_, i, false); }
  [[nodiscard]] matrix_map grad_B(std::size_t i) { return map(grads_, i, true); }

  /// y += scale * (dropout(x) A^T) B^T; keeps u = dropout(x) A^T. `key` identifies this adapter's
  /// dropout site in this step (dropout_context::site_key): the mask is a function of (key, element),
  /// so a recomputed forward and the backward pass regenerate the very same mask.
  void forward(std::size_t i, const const_matrix_ref<Scalar>& x, matrix_ref<Scalar> y, lora_activation<Scalar>& act,
               std::uint64_t key, bool training) const {
    const auto a = A(i);
    const auto b = B(i);
    ensure_shape(act.u, x.rows(), rank());
    if (training && options_.dropout > 0) {
      row_matrix<Scalar> xd = x;
      dropout_apply<Scalar>(xd, options_.dropout, key);
      gemm_rows<Scalar>(act.u, xd, a.transpose(), false);
    } else {
      gemm_rows<Scalar>(act.u, x, a.transpose(), false);
    }
    gemm_rows<Scalar>(y, (act.u * scale()).eval(), b.transpose(), true);
  }

  /// Accumulates dA, dB into grads() and adds the adapter's share of dx (the base weight's share
  /// is the caller's, since W is not ours).
  void backward(std::size_t i, const const_matrix_ref<Scalar>& x, const const_matrix_ref<Scalar>& dy,
                const lora_activation<Scalar>& act, matrix_ref<Scalar> dx, std::uint64_t key, bool training) {
    const Scalar s = scale();
    auto ga = grad_A(i);
    auto gb = grad_B(i);
    const auto a = cmap(values_, i, false);
    const auto b = cmap(values_, i, true);
    gb.noalias() += s * (dy.transpose() * act.u);
    row_matrix<Scalar> du = s * (dy * b);  // [rows x r]
    const bool drop = training && options_.dropout > 0;
    if (drop) {
      row_matrix<Scalar> xd = x;
      dropout_apply<Scalar>(xd, options_.dropout, key);
      ga.noalias() += du.transpose() * xd;
      row_matrix<Scalar> dxd = du * a;
      dropout_apply<Scalar>(dxd, options_.dropout, key);  // same mask, same 1/(1-p) scaling
      dx += dxd;
    } else {
      ga.noalias() += du.transpose() * x;
      dx.noalias() += du * a;
    }
  }

 private:
  [[nodiscard]] std::size_t index_of(const slot& s) const { return index_[s.layer * lora_module_count + static_cast<unsigned>(s.module)]; }

  matrix_map map(vector_type& v, std::size_t i, bool b_part) {
    const auto& s = slots_.at(i);
    const Eigen::Index r = rank();
    return b_part ? matrix_map(v.data() + s.offset + r * s.in, s.out, r) : matrix_map(v.data() + s.offset, r, s.in);
  }
  const_matrix_map cmap(const vector_type& v, std::size_t i, bool b_part) const {
    const auto& s = slots_.at(i);
    const Eigen::Index r = rank();
    return b_part ? const_matrix_map(v.data() + s.offset + r * s.in, s.out, r)
                  : const_matrix_map(v.data() + s.offset, r, s.in);
  }

  lora_options options_;
  std::vector<slot> slots_;
  std::vector<std::size_t> index_;
  vector_type values_, grads_;
};

using lora_adapters = basic_lora_adapters<float>;

}  // namespace gpta::nn
