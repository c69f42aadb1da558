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
    std::shared_ptr<const auth::JwtVerifier> users;         // null: user authentication off
    std::shared_ptr<ratelimit::ClientRateLimiter> limiter;  // null: no rate limit
    // Unix seconds, for token lifetimes; tests set it.
    std::function<std::int64_t()> clock;
  };

  explicit RequestGate(Options options);

  bool authenticates_users() const { return options_.users != nullptr; }

  // Before routing: the rate limit of /api/v1/* (429 TOO_MANY_REQUESTS with Retry-After).
  std::optional<Response> admit(Request& request) const;
  // After routing: the route's rule. 401 UNAUTHORIZED (with a WWW-Authenticate challenge)
  // or 403 FORBIDDEN, or nothing when the handler may run.
  std::optional<Response> authorize(Request& request, Access access) const;

 private:
  // Sets request.caller from the Authorization header (once).
  void identify(Request& request) const;
  std::optional<Response> authorize_user(Request& request) const;
  std::optional<Response> authorize_admin(Request& request) const;

  Options options_;
};

}  // namespace http
