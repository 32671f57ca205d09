// Crash-safe file replacement: write a sibling temp file, flush it to disk, rename over the target.
// Readers see the old or the new content, never a torn one (checkpoints, run records, caches).
#pragma once

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace gpta::detail {

/// Atomically replace `path` with `bytes`. Throws std::system_error naming the file on failure;
/// the previous content of `path` survives any failure.
inline void write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  auto fail = [&](const char* what) {
    const int err = errno;
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::system_error(err, std::generic_category(), std::string(what) + " " + path.string());
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("gpta: cannot create temporary file for");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail("gpta: cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("gpta: cannot flush");
  }
  if (::close(fd) != 0) fail("gpta: cannot close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("gpta: cannot rename temporary file onto");
}

}  // namespace gpta::detail
