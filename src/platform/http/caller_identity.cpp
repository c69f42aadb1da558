#include "platform/http/caller_identity.hpp"

#include <spdlog/spdlog.h>

#include "platform/http/bearer_auth.hpp"

namespace http {

CallerIdentity::CallerIdentity(std::string admin_token,
                               std::shared_ptr<const auth::JwtVerifier> users,
                               std::function<std::int64_t()> clock)
    : admin_token_(std::move(admin_token)), users_(std::move(users)), clock_(std::move(clock)) {}

bool CallerIdentity::identify_without_signature(Request& request) const {
  Caller& caller = request.caller;
  if (caller.credential != Caller::Credential::unknown) return true;
  const auto authorization = request.header("Authorization");
  const auto token = bearer_token(authorization);
  if (token.empty()) {
    caller.credential = Caller::Credential::none;
    return true;
  }
  if (bearer_matches(authorization, admin_token_)) {
    caller.credential = Caller::Credential::admin_token;
    caller.admin = true;
    return true;
  }
  if (!users_) {
    caller.credential = Caller::Credential::invalid;
    return true;
  }
  auto known = users_->recall(token, clock_());
  if (!known) return false;
  set_caller(request, *known);
  return true;
}

void CallerIdentity::identify(Request& request) const {
  if (identify_without_signature(request)) return;
  const auto token = bearer_token(request.header("Authorization"));
  set_caller(request, users_->verify(token, clock_()));
}

void CallerIdentity::set_caller(Request& request, const auth::JwtVerification& verification) const {
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

}  // namespace http
