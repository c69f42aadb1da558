#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "platform/auth/jwt_verifier.hpp"
#include "platform/http/access.hpp"
#include "platform/http/message.hpp"
#include "platform/ratelimit/client_rate_limiter.hpp"

namespace http {

// The one place that decides whether a request may reach its handler: the rate limit, the
// caller's identity (ADMIN_TOKEN or a user JWT), and the route's Access rule, including
// the comparison of a user token with the request's userId. The server calls it for every
// request; handlers only see requests it let through.
class RequestGate {
 public:
  struct Options {
    std::string admin_token;
    std::string metrics_token;                       // empty: Access::metrics routes are open
    std::shared_ptr<const auth::JwtVerifier> users;  // null: user authentication off
    std::shared_ptr<ratelimit::ClientRateLimiter> limiter;  // null: no rate limit
    // Unix seconds, for token lifetimes; tests set it.
    std::function<std::int64_t()> clock;
  };

  explicit RequestGate(Options options);

  bool authenticates_users() const { return options_.users != nullptr; }

  // After routing (request.path canonical, request.route set when a route matched), before
  // anything else: the rate limit of /api/v1/* (429 TOO_MANY_REQUESTS with Retry-After).
  // A token's signature is checked only after the address's bucket admitted the request,
  // unless this loop verified that token lately.
  std::optional<Response> admit(Request& request) const;
  // Then the route's rule. 401 UNAUTHORIZED (with a WWW-Authenticate challenge) or 403
  // FORBIDDEN (another user's token; a valid token without the admin role on an admin route,
  // with error="insufficient_scope"), or nothing when the handler may run.
  std::optional<Response> authorize(Request& request, Access access) const;

 private:
  // Sets request.caller from the Authorization header (once).
  void identify(Request& request) const;
  // The same when it needs no signature check (no token, the admin token, a token verified
  // lately); false, with request.caller left unknown, when it would.
  bool identify_without_signature(Request& request) const;
  void set_caller(Request& request, const auth::JwtVerification& verification) const;
  // One request from `client`: nothing, or the 429 answer.
  std::optional<Response> charge(const ratelimit::ClientKey& client) const;
  std::optional<Response> authorize_user(Request& request) const;
  std::optional<Response> authorize_admin(Request& request) const;
  std::optional<Response> authorize_metrics(const Request& request) const;

  Options options_;
};

}  // namespace http
