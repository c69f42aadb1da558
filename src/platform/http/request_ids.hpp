#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace http {

// The X-Request-Id of each answer: the client's own when it is short and plain, else a new
// one, "<prefix>-<number>" in hex. Thread-safe: every loop's connections share one.
class RequestIds {
 public:
  // `prefix` is random per process, so ids differ across instances.
  explicit RequestIds(std::uint32_t prefix) : prefix_(prefix) {}

  // `supplied`: the request's X-Request-Id header, empty when it has none.
  std::string make(std::string_view supplied);

 private:
  std::uint32_t prefix_;
  std::atomic<std::uint64_t> next_number_{0};
};

}  // namespace http
