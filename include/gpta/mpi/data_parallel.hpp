// data_parallel<Student>: a student_model that trains one Student per process on its shard of the
// global batch. Every rank runs the same basic_trainer with the same seed, so every rank builds the
// same global batch; the wrapper takes its contiguous share, computes the gradient of the shard's
// mean loss times the shard's share of the batch, sums the flat gradient buffers across ranks (the
// Reducer policy: one in-place MPI_Allreduce per step) and applies one optimiser step on every
// rank. Evaluation is sharded the same way and gathered, so every rank sees the same scores.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <gpta/concepts/student_model.hpp>
#include <gpta/core/records.hpp>
#include <gpta/mpi/communicator.hpp>

namespace gpta::mpi {

/// Predictions that travel as plain MPI values (class ids, scores); others are computed whole on every rank.
template <class T>
inline constexpr bool gatherable = std::is_same_v<T, int> || std::is_same_v<T, float> || std::is_same_v<T, double>;

/// The gradient reduction policy: sums a flat buffer across the processes in place. NCCL (device
/// buffers) would be another model of it.
template <class R>
concept gradient_reducer = requires(R& r, std::span<float> f, std::span<double> d) {
  r.sum(f);
  r.sum(d);
};

/// MPI_Allreduce on host memory, over its own communicator.
struct host_allreduce {
  communicator comm = communicator();  // not `{}`: the constructor is explicit
  void sum(std::span<float> v) const { comm.sum(v); }
  void sum(std::span<double> v) const { comm.sum(v); }
};

template <class Student, gradient_reducer Reducer = host_allreduce>
class data_parallel {
  static_assert(data_parallel_student<Student>,
                "gpta::mpi::data_parallel: Student must provide compute_gradients(shard, prefix, weight), "
                "gradient_buffer(), apply_gradients() and parameter_hash() - see "
                "docs/concepts.md#data-parallel-training");

 public:
  using example_type = typename Student::example_type;
  using prediction_type = typename Student::prediction_type;
  using state_type = typename Student::state_type;

  /// `student` must start identical on every rank (same seed / same checkpoint).
  explicit data_parallel(Student student, communicator comm = communicator{}, Reducer reducer = Reducer{})
      : student_(std::move(student)), comm_(std::move(comm)), reducer_(std::move(reducer)) {}

  /// One optimiser step on the global `batch`: this rank's shard, the gradient sum, the step.
  /// Returns the global batch's mean loss (the same on every rank).
  double train_step(std::span<const example_type> batch, std::string_view prefix) {
    const auto shard = my_shard(batch);
    const double weight = batch.empty() ? 0.0 : static_cast<double>(shard.size()) / static_cast<double>(batch.size());
    double loss = student_.compute_gradients(shard, prefix, weight) * weight;
    const auto t0 = std::chrono::steady_clock::now();
    reducer_.sum(student_.gradient_buffer());
    loss = comm_.sum(loss);
    reduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++steps_;
    student_.apply_gradients();
    return loss;
  }

  /// Each rank predicts its shard; the predictions are gathered in batch order.
  std::vector<prediction_type> predict(std::span<const example_type> batch, std::string_view prefix) const {
    if constexpr (gatherable<prediction_type>) {
      const auto mine = student_.predict(my_shard(batch), prefix);
      return comm_.gather(std::span<const prediction_type>(mine));
    } else {
      return student_.predict(batch, prefix);  // not a plain value: every rank predicts the whole batch
    }
  }

  double loss(std::span<const example_type> batch, std::string_view prefix) const {
    if (batch.empty()) return 0.0;
    const auto shard = my_shard(batch);
    const double part = shard.empty() ? 0.0 : student_.loss(shard, prefix) * static_cast<double>(shard.size());
    return comm_.sum(part) / static_cast<double>(batch.size());
  }

  std::pair<std::vector<prediction_type>, double> predict_with_loss(std::span<const example_type> batch,
                                                                    std::string_view prefix) const
    requires has_predict_with_loss<Student> && gatherable<prediction_type>
  {
    const auto shard = my_shard(batch);
    std::vector<prediction_type> mine;
    double part = 0.0;
    if (!shard.empty()) {
      auto [p, l] = student_.predict_with_loss(shard, prefix);
      mine = std::move(p);
      part = l * static_cast<double>(shard.size());
    }
    auto all = comm_.gather(std::span<const prediction_type>(mine));
    const double total = comm_.sum(part);
    return {std::move(all), batch.empty() ? 0.0 : total / static_cast<double>(batch.size())};
  }

  std::vector<double> example_losses(std::span<const example_type> batch, std::string_view prefix) const
    requires has_example_losses<Student>
  {
    const auto mine = student_.example_losses(my_shard(batch), prefix);
    return comm_.gather(std::span<const double>(mine));
  }

  [[nodiscard]] state_type snapshot() const { return student_.snapshot(); }
  void restore(const state_type& s) { student_.restore(s); }

  /// Rank `r`'s contiguous share of `n` examples: [r n / N, (r + 1) n / N).
  [[nodiscard]] std::pair<std::size_t, std::size_t> shard_range(std::size_t n) const noexcept {
    const auto r = static_cast<std::size_t>(comm_.rank()), N = static_cast<std::size_t>(comm_.size());
    return {r * n / N, (r + 1) * n / N};
  }

  [[nodiscard]] Student& local() noexcept { return student_; }
  [[nodiscard]] const Student& local() const noexcept { return student_; }
  [[nodiscard]] const communicator& comm() const noexcept { return comm_; }
  /// Seconds spent in the gradient and loss sums, and the steps they served.
  [[nodiscard]] double reduce_seconds() const noexcept { return reduce_seconds_; }
  [[nodiscard]] std::size_t steps() const noexcept { return steps_; }

  /// Throws std::runtime_error unless every rank holds the same parameters (a digest compared by
  /// min/max all-reduce). `when` names the moment in the message.
  void check_in_sync(const std::string& when) const {
    const std::uint64_t h = student_.parameter_hash();
    const std::uint64_t lo = comm_.min(h), hi = comm_.max(h);
    if (lo != hi)
      throw std::runtime_error("gpta::mpi::data_parallel: the ranks' parameters differ " + when +
                               " (digests " + std::to_string(lo) + " .. " + std::to_string(hi) + ")");
  }

 private:
  std::span<const example_type> my_shard(std::span<const example_type> batch) const {
    const auto [lo, hi] = shard_range(batch.size());
    return batch.subspan(lo, hi - lo);
  }

  Student student_;
  communicator comm_;
  Reducer reducer_;
  double reduce_seconds_ = 0.0;
  std::size_t steps_ = 0;
};

/// A callback that checks after every round that all ranks hold the same weights
/// (`DataParallel`: a data_parallel<...>).
template <class DataParallel>
struct in_sync_check {
  const DataParallel* student;
  void on_round_end(const round_context& c) const {
    student->check_in_sync("after round " + std::to_string(c.record.round));
  }
};

}  // namespace gpta::mpi
