#include "platform/ratelimit/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace ratelimit {

namespace {

double refilled(const TokenBucket& bucket, const BucketPolicy& policy, std::int64_t now_ns) {
  // A clock that did not move (or a caller's older reading) adds nothing.
  const auto elapsed_ns = std::max<std::int64_t>(0, now_ns - bucket.updated_ns);
  return std::min(policy.burst,
                  bucket.tokens + static_cast<double>(elapsed_ns) * 1e-9 * policy.per_second);
}

}  // namespace

Decision take_token(TokenBucket& bucket, const BucketPolicy& policy, std::int64_t now_ns) {
  bucket.tokens = refilled(bucket, policy, now_ns);
  bucket.updated_ns = std::max(bucket.updated_ns, now_ns);
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {true, 0};
  }
  const double wait = (1.0 - bucket.tokens) / policy.per_second;
  return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)))};
}

bool is_full_by(const TokenBucket& bucket, const BucketPolicy& policy, std::int64_t now_ns) {
  return refilled(bucket, policy, now_ns) >= policy.burst;
}

}  // namespace ratelimit
