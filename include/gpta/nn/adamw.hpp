// AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the gradient, bias-corrected.
// Works on any Eigen dense parameter, densely or row-wise (lazy) for large embedding tables.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace gpta::nn {

struct adamw_options {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0.01;  ///< applied only to parameters registered with decay = true
};

/// Everything a snapshot needs to resume bit-identically: the step count and both moments per
/// parameter slot (shaped like the parameter, row-major).
template <std::floating_point Scalar>
struct basic_adamw_state {
  using moment_type = Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::int64_t step = 0;
  std::vector<moment_type> first_moment;
  std::vector<moment_type> second_moment;
};

/// Usage per optimisation step: begin_step(), then update()/update_rows() once per parameter slot.
/// The element update is the PyTorch AdamW one, in this order:
///   p <- p * (1 - lr * wd)                    (decay slots only)
///   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
///   p <- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
/// Plain scalar loops in a fixed order: the result is bit-identical run to run.
template <std::floating_point Scalar>
class basic_adamw {
 public:
  using scalar_type = Scalar;
  using state_type = basic_adamw_state<Scalar>;
  using moment_type = typename state_type::moment_type;

  explicit basic_adamw(adamw_options options = {}) : options_(options) { validate(options_); }

  /// Registers a rows x cols parameter; returns its slot. `decay` = whether weight decay applies
  /// (conventionally off for biases and norms).
  std::size_t add_parameter(Eigen::Index rows, Eigen::Index cols, bool decay) {
    if (rows < 0 || cols < 0)
      throw std::invalid_argument("gpta::nn::adamw::add_parameter: negative shape");
    state_.first_moment.push_back(moment_type::Zero(rows, cols));
    state_.second_moment.push_back(moment_type::Zero(rows, cols));
    decay_.push_back(decay);
    return decay_.size() - 1;
  }

  /// Advances t and fixes this step's bias corrections.
  void begin_step() {
    ++state_.step;
    refresh_coefficients();
  }

  /// Dense update of slot `slot`: every element moves, including those with a zero gradient.
  template <class Param, class Grad>
  void update(std::size_t slot, Eigen::DenseBase<Param>& param, const Eigen::DenseBase<Grad>& grad) {
    check_slot(slot, "update");
    check_shape(slot, param.rows(), param.cols(), "update", "parameter");
    check_shape(slot, grad.rows(), grad.cols(), "update", "gradient");
    auto& m = state_.first_moment[slot];
    auto& v = state_.second_moment[slot];
    const bool decay = decay_[slot];
    for (Eigen::Index r = 0; r < param.rows(); ++r)
      for (Eigen::Index c = 0; c < param.cols(); ++c)
        apply(param.derived().coeffRef(r, c), m(r, c), v(r, c), static_cast<Scalar>(grad.derived().coeff(r, c)), decay);
  }

  /// Lazy update: only rows listed in `rows` (strictly increasing) move; row k of `grad_rows` is the
  /// gradient of parameter row rows[k]. Rows not listed keep their moments and skip decay, as in
  /// "lazy"/sparse Adam - cheap for an embedding table where a batch touches a few rows.
  template <class Param, class Grad>
  void update_rows(std::size_t slot, Eigen::DenseBase<Param>& param, std::span<const Eigen::Index> rows,
                   const Eigen::DenseBase<Grad>& grad_rows) {
    check_slot(slot, "update_rows");
    check_shape(slot, param.rows(), param.cols(), "update_rows", "parameter");
    if (grad_rows.rows() != static_cast<Eigen::Index>(rows.size()) || grad_rows.cols() != param.cols())
      throw std::invalid_argument("gpta::nn::adamw::update_rows: gradient must be rows.size() x cols");
    auto& m = state_.first_moment[slot];
    auto& v = state_.second_moment[slot];
    const bool decay = decay_[slot];
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const Eigen::Index r = rows[k];
      if (r < 0 || r >= param.rows() || (k > 0 && r <= rows[k - 1]))
        throw std::invalid_argument("gpta::nn::adamw::update_rows: rows must be strictly increasing and in range");
      const auto gk = static_cast<Eigen::Index>(k);
      for (Eigen::Index c = 0; c < param.cols(); ++c)
        apply(param.derived().coeffRef(r, c), m(r, c), v(r, c), static_cast<Scalar>(grad_rows.derived().coeff(gk, c)),
              decay);
    }
  }

  [[nodiscard]] const adamw_options& options() const noexcept { return options_; }
  [[nodiscard]] std::size_t num_parameters() const noexcept { return decay_.size(); }
  [[nodiscard]] bool decays(std::size_t slot) const { return decay_.at(slot); }
  [[nodiscard]] std::int64_t step() const noexcept { return state_.step; }

  /// For schedules (warm-up, decay): takes effect from the next begin_step().
  void set_learning_rate(double lr) {
    adamw_options o = options_;
    o.learning_rate = lr;
    validate(o);
    options_ = o;
  }

  [[nodiscard]] const state_type& state() const noexcept { return state_; }

  /// Restores a snapshot taken from an optimiser with the same parameter slots.
  void set_state(const state_type& s) {
    if (s.step < 0 || s.first_moment.size() != decay_.size() || s.second_moment.size() != decay_.size())
      throw std::invalid_argument("gpta::nn::adamw::set_state: state has a different number of parameters");
    for (std::size_t i = 0; i < decay_.size(); ++i) {
      const auto& cur = state_.first_moment[i];
      for (const auto* mom : {&s.first_moment[i], &s.second_moment[i]})
        if (mom->rows() != cur.rows() || mom->cols() != cur.cols())
          throw std::invalid_argument("gpta::nn::adamw::set_state: moment shape differs for slot " +
                                      std::to_string(i));
    }
    state_ = s;
    if (state_.step > 0) refresh_coefficients();
  }

 private:
  struct coefficients {
    Scalar decay_factor{1};  // 1 - lr * wd
    Scalar step_size{0};     // lr / (1 - b1^t)
    Scalar sqrt_bc2{1};      // sqrt(1 - b2^t)
    Scalar beta1{0}, one_minus_beta1{0}, beta2{0}, one_minus_beta2{0}, epsilon{0};
  };

  static void validate(const adamw_options& o) {
    auto bad = [](const char* what) {
      throw std::invalid_argument(std::string("gpta::nn::adamw: ") + what);
    };
    if (!(o.learning_rate >= 0) || !std::isfinite(o.learning_rate)) bad("learning_rate must be finite and >= 0");
    if (!(o.beta1 >= 0 && o.beta1 < 1)) bad("beta1 must be in [0, 1)");
    if (!(o.beta2 >= 0 && o.beta2 < 1)) bad("beta2 must be in [0, 1)");
    if (!(o.epsilon > 0) || !std::isfinite(o.epsilon)) bad("epsilon must be finite and > 0");
    if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) bad("weight_decay must be finite and >= 0");
  }

  void refresh_coefficients() {
    // Corrections in double: b^t underflows gracefully and 1 - b^t keeps its digits for small t.
    const auto t = static_cast<double>(state_.step);
    const double bc1 = 1.0 - std::pow(options_.beta1, t);
    const double bc2 = 1.0 - std::pow(options_.beta2, t);
    coef_.decay_factor = static_cast<Scalar>(1.0 - options_.learning_rate * options_.weight_decay);
    coef_.step_size = static_cast<Scalar>(options_.learning_rate / bc1);
    coef_.sqrt_bc2 = static_cast<Scalar>(std::sqrt(bc2));
    coef_.beta1 = static_cast<Scalar>(options_.beta1);
    coef_.one_minus_beta1 = static_cast<Scalar>(1.0 - options_.beta1);
    coef_.beta2 = static_cast<Scalar>(options_.beta2);
    coef_.one_minus_beta2 = static_cast<Scalar>(1.0 - options_.beta2);
    coef_.epsilon = static_cast<Scalar>(options_.epsilon);
  }

  void apply(Scalar& p, Scalar& m, Scalar& v, Scalar g, bool decay) const {
    if (decay) p *= coef_.decay_factor;
    m = coef_.beta1 * m + coef_.one_minus_beta1 * g;
    v = coef_.beta2 * v + coef_.one_minus_beta2 * g * g;
    p -= coef_.step_size * m / (std::sqrt(v) / coef_.sqrt_bc2 + coef_.epsilon);
  }

  void check_slot(std::size_t slot, const char* fn) const {
    if (slot >= decay_.size())
      throw std::invalid_argument(std::string("gpta::nn::adamw::") + fn + ": unknown parameter slot " +
                                  std::to_string(slot));
    if (state_.step == 0)
      throw std::invalid_argument(std::string("gpta::nn::adamw::") + fn + ": call begin_step() first");
  }

  void check_shape(std::size_t slot, Eigen::Index rows, Eigen::Index cols, const char* fn, const char* what) const {
    const auto& m = state_.first_moment[slot];
    if (rows != m.rows() || cols != m.cols())
      throw std::invalid_argument(std::string("gpta::nn::adamw::") + fn + ": " + what + " is " +
                                  std::to_string(rows) + "x" + std::to_string(cols) + ", slot " +
                                  std::to_string(slot) + " was registered as " + std::to_string(m.rows()) + "x" +
                                  std::to_string(m.cols()));
  }

  adamw_options options_;
  state_type state_;
  std::vector<bool> decay_;
  coefficients coef_;
};

using adamw = basic_adamw<float>;

}  // namespace gpta::nn
