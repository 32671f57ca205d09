// Human-readable progress on stderr: a redrawn bar when stderr is a terminal, sparse plain
// lines otherwise (CI logs, pipes). Machine-readable records go to the run folder, not here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

#include <unistd.h>

namespace gpta::detail {

class progress_bar {
 public:
  progress_bar(std::string label, std::size_t total, bool enabled = true)
      : label_(std::move(label)), total_(total), enabled_(enabled), tty_(::isatty(STDERR_FILENO) == 1),
        start_(std::chrono::steady_clock::now()) {}
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;
  ~progress_bar() { finish(); }

  /// Advance to `done` of total, with an optional short status (e.g. the running loss).
  void update(std::size_t done, const std::string& status = {}) {
    if (!enabled_ || finished_) return;
    done_ = done;
    const int pct = total_ ? static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total_)) : 100;
    if (tty_) {
      constexpr int width = 30;
      const int filled = pct * width / 100;
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(width, '.');
      std::fprintf(stderr, "\r%s [%s] %3d%% %zu/%zu %s\033[K", label_.c_str(), bar.c_str(), pct, done, total_,
                   status.c_str());
      std::fflush(stderr);
    } else if (pct >= next_plain_pct_) {
      // Plain logs get a line per quarter, so a long run shows it is alive without flooding.
      std::fprintf(stderr, "%s %3d%% %zu/%zu %s\n", label_.c_str(), pct, done, total_, status.c_str());
      next_plain_pct_ = (pct / 25 + 1) * 25;
    }
  }

  void finish() {
    if (!enabled_ || finished_) return;
    finished_ = true;
    if (tty_) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      std::fprintf(stderr, "\r%s done in %.1fs\033[K\n", label_.c_str(), s);
    }
  }

 private:
  std::string label_;
  std::size_t total_ = 0, done_ = 0;
  bool enabled_ = true, tty_ = false, finished_ = false;
  int next_plain_pct_ = 25;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace gpta::detail
