#pragma once

#include <memory>
#include <optional>

#include "platform/http/caller_identity.hpp"
#include "platform/http/message.hpp"
#include "platform/ratelimit/client_rate_limiter.hpp"

namespace http {

// The rate limit of /api/v1/*: which client's bucket a request is charged to (its user's,
// else its address's), and the 429 TOO_MANY_REQUESTS (with Retry-After) beyond it.
class RateLimitAdmission {
 public:
  // `limiter` null: no rate limit.
  explicit RateLimitAdmission(std::shared_ptr<ratelimit::ClientRateLimiter> limiter);

  // After routing (request.path canonical, request.route set when a route matched), before
  // anything else: nothing, or the 429 answer. Identifies the caller as far as the charge
  // needs: a token's signature is checked only after the address's bucket admitted the
  // request, unless this loop verified that token lately.
  std::optional<Response> admit(Request& request, const CallerIdentity& identity) const;

 private:
  // One request from `client`: nothing, or the 429 answer.
  std::optional<Response> charge(const ratelimit::ClientKey& client) const;

  std::shared_ptr<ratelimit::ClientRateLimiter> limiter_;
};

}  // namespace http
