// rank0_transport<T>: only rank 0 talks to the teaching assistant. Every rank runs the same
// strategy on the same (all-reduced) feedback, so every rank asks the same question at the same
// moment; rank 0 sends it through its transport and broadcasts the answer - or its failure - so
// every rank's strategy reads the same reply and makes the same accept/stop decisions.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <gpta/concepts/llm_transport.hpp>
#include <gpta/core/chat.hpp>
#include <gpta/mpi/communicator.hpp>

namespace gpta::mpi {

namespace detail {
inline void put(std::string& out, const std::string& s) {
  const std::uint64_t n = s.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out += s;
}
inline void put(std::string& out, std::int64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

struct reader {
  const std::string& in;
  std::size_t at = 0;
  void need(std::size_t n) {
    if (in.size() - at < n) throw std::runtime_error("gpta::mpi::rank0_transport: truncated broadcast");
  }
  std::int64_t integer() {
    std::int64_t v = 0;
    need(sizeof v);
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
  std::string text() {
    const auto n = static_cast<std::size_t>(integer());
    need(n);
    std::string s = in.substr(at, n);
    at += n;
    return s;
  }
};

/// A response (or an error message) as bytes: a tag ('R' reply, 'E' error), then the fields.
inline std::string encode_reply(const chat_response& r) {
  std::string out = "R";
  put(out, r.id);
  put(out, r.model);
  put(out, static_cast<std::int64_t>(r.choices.size()));
  for (const auto& c : r.choices) put(out, c.content), put(out, c.finish_reason);
  put(out, r.usage.prompt_tokens);
  put(out, r.usage.completion_tokens);
  put(out, r.usage.total_tokens);
  return out;
}

/// The response back, or std::runtime_error with rank 0's message for an 'E' record.
inline chat_response decode_reply(const std::string& bytes) {
  if (bytes.empty()) throw std::runtime_error("gpta::mpi::rank0_transport: empty broadcast");
  if (bytes[0] == 'E') throw std::runtime_error("teaching assistant (rank 0): " + bytes.substr(1));
  reader in{bytes, 1};
  chat_response r;
  r.id = in.text();
  r.model = in.text();
  const auto n = in.integer();
  for (std::int64_t i = 0; i < n; ++i) {
    chat_choice c;
    c.content = in.text();
    c.finish_reason = in.text();
    r.choices.push_back(std::move(c));
  }
  r.usage.prompt_tokens = in.integer();
  r.usage.completion_tokens = in.integer();
  r.usage.total_tokens = in.integer();
  return r;
}
}  // namespace detail

template <class Transport>
class rank0_transport {
  static_assert(gpta::detail::check_llm_transport<std::remove_cvref_t<Transport>>());

 public:
  /// `inner` is used on rank 0 only; the other ranks never call it (it may be unconfigured there).
  explicit rank0_transport(Transport inner, communicator comm = communicator{})
      : inner_(std::forward<Transport>(inner)), comm_(std::move(comm)) {}

  chat_response complete(const chat_request& request) {
    std::string bytes;
    if (comm_.rank() == 0) {
      try {
        bytes = detail::encode_reply(inner_.complete(request));
      } catch (const std::exception& e) {
        bytes = std::string("E") + e.what();
      }
    }
    comm_.broadcast(bytes, 0);
    ++calls_;
    return detail::decode_reply(bytes);
  }

  [[nodiscard]] std::size_t calls() const noexcept { return calls_; }
  [[nodiscard]] std::remove_reference_t<Transport>& inner() noexcept { return inner_; }

 private:
  Transport inner_;
  communicator comm_;
  std::size_t calls_ = 0;
};

}  // namespace gpta::mpi
