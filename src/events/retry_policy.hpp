#pragma once

#include <chrono>

namespace events {

// How long an undelivered event waits before its next delivery attempt.
struct RetryPolicy {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds cap{60'000};
};

// Capped exponential backoff after the `attempts`-th failed attempt (1 = the first):
// initial, 2 x initial, 4 x initial, ... up to cap. `jitter` in [0, 1) picks a point in the
// upper half of that delay ("equal jitter"), so events that failed together, e.g. during a
// platform outage, do not all come due again at the same instant.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempts, double jitter);

}  // namespace events
