#include "platform/http/access_check.hpp"

#include <cstdint>

#include <fmt/format.h>

#include "platform/http/bearer_auth.hpp"
#include "platform/json/input.hpp"

namespace http {

namespace {

constexpr std::string_view kUserIdField = "userId";

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

}  // namespace

AccessCheck::AccessCheck(std::string metrics_token) : metrics_token_(std::move(metrics_token)) {}

std::optional<Response> AccessCheck::authorize(Request& request, Access access,
                                               const CallerIdentity& identity) const {
  switch (access) {
    case Access::open:
      return std::nullopt;
    case Access::user:
      return identity.authenticates_users() ? authorize_user(request, identity) : std::nullopt;
    case Access::admin:
      return authorize_admin(request, identity);
    case Access::admin_when_users_authenticate:
      return identity.authenticates_users() ? authorize_admin(request, identity) : std::nullopt;
    case Access::metrics:
      return authorize_metrics(request);
  }
  return std::nullopt;
}

std::optional<Response> AccessCheck::authorize_admin(Request& request,
                                                     const CallerIdentity& identity) const {
  identity.identify(request);
  if (request.caller.admin) return std::nullopt;
  // Who the caller is is known; what it may do is not enough (RFC 6750 section 3.1).
  if (request.caller.credential == Caller::Credential::jwt) return insufficient_scope();
  return unauthorized(request.caller, "this endpoint needs Authorization: Bearer <admin token>");
}

std::optional<Response> AccessCheck::authorize_metrics(const Request& request) const {
  if (metrics_token_.empty()) return std::nullopt;
  const auto authorization = request.header("Authorization");
  if (bearer_matches(authorization, metrics_token_)) return std::nullopt;
  auto response =
      problem(401, "UNAUTHORIZED", "this endpoint needs Authorization: Bearer <metrics token>");
  if (!bearer_token(authorization).empty()) {
    for (auto& [name, value] : response.headers) {
      if (name == "WWW-Authenticate") value = "Bearer error=\"invalid_token\"";
    }
  }
  return response;
}

std::optional<Response> AccessCheck::authorize_user(Request& request,
                                                    const CallerIdentity& identity) const {
  identity.identify(request);
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
  if (!request.body.empty()) {
    // The body is read once, with every check of the handler's parse_object_body, and kept
    // for it. A refused body (not JSON, malformed, not an object, a NUL) is answered 415 or
    // 400 later, before any handler could act on its userId.
    if (const auto* body = json_input::read_object_body(request).object()) {
      const auto* user_id = body->if_contains(kUserIdField);
      if (user_id != nullptr && user_id->is_int64() && is_other_user(user_id->get_int64(), own)) {
        return forbidden(own);
      }
    }
  }
  return std::nullopt;
}

}  // namespace http
