#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "platform/auth/jwt_verifier.hpp"
#include "platform/http/access.hpp"
#include "platform/http/access_check.hpp"
#include "platform/http/caller_identity.hpp"
#include "platform/http/message.hpp"
#include "platform/http/rate_limit_admission.hpp"
#include "platform/ratelimit/client_rate_limiter.hpp"

namespace http {

// The one place that decides whether a request may reach its handler: the rate limit, the
// caller's identity (ADMIN_TOKEN or a user JWT), and the route's Access rule, including
// the comparison of a user token with the request's userId. The server calls it for every
// request; handlers only see requests it let through. Who the caller is (CallerIdentity),
// which bucket pays (RateLimitAdmission) and what the route allows (AccessCheck) are its
// parts; it keeps their order: the rate limit is charged before a new token's signature is
// checked.
class RequestPolicy {
 public:
  struct Options {
    std::string admin_token;
    std::string metrics_token;                       // empty: Access::metrics routes are open
    std::shared_ptr<const auth::JwtVerifier> users;  // null: user authentication off
    std::shared_ptr<ratelimit::ClientRateLimiter> limiter;  // null: no rate limit
    // Unix seconds, for token lifetimes; tests set it.
    std::function<std::int64_t()> clock;
  };

  explicit RequestPolicy(Options options);

  bool authenticates_users() const { return identity_.authenticates_users(); }

  // After routing (request.path canonical, request.route set when a route matched), before
  // anything else: the rate limit of /api/v1/* (429 TOO_MANY_REQUESTS with Retry-After).
  // A token's signature is checked only after the address's bucket admitted the request,
  // unless this loop verified that token lately.
  std::optional<Response> admit(Request& request) const {
    return admission_.admit(request, identity_);
  }
  // Then the route's rule. 401 UNAUTHORIZED (with a WWW-Authenticate challenge) or 403
  // FORBIDDEN (another user's token; a valid token without the admin role on an admin route,
  // with error="insufficient_scope"), or nothing when the handler may run.
  std::optional<Response> authorize(Request& request, Access access) const {
    return access_.authorize(request, access, identity_);
  }

 private:
  CallerIdentity identity_;
  RateLimitAdmission admission_;
  AccessCheck access_;
};

}  // namespace http
