// MPI for gpta: the process environment and a communicator with the few collectives data-parallel
// training needs (in-place sums, broadcasts, gathers). The only area that includes <mpi.h>; every
// call returns its error (MPI_ERRORS_RETURN) and a failure throws std::runtime_error naming the
// call, so a caller can report it and abort the job instead of hanging.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <mpi.h>

namespace gpta::mpi {

namespace detail {
inline void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw std::runtime_error(std::string("gpta::mpi: ") + call + " failed: " + std::string(text, length));
}

template <class T>
MPI_Datatype datatype() {
  if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
  else if constexpr (std::is_same_v<T, int>) return MPI_INT;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return MPI_UINT64_T;
  else if constexpr (std::is_same_v<T, char>) return MPI_CHAR;
  else static_assert(sizeof(T) == 0, "gpta::mpi: no MPI datatype for this element type");
}
}  // namespace detail

/// MPI_Init_thread / MPI_Finalize for the process (one per program, in main). Asks for
/// MPI_THREAD_MULTIPLE so the TA's thread (trainer overlap) can broadcast while training reduces.
class environment {
 public:
  environment(int& argc, char**& argv) { init(&argc, &argv); }
  environment() { init(nullptr, nullptr); }
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;
  ~environment() { MPI_Finalize(); }

  /// Whether two threads may call MPI at once (needed by trainer_options::overlap).
  [[nodiscard]] bool thread_multiple() const noexcept { return thread_multiple_; }

 private:
  void init(int* argc, char*** argv) {
    int provided = MPI_THREAD_SINGLE;
    detail::check(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
    thread_multiple_ = provided >= MPI_THREAD_MULTIPLE;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  bool thread_multiple_ = false;
};

/// A duplicate of a communicator (MPI_COMM_WORLD by default), owned: gradient sums and the TA's
/// broadcasts each get their own, so their messages never mix.
class communicator {
 public:
  explicit communicator(MPI_Comm parent = MPI_COMM_WORLD) {
    detail::check(MPI_Comm_dup(parent, &comm_), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    detail::check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    detail::check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }
  /// A copy is a new duplicate (MPI_Comm_dup is collective: every rank must copy in the same order).
  communicator(const communicator& o) : communicator(o.comm_) {}
  communicator(communicator&& o) noexcept : comm_(o.comm_), rank_(o.rank_), size_(o.size_) { o.comm_ = MPI_COMM_NULL; }
  communicator& operator=(const communicator&) = delete;
  communicator& operator=(communicator&&) = delete;
  ~communicator() {
    if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  }

  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] int size() const noexcept { return size_; }
  [[nodiscard]] MPI_Comm native() const noexcept { return comm_; }

  /// In-place sum over every rank (MPI_Allreduce, one call).
  template <class T>
  void sum(std::span<T> values) const {
    detail::check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), detail::datatype<T>(),
                                MPI_SUM, comm_),
                  "MPI_Allreduce(sum)");
  }
  template <class T>
  [[nodiscard]] T sum(T value) const {
    sum(std::span<T>(&value, 1));
    return value;
  }
  template <class T>
  [[nodiscard]] T min(T value) const {
    detail::check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, detail::datatype<T>(), MPI_MIN, comm_), "MPI_Allreduce(min)");
    return value;
  }
  template <class T>
  [[nodiscard]] T max(T value) const {
    detail::check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, detail::datatype<T>(), MPI_MAX, comm_), "MPI_Allreduce(max)");
    return value;
  }

  /// Rank `root`'s bytes to every rank (length first, then the bytes).
  void broadcast(std::string& bytes, int root = 0) const {
    std::uint64_t n = bytes.size();
    detail::check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast(length)");
    bytes.resize(static_cast<std::size_t>(n));
    if (n) detail::check(MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_CHAR, root, comm_), "MPI_Bcast(bytes)");
  }

  /// Every rank's `mine`, concatenated in rank order, on every rank (MPI_Allgatherv).
  template <class T>
  [[nodiscard]] std::vector<T> gather(std::span<const T> mine) const {
    std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
    const int n = static_cast<int>(mine.size());
    detail::check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_), "MPI_Allgather(counts)");
    int total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) offsets[r] = total, total += counts[r];
    std::vector<T> out(static_cast<std::size_t>(total));
    detail::check(MPI_Allgatherv(mine.data(), n, detail::datatype<T>(), out.data(), counts.data(), offsets.data(),
                                 detail::datatype<T>(), comm_),
                  "MPI_Allgatherv");
    return out;
  }

  void barrier() const { detail::check(MPI_Barrier(comm_), "MPI_Barrier"); }

  /// Ends every process of the job (after a rank's unrecoverable error, so none waits forever).
  [[noreturn]] void abort(int code = 1) const {
    MPI_Abort(comm_, code);
    std::abort();
  }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
};

/// Whether MPI is initialised and the job has more than one process.
[[nodiscard]] inline int world_size() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) return 1;
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}
[[nodiscard]] inline int world_rank() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) return 0;
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

/// Started by an MPI launcher (mpirun / mpiexec / srun set these)?
[[nodiscard]] inline bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (const char* s = std::getenv(v); s && *s) return true;
  return false;
}

/// Runs `body`; if it throws on any rank, prints "gpta: rank R: what" to stderr and aborts the
/// whole job (MPI_Abort), so the other ranks do not wait forever in a collective.
template <class Body>
decltype(auto) run_or_abort(Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    int rank = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::fprintf(stderr, "gpta: rank %d: %s\n", rank, e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::abort();
  }
}

}  // namespace gpta::mpi
