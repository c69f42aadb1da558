#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "platform/auth/jwt_verifier.hpp"
#include "platform/http/message.hpp"

namespace http {

// Who sent a request: request.caller from its Authorization header, the ADMIN_TOKEN or a
// user JWT. A JWT this loop verified lately is recalled without a signature check, so the
// rate limit can be charged before a new token costs one.
class CallerIdentity {
 public:
  // `users` null: user authentication off (a JWT is then just a wrong admin token).
  // `clock`: Unix seconds, for token lifetimes.
  CallerIdentity(std::string admin_token, std::shared_ptr<const auth::JwtVerifier> users,
                 std::function<std::int64_t()> clock);

  bool authenticates_users() const { return users_ != nullptr; }

  // Sets request.caller from the Authorization header (once).
  void identify(Request& request) const;
  // The same when it needs no signature check (no token, the admin token, a token verified
  // lately); false, with request.caller left unknown, when it would.
  bool identify_without_signature(Request& request) const;

 private:
  void set_caller(Request& request, const auth::JwtVerification& verification) const;

  std::string admin_token_;
  std::shared_ptr<const auth::JwtVerifier> users_;
  std::function<std::int64_t()> clock_;
};

}  // namespace http
