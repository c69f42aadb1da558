#include "platform/http/rate_limit_admission.hpp"

#include <string>

#include <fmt/format.h>

namespace http {

namespace {

// `served` is the matched route's pattern, or the canonical path when no route matched (a
// 404 or 405 under /api/v1 counts too).
bool is_rate_limited_path(std::string_view served) {
  return served.starts_with("/api/v1/") || served == "/api/v1";
}

}  // namespace

RateLimitAdmission::RateLimitAdmission(std::shared_ptr<ratelimit::ClientRateLimiter> limiter)
    : limiter_(std::move(limiter)) {}

std::optional<Response> RateLimitAdmission::admit(Request& request,
                                                  const CallerIdentity& identity) const {
  const std::string_view served = request.route.empty() ? request.path : request.route;
  if (!limiter_ || !is_rate_limited_path(served)) return std::nullopt;
  const auto address = ratelimit::ClientKey::address(request.peer_address);
  if (identity.authenticates_users() && !identity.identify_without_signature(request)) {
    // A token not verified lately: the address's bucket decides first whether its signature
    // is worth checking, so a flood of junk tokens costs no more than one without tokens.
    if (auto refused = charge(address)) return refused;
    identity.identify(request);
    if (!request.caller.user_id) return std::nullopt;
    return charge(ratelimit::ClientKey::user(*request.caller.user_id));
  }
  if (request.caller.user_id) return charge(ratelimit::ClientKey::user(*request.caller.user_id));
  return charge(address);
}

std::optional<Response> RateLimitAdmission::charge(const ratelimit::ClientKey& client) const {
  const auto decision = limiter_->admit(client);
  if (decision.allowed) return std::nullopt;
  auto response = problem(429, "TOO_MANY_REQUESTS",
                          fmt::format("more than {:g} requests per second; retry after {} s",
                                      limiter_->policy().per_second, decision.retry_after_seconds));
  response.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
  return response;
}

}  // namespace http
