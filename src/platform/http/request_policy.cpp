#include "platform/http/request_policy.hpp"

#include <chrono>

namespace http {

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RequestPolicy::RequestPolicy(Options options)
    : identity_(std::move(options.admin_token), std::move(options.users),
                options.clock ? std::move(options.clock) : unix_now),
      admission_(std::move(options.limiter)),
      access_(std::move(options.metrics_token)) {}

}  // namespace http
