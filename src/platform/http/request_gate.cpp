#include "platform/http/request_gate.hpp"

#include <cctype>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "platform/http/bearer_auth.hpp"
#include "platform/json/input.hpp"

namespace http {

namespace {

constexpr std::string_view kUserIdField = "userId";

// `served` is the matched route's pattern, or the canonical path when no route matched (a
// 404 or 405 under /api/v1 counts too).
bool is_rate_limited_path(std::string_view served) {
  return served.starts_with("/api/v1/") || served == "/api/v1";
}

// The token of "Bearer <token>" (scheme case-insensitive), or empty.
std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return {};
  }
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

Response unauthorized(const Caller& caller, std::string_view detail) {
  auto response = problem(401, "UNAUTHORIZED", detail);
  if (caller.credential == Caller::Credential::invalid) {
    for (auto& [name, value] : response.headers) {
      if (name == "WWW-Authenticate") value = "Bearer error=\"invalid_token\"";
    }
  }
  return response;
}

Response forbidden(std::int64_t token_user) {
  return problem(403, "FORBIDDEN",
                 fmt::format("the token is user {}'s; it cannot act for another user", token_user));
}

Response insufficient_scope() {
  auto response = problem(403, "FORBIDDEN", "this endpoint needs a token with the admin role");
  response.headers.emplace_back("WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
  return response;
}

bool is_other_user(std::optional<std::int64_t> requested, std::int64_t token_user) {
  // A userId that is not a positive id is the handler's to refuse (400).
  return requested && *requested > 0 && *requested != token_user;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RequestGate::RequestGate(Options options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = unix_now;
}

bool RequestGate::identify_without_signature(Request& request) const {
  Caller& caller = request.caller;
  if (caller.credential != Caller::Credential::unknown) return true;
  const auto authorization = request.header("Authorization");
  const auto token = bearer_token(authorization);
  if (token.empty()) {
    caller.credential = Caller::Credential::none;
    return true;
  }
  if (bearer_matches(authorization, options_.admin_token)) {
    caller.credential = Caller::Credential::admin_token;
    caller.admin = true;
    return true;
  }
  if (!options_.users) {
    caller.credential = Caller::Credential::invalid;
    return true;
  }
  auto known = options_.users->recall(token, options_.clock());
  if (!known) return false;
  set_caller(request, *known);
  return true;
}

void RequestGate::identify(Request& request) const {
  if (identify_without_signature(request)) return;
  const auto token = bearer_token(request.header("Authorization"));
  set_caller(request, options_.users->verify(token, options_.clock()));
}

void RequestGate::set_caller(Request& request, const auth::JwtVerification& verification) const {
  Caller& caller = request.caller;
  if (!verification.valid()) {
    caller.credential = Caller::Credential::invalid;
    spdlog::debug("request_id={} msg=\"token refused\" reason={}", request.request_id,
                  auth::failure_name(*verification.failure));
    return;
  }
  caller.credential = Caller::Credential::jwt;
  caller.user_id = verification.identity.user_id;
  caller.admin = verification.identity.admin;
}

std::optional<Response> RequestGate::admit(Request& request) const {
  const std::string_view served = request.route.empty() ? request.path : request.route;
  if (!options_.limiter || !is_rate_limited_path(served)) return std::nullopt;
  const auto address = ratelimit::ClientKey::address(request.peer_address);
  if (options_.users && !identify_without_signature(request)) {
    // A token not verified lately: the address's bucket decides first whether its signature
    // is worth checking, so a flood of junk tokens costs no more than one without tokens.
    if (auto refused = charge(address)) return refused;
    identify(request);
    if (!request.caller.user_id) return std::nullopt;
    return charge(ratelimit::ClientKey::user(*request.caller.user_id));
  }
  if (request.caller.user_id) return charge(ratelimit::ClientKey::user(*request.caller.user_id));
  return charge(address);
}

std::optional<Response> RequestGate::charge(const ratelimit::ClientKey& client) const {
  const auto decision = options_.limiter->admit(client);
  if (decision.allowed) return std::nullopt;
  auto response =
      problem(429, "TOO_MANY_REQUESTS",
              fmt::format("more than {:g} requests per second; retry after {} s",
                          options_.limiter->policy().per_second, decision.retry_after_seconds));
  response.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
  return response;
}

std::optional<Response> RequestGate::authorize(Request& request, Access access) const {
  switch (access) {
    case Access::open:
      return std::nullopt;
    case Access::user:
      return options_.users ? authorize_user(request) : std::nullopt;
    case Access::admin:
      return authorize_admin(request);
    case Access::admin_when_users_authenticate:
      return options_.users ? authorize_admin(request) : std::nullopt;
    case Access::metrics:
      return authorize_metrics(request);
  }
  return std::nullopt;
}

std::optional<Response> RequestGate::authorize_admin(Request& request) const {
  identify(request);
  if (request.caller.admin) return std::nullopt;
  // Who the caller is is known; what it may do is not enough (RFC 6750 section 3.1).
  if (request.caller.credential == Caller::Credential::jwt) return insufficient_scope();
  return unauthorized(request.caller, "this endpoint needs Authorization: Bearer <admin token>");
}

std::optional<Response> RequestGate::authorize_metrics(const Request& request) const {
  if (options_.metrics_token.empty()) return std::nullopt;
  const auto authorization = request.header("Authorization");
  if (bearer_matches(authorization, options_.metrics_token)) return std::nullopt;
  auto response =
      problem(401, "UNAUTHORIZED", "this endpoint needs Authorization: Bearer <metrics token>");
  if (!bearer_token(authorization).empty()) {
    for (auto& [name, value] : response.headers) {
      if (name == "WWW-Authenticate") value = "Bearer error=\"invalid_token\"";
    }
  }
  return response;
}

std::optional<Response> RequestGate::authorize_user(Request& request) const {
  identify(request);
  const Caller& caller = request.caller;
  if (caller.credential == Caller::Credential::none ||
      caller.credential == Caller::Credential::invalid) {
    return unauthorized(caller, "this endpoint needs Authorization: Bearer <token of the user>");
  }
  // The admin token, or an admin JWT without a user: valid, but nobody's money.
  if (!caller.user_id) {
    return problem(403, "FORBIDDEN", "an admin token cannot act for a user");
  }
  const std::int64_t own = *caller.user_id;
  // Every userId the handler could read: each one in the query, and the body's.
  for (const auto& [name, value] : request.query) {
    if (name == kUserIdField && is_other_user(json_input::parse_int(value), own)) {
      return forbidden(own);
    }
  }
  if (!request.body.empty() && json_input::is_json_media_type(request.header("Content-Type"))) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(request.body, ec);
    // A body that is not a JSON object is the handler's to refuse (400).
    if (!ec && parsed.is_object()) {
      const auto* user_id = parsed.get_object().if_contains(kUserIdField);
      if (user_id != nullptr && user_id->is_int64() && is_other_user(user_id->get_int64(), own)) {
        return forbidden(own);
      }
      request.body_object = std::move(parsed.get_object());
    }
  }
  return std::nullopt;
}

}  // namespace http
