#pragma once

#include <cstdint>

// The token bucket arithmetic, apart from any table or clock so it can be tested alone.
namespace ratelimit {

struct BucketPolicy {
  double per_second = 1;  // refill rate
  double burst = 2;       // capacity
};

struct TokenBucket {
  double tokens = 0;
  std::int64_t updated_ns = 0;  // monotonic time of the last refill

  static TokenBucket full(const BucketPolicy& policy, std::int64_t now_ns) {
    return {policy.burst, now_ns};
  }
};

struct Decision {
  bool allowed = true;
  std::int64_t retry_after_seconds = 0;  // when refused: whole seconds until a token is back
};

// Refills the bucket for the time since its last update and takes one token if there is one.
Decision take_token(TokenBucket& bucket, const BucketPolicy& policy, std::int64_t now_ns);

// Whether the bucket would be full by now: forgetting it then loses nothing.
bool is_full_by(const TokenBucket& bucket, const BucketPolicy& policy, std::int64_t now_ns);

}  // namespace ratelimit
