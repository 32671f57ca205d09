// The student_model concept: the downstream network that reads `prefix + input`.
// Built from small named requirements so a failed check names the missing member.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace gpta {

/// `S::example_type`: what one training/evaluation example looks like.
template <class S>
concept has_example_type = requires { typename S::example_type; };

/// `S::prediction_type`: what predict() returns per example (a class id for classifiers).
template <class S>
concept has_prediction_type = requires { typename S::prediction_type; };

/// `S::state_type`: a copyable snapshot of every trainable parameter and optimiser moment.
template <class S>
concept has_state_type = requires { typename S::state_type; } && std::copyable<typename S::state_type>;

/// `double train_step(span<const example_type>, string_view prefix)`: one optimiser step on the
/// batch with the prefix attached; returns the batch's mean loss before the update.
template <class S>
concept has_train_step = has_example_type<S> &&
    requires(S& s, std::span<const typename S::example_type> batch, std::string_view prefix) {
      { s.train_step(batch, prefix) } -> std::convertible_to<double>;
    };

/// `vector<prediction_type> predict(span<const example_type>, string_view prefix) const`.
template <class S>
concept has_predict = has_example_type<S> && has_prediction_type<S> &&
    requires(const S& s, std::span<const typename S::example_type> batch, std::string_view prefix) {
      { s.predict(batch, prefix) } -> std::same_as<std::vector<typename S::prediction_type>>;
    };

/// `double loss(span<const example_type>, string_view prefix) const`: mean loss, no update.
template <class S>
concept has_loss = has_example_type<S> &&
    requires(const S& s, std::span<const typename S::example_type> batch, std::string_view prefix) {
      { s.loss(batch, prefix) } -> std::convertible_to<double>;
    };

/// `state_type snapshot() const` and `void restore(const state_type&)`: probes and best-by-dev
/// selection need to try something and go back.
template <class S>
concept has_snapshot = has_state_type<S> && requires(const S& cs, S& s, const typename S::state_type& st) {
  { cs.snapshot() } -> std::same_as<typename S::state_type>;
  s.restore(st);
};

/// See docs/concepts.md#student_model.
template <class S>
concept student_model =
    has_example_type<S> && has_prediction_type<S> && has_train_step<S> && has_predict<S> && has_loss<S> &&
    has_snapshot<S>;

/// Optional: `std::pair<std::vector<prediction_type>, double> predict_with_loss(batch, prefix) const`
/// - predictions and mean loss from one forward pass; the trainer prefers it when present.
template <class S>
concept has_predict_with_loss = has_predict<S> &&
    requires(const S& s, std::span<const typename S::example_type> batch, std::string_view prefix) {
      { s.predict_with_loss(batch, prefix) }
          -> std::same_as<std::pair<std::vector<typename S::prediction_type>, double>>;
    };

/// Optional: `std::vector<double> example_losses(batch, prefix) const` - each example's loss, in
/// batch order. Candidate probes compare prefixes example by example (a paired test); without it
/// the trainer calls loss() once per example.
template <class S>
concept has_example_losses = has_example_type<S> &&
    requires(const S& s, std::span<const typename S::example_type> batch, std::string_view prefix) {
      { s.example_losses(batch, prefix) } -> std::same_as<std::vector<double>>;
    };

/// Optional: `void save(const std::filesystem::path&) const` and `static S load(const std::filesystem::path&)`
/// - checkpoints; a run recorded with checkpoints can resume after a crash.
template <class S>
concept checkpointable_student = requires(const S& s, const std::filesystem::path& p) {
  s.save(p);
  { S::load(p) } -> std::same_as<S>;
};

/// Optional: `void save(const std::filesystem::path&) const` and `void load_weights(const std::filesystem::path&)`
/// - the trained weights (or adapters) on disk, read back into a student built with the same
/// configuration. A recorded run keeps its best round's weights this way (`best/student.ckpt`),
/// so that `gpta eval --run DIR` can score them on any file later.
template <class S>
concept weight_file_student = requires(const S& cs, S& s, const std::filesystem::path& p) {
  cs.save(p);
  s.load_weights(p);
};

/// Optional: data-parallel training (gpta::mpi::data_parallel). train_step split in three, so
/// that the gradients each process computes on its shard are summed across processes between:
/// - `double compute_gradients(std::span<const example_type> shard, std::string_view prefix, double weight)`:
///   forward and backward on `shard` (possibly empty: zero gradients); holds the gradient of the
///   shard's mean loss times `weight` (the shard's share of the global batch); returns the shard's
///   mean loss (0 when empty);
/// - `std::span<float>` (or `std::span<double>`) `gradient_buffer()`: the held gradients as one
///   flat buffer, which is summed in place across processes;
/// - `void apply_gradients()`: one optimiser step from the buffer (clipping after the sum);
/// - `std::uint64_t parameter_hash() const`: a digest of every parameter (all ranks must agree).
template <class S>
concept data_parallel_student =
    has_example_type<S> &&
    requires(S& s, const S& cs, std::span<const typename S::example_type> shard, std::string_view prefix, double w) {
      { s.compute_gradients(shard, prefix, w) } -> std::convertible_to<double>;
      s.apply_gradients();
      { cs.parameter_hash() } -> std::convertible_to<std::uint64_t>;
    } &&
    (requires(S& s) { { s.gradient_buffer() } -> std::same_as<std::span<float>>; } ||
     requires(S& s) { { s.gradient_buffer() } -> std::same_as<std::span<double>>; });

namespace detail {
/// Emits one readable static_assert per missing requirement; `Where` names the class template.
template <class S>
constexpr bool check_student_model() {
  static_assert(has_example_type<S>,
                "gpta: Student must define `example_type` - see docs/concepts.md#student_model");
  static_assert(has_prediction_type<S>,
                "gpta: Student must define `prediction_type` - see docs/concepts.md#student_model");
  static_assert(has_train_step<S>,
                "gpta: Student must provide `double train_step(std::span<const example_type>, "
                "std::string_view prefix)` - see docs/concepts.md#student_model");
  static_assert(has_predict<S>,
                "gpta: Student must provide `std::vector<prediction_type> predict(std::span<const "
                "example_type>, std::string_view prefix) const` - see docs/concepts.md#student_model");
  static_assert(has_loss<S>,
                "gpta: Student must provide `double loss(std::span<const example_type>, std::string_view "
                "prefix) const` - see docs/concepts.md#student_model");
  static_assert(has_snapshot<S>,
                "gpta: Student must provide a copyable `state_type`, `state_type snapshot() const` and "
                "`void restore(const state_type&)` - see docs/concepts.md#student_model");
  return student_model<S>;
}
}  // namespace detail

}  // namespace gpta
