#include "events/retry_policy.hpp"

#include <algorithm>

namespace events {

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempts, double jitter) {
  const auto cap = std::max(policy.cap, policy.initial);
  auto delay = policy.initial;
  // Doubling stops at the cap, so large attempt counts cannot overflow.
  for (int i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  jitter = std::clamp(jitter, 0.0, 1.0);
  const auto half = delay / 2;
  return half + std::chrono::milliseconds(
                    static_cast<std::chrono::milliseconds::rep>(jitter * (delay - half).count()));
}

}  // namespace events
